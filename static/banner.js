// Consentry banner: the one script a website embeds (CONTRACT.md §4).
//
// The service serves this file as `(<this function>)(languages, fallback, css)`, built once per
// registry revision (src/banner/bundle.rs): `languages` maps each language to `[shown, config]`,
// where `config` is that language's BannerConfig JSON exactly as hashed into `shown`; `fallback`
// is the registry's default language; `css` is static/banner.css. Whole-line comments and
// indentation are stripped when served, so write them freely; nothing here may throw into the
// host page.
//
// The configuration, as src/banner/config.rs writes it (a unit test there holds this list, and
// every field read below, to what Rust serializes):
//
//   type Config = {
//     banner: string;            // the banner's version, part of every `shown`
//     revision: string;          // the registry revision a decision is made on
//     site: string;              // the site's name
//     consent_days: number;      // a decision is asked again after this many days
//     honor_gpc: boolean;        // Global Privacy Control refuses every optional category
//     cookie_domain?: string;    // the `consentry` cookie's domain, when shared across subdomains
//     floating_button: boolean;  // a button that reopens the preferences after a decision
//     language: string;
//     policy_url: string;        // the cookie-policy page, relative to the service
//     categories: Category[];    // in the registry's order
//     texts: Texts;
//   };
//   type Category = {
//     id: string;
//     required?: true;           // always granted, its switch locked on
//     google_consent?: string[]; // the Consent Mode signals it grants, among SIGNALS
//     title: string;
//     description: string;
//     cookies: Cookie[];
//   };
//   type Cookie = {
//     name: string;              // exact, or a pattern with `*`
//     kind?: "local-storage" | "session-storage" | "pixel"; // absent: a cookie
//     third_party?: true;        // on another site's domain, out of the page's reach
//     provider: string;
//     purpose: string;
//     expires: string;           // in words: "13 months"
//   };
//   type Texts = {
//     accept_all, always_on, banner_text, banner_title, close, consent_id, cookie_policy,
//     customize, gpc_notice, gpc_title, preferences_text, preferences_title, receipt,
//     reject_all, save, settings, show_cookies: string;
//   };
(langs, fallback, css) => {
  // Embedded twice (a tag manager and the template, say): the first one is the banner. (An
  // element with id "Consentry" is also window.Consentry, and must not silence it.)
  if (window.Consentry?.get) return;
  const NAME = "consentry";
  const SIGNALS = ("ad_storage ad_user_data ad_personalization analytics_storage functionality_storage "
    + "personalization_storage security_storage").split(" ");
  const me = document.currentScript;
  const origin = new URL(me?.src || location).origin;

  // Google Consent Mode v2: every signal denied before any tag can run.
  const dataLayer = (window.dataLayer = window.dataLayer || []);
  function gtag() { dataLayer.push(arguments); }
  const signals = on => {
    const o = {};
    for (const s of SIGNALS) o[s] = on.includes(s) ? "granted" : "denied";
    return o;
  };
  gtag("consent", "default", Object.assign(signals([]), { wait_for_update: 500 }));

  // ---- Configuration in the visitor's language: <html lang>, else the browser's, else default.
  const pick = tag => {
    tag = (tag || "").toLowerCase();
    return Object.hasOwn(langs, tag) ? tag : Object.keys(langs).find(l => l.split("-")[0] == tag.split("-")[0]);
  };
  const lang = pick(document.documentElement.lang) || [...(navigator.languages || [])].map(pick).find(Boolean) || fallback;
  const [shown, config] = langs[lang];
  const texts = config.texts;
  const categories = config.categories;
  const ids = categories.map(category => category.id);
  const required = categories.filter(category => category.required).map(category => category.id);
  const policy = new URL(config.policy_url, origin).href;

  // ---- State: the decision kept in the first-party `consentry` cookie.
  const read = () => {
    try {
      // String operations, not a regular expression: the first one used compiles (0.2 ms).
      const m = ("; " + document.cookie).split("; consentry=")[1];
      return m && JSON.parse(decodeURIComponent(m.split(";")[0]));
    } catch (e) {}
  };
  let prior = read();
  // Only a decision on this revision, younger than consent_days, spares the visitor a question.
  let state = prior && prior.revision == config.revision && Date.now() - Date.parse(prior.decided_at) < config.consent_days * 864e5 ? prior : null;
  const granted = id => required.includes(id) || !!state && state.accepted.includes(id);

  function write() {
    let cookie = NAME + "=" + encodeURIComponent(JSON.stringify(state)) + ";path=/;samesite=lax;max-age="
      + config.consent_days * 86400;
    const domain = config.cookie_domain;
    if (domain && ("." + location.hostname).endsWith("." + domain)) cookie += ";domain=" + domain;
    if (location.protocol == "https:") cookie += ";secure";
    document.cookie = cookie;
  }

  // ---- Effects of a decision: Consent Mode, held-back scripts and iframes, rejected cookies.
  function unblock() {
    for (const el of document.querySelectorAll('script[type="text/plain"][data-category],iframe[data-category][data-src]')) try {
      if (!el.dataset.category.trim().split(/\s+/).every(granted)) continue;
      // A fresh element runs or loads and the held-back one leaves the page, so each does so
      // exactly once (an iframe given its src while the page is still parsing would stay blank).
      if (el.tagName == "IFRAME") {
        const frame = el.cloneNode();
        frame.src = el.dataset.src;
        frame.removeAttribute("data-src");
        el.replaceWith(frame);
        continue;
      }
      const s = document.createElement("script");
      for (const a of el.attributes) s.setAttribute(a.name, a.value);
      s.type = el.dataset.type || "text/javascript";
      s.nonce = el.nonce;
      if (!el.hasAttribute("async")) s.async = false;
      s.textContent = el.textContent;
      el.replaceWith(s);
      // One that cannot run (a Trusted Types policy, say) must not hold back the others.
    } catch (e) {}
  }

  // Deletes the declared cookies of refused categories on this host and its parent domains, on
  // every path the page can reach, each also written secure (or __Secure- and __Host- ones
  // would stay; a browser that refuses the secure write where it cannot hold them loses none);
  // third-party ones live where the page cannot reach them, and a pixel keeps nothing.
  function wipe() {
    const parts = location.hostname.split(".");
    const doms = [""];
    for (let i = 0; i < parts.length - 1; i++) doms.push(";domain=" + parts.slice(i).join("."));
    const paths = ["/"];
    let p = "";
    for (const seg of location.pathname.split("/").filter(Boolean)) paths.push(p += "/" + seg, p + "/");
    for (const category of categories) {
      if (granted(category.id)) continue;
      // Each on its own: storage the browser blocks must not keep the cookies after it.
      for (const cookie of category.cookies) try {
        if (cookie.third_party || cookie.kind == "pixel") continue;
        // A cookie name has no ( ) [ ] { } ? or \ (the registry refuses them): these are the rest.
        const re = RegExp("^" + cookie.name.replace(/[.+^$|]/g, "\\$&").replace(/\*/g, ".*") + "$");
        if (cookie.kind) {
          const st = window[cookie.kind == "local-storage" ? "localStorage" : "sessionStorage"];
          // Never the banner's own undelivered decision, whatever a pattern matches.
          for (const key of Object.keys(st)) if (key != PENDING && re.test(key)) st.removeItem(key);
        } else for (const pair of document.cookie.split(/;\s*/)) {
          const n = pair.split("=")[0];
          if (n != NAME && re.test(n)) {
            for (const dom of doms) for (const path of paths) for (const sec of ["", ";secure"]) document.cookie = n + "=;max-age=0;path=" + path + dom + sec;
          }
        }
      } catch (e) {}
    }
  }

  function apply() {
    gtag("consent", "update", signals(categories.filter(category => granted(category.id)).flatMap(category => category.google_consent || [])));
    unblock();
    wipe();
  }

  // A copy, so a caller cannot change the decision: {consent_id, revision, accepted, decided_at}.
  const get = () => state && JSON.parse(JSON.stringify(state));

  // Applies a decision at once, then records it with the service without making anyone wait.
  function decide(list, action) {
    const before = state ? state.accepted : [];
    const accepted = ids.filter(id => required.includes(id) || list.includes(id));
    // Taking back every optional category granted before is a withdrawal.
    if (before.length > required.length && accepted.length == required.length) action = "withdraw";
    // The visitor's id is made here, at the first decision, not by the service: every later
    // decision carries it at once, even one made before an answer came, after the page was
    // left or in another tab (so the cookie is read again), and none starts a second history.
    // The time first (fixed width until 2059), so the service's index grows at its ends (one
    // per id length), then 128 random bits.
    prior = state = {
      consent_id: (read() || prior)?.consent_id
        || Date.now().toString(36) + "_" + crypto.getRandomValues(new Uint32Array(4)).join("_"),
      revision: config.revision, accepted, decided_at: new Date().toISOString(),
    };
    // Each decision has its own id (128 random bits in hex), so that posting it again is harmless.
    // The page is context only: cut to what the service keeps (2,048 bytes; a pathname is ASCII),
    // so that a long path can never push the body past the service's 8 KiB and lose the decision.
    const body = JSON.stringify({
      consent_id: state.consent_id,
      decision_id: [...crypto.getRandomValues(new Uint32Array(4))].map(n => n.toString(16).padStart(8, 0)).join(""),
      revision: config.revision, shown, accepted, action, language: lang, page: (location.origin + location.pathname).slice(0, 2048),
    });
    // Kept before it is posted: a newer decision replaces an older one still undelivered.
    for (const f of [write, apply, hide, () => document.dispatchEvent(new CustomEvent("consentry:change", { detail: get() })),
      () => storage().setItem(PENDING, body), () => post(body)]) guard(f)();
  }

  // ---- Recording (CONTRACT §4.4): a decision is posted until the service acknowledges it. Its
  // body waits in localStorage meanwhile and is posted again, byte for byte, at every later page
  // view and when the browser comes back online; the service stores a repeat of its
  // decision_id only once. Storage may be missing or throw (disabled, Safari's private mode, a
  // full quota): the decision is then posted once, as it was before retries.
  const PENDING = NAME + ":pending";
  const storage = () => window.localStorage;
  const pending = guard(() => storage().getItem(PENDING));
  let posting = 0;

  // text/plain, so no CORS preflight; keepalive, so it survives the visitor leaving the page.
  function post(body) {
    fetch(origin + "/api/v1/consents", { method: "POST", body, keepalive: true })
      .then(guard(r => {
        // 429, a 5xx or no answer at all: kept for later. Anything else delivered it (201, or
        // 200 for a repeat) or refused it for good: a 4xx other than 429 means the service can
        // never accept this body (a shown it no longer knows, an origin it refuses), so it is
        // dropped rather than posted forever.
        if (r.status == 429 || r.status > 499) return;
        if (pending() == body) storage().removeItem(PENDING);
      }), () => {})
      .finally(() => posting--);
    posting++;
  }

  // Not while a post of this page is still out: one at a time, whatever asks for it.
  function retry() {
    const body = !posting && pending();
    if (body) post(body);
  }

  // ---- Interface, in a shadow root styled by a constructed stylesheet (no inline style).
  let root, bar, dlg, fab, ret;
  const element = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    e.append(...kids);
    return e;
  };
  const button = (action, text, cls) => element("button", { type: "button", "data-action": action, class: cls || "" }, text);
  const link = () => element("a", { href: policy, target: "_blank" }, texts.cookie_policy);

  function mount() {
    if (root) return;
    const host = element("div", { id: NAME });
    root = host.attachShadow({ mode: "open" });
    // Browsers without constructable stylesheets (before 2023) get a working, unstyled banner.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {}
    root.addEventListener("click", guard(e => {
      const a = e.target.closest("[data-action]");
      if (a) actions[a.dataset.action]();
    }));
    document.body.append(host);
  }

  const actions = {
    "accept-all": () => decide(ids, "accept-all"),
    "reject-all": () => decide([], "reject-all"),
    save: () => decide(ids.filter(id => root.getElementById("cy-" + id).checked), "custom"),
    customize: show,
    settings: show,
    close: () => dlg.close(),
    dismiss: hide,
  };

  // The first layer, or the notice that a Global Privacy Control signal was honoured. The
  // floating button is its way back, so it waits until the bar is gone (hide() brings it).
  function showBar(title, text, ...buttons) {
    mount();
    fab?.remove();
    fab = null;
    bar = element("section", { class: "bar", "aria-labelledby": "cy-t" },
      element("div", { class: "tx" },
        element("small", {}, config.site),
        element("h2", { id: "cy-t" }, title),
        element("p", {}, text, " ", link())),
      element("div", { class: "act" }, ...buttons));
    root.append(bar);
    // Keeps the element that has focus out from under the banner (WCAG 2.4.11): focus scrolls
    // clear of it, and the host element gives the page room to scroll its end clear too. Done
    // once the banner is painted (a task after the first frame), when its layout is known and
    // the page's relayout no longer delays it.
    requestAnimationFrame(() => setTimeout(() => {
      if (!bar) return;
      root.host.style.display = "block";
      root.host.style.height = document.documentElement.style.scrollPaddingBottom = bar.offsetHeight + 24 + "px";
    }));
  }

  function showFab() {
    if (!config.floating_button || fab) return;
    mount();
    fab = element("button", { type: "button", class: "fab", "data-action": "settings", "aria-label": texts.settings, title: texts.settings });
    root.append(fab);
  }

  // Focus with nowhere to go back to goes to the floating button, else to the page's own
  // settings link (without scrolling the page to it), not to the top of the document.
  const home = () => fab ? fab.focus() : document.querySelector('[data-consentry="show"]')?.focus({ preventScroll: true });

  function hide() {
    const inside = root.activeElement;
    if (bar) {
      bar.remove();
      bar = null;
      root.host.style.display = root.host.style.height = document.documentElement.style.scrollPaddingBottom = "";
    }
    showFab();
    if (dlg && dlg.open) dlg.close();
    else if (inside && !inside.isConnected) home();
  }

  function categoryItem(category) {
    const id = "cy-" + category.id;
    const box = element("input", { type: "checkbox", role: "switch", name: category.id, id, "aria-describedby": id + "-d" });
    box.disabled = category.required;
    const n = category.cookies.length;
    return element("div", { class: "cat" },
      element("div", { class: "row" },
        element("label", { for: id }, category.title),
        category.required ? element("span", { class: "on" }, texts.always_on) : "",
        box),
      element("p", { id: id + "-d" }, category.description),
      n ? element("details", {},
        element("summary", {}, texts.show_cookies + " (" + n + ")"),
        element("ul", {}, ...category.cookies.map(cookie => element("li", {},
          element("div", {}, element("code", {}, cookie.name), element("span", {}, cookie.provider + " · " + cookie.expires)),
          element("p", {}, cookie.purpose))))) : "");
  }

  function dialog() {
    dlg = element("dialog", { "aria-modal": "true", "aria-labelledby": "cy-p" },
      element("div", { class: "hd" },
        element("h2", { id: "cy-p" }, texts.preferences_title),
        element("button", { type: "button", class: "x", "data-action": "close", "aria-label": texts.close }, "×")),
      element("div", { class: "bd" },
        element("p", {}, texts.preferences_text, " ", link()),
        ...categories.map(categoryItem),
        element("p", { id: "cy-id", class: "id" })),
      element("div", { class: "ft" },
        button("accept-all", texts.accept_all, "alt"),
        button("reject-all", texts.reject_all, "alt"),
        button("save", texts.save)));
    // Escape (cancel) and every other way out close without recording anything.
    dlg.addEventListener("close", guard(() => ret?.isConnected && ret != document.body ? ret.focus() : home()));
    dlg.addEventListener("keydown", guard(e => {
      if (e.key != "Tab") return;
      const all = [...dlg.querySelectorAll("button,input:not(:disabled),a,summary")];
      const edge = all[e.shiftKey ? 0 : all.length - 1];
      if (root.activeElement == edge) {
        e.preventDefault();
        all[e.shiftKey ? all.length - 1 : 0].focus();
      }
    }));
    root.append(dlg);
  }

  // Opens the preferences dialog, its switches showing the current decision.
  function show() {
    mount();
    if (!dlg) dialog();
    if (dlg.open) return;
    ret = root.activeElement || document.activeElement;
    for (const id of ids) root.getElementById("cy-" + id).checked = granted(id);
    // Once the visitor has decided (on any revision): their id, and their receipt on the
    // service, which lists every decision recorded under it and how to check each.
    const id = (read() || prior)?.consent_id;
    if (id) root.getElementById("cy-id").replaceChildren(texts.consent_id + " ", element("code", {}, id), " ",
      element("a", { href: origin + "/consent/" + encodeURIComponent(id) + "?lang=" + lang, target: "_blank" }, texts.receipt));
    dlg.showModal();
  }

  // ---- Start: nothing the banner does may surface in the host page as an error.
  function guard(fn) {
    return (...a) => {
      try {
        return fn(...a);
      } catch (e) {}
    };
  }
  const ready = fn => {
    fn = guard(fn);
    document.body ? fn() : document.addEventListener("DOMContentLoaded", fn);
  };

  window.Consentry = {
    get: guard(get),
    accepted: guard(granted),
    show: () => ready(show),
  };

  // A decision from an earlier visit takes effect at once, Consent Mode first of all.
  if (state) apply();
  // An undelivered decision goes out once the page is painted (its first storage read waits on
  // the browser process), and again whenever the browser is back online.
  requestAnimationFrame(() => setTimeout(guard(retry)));
  window.addEventListener("online", guard(retry));
  document.addEventListener("click", guard(e => {
    if (e.target.closest('[data-consentry="show"]')) {
      e.preventDefault();
      ready(show);
    }
  }));
  ready(() => {
    if (state) showFab();
    else if (config.honor_gpc && navigator.globalPrivacyControl) {
      mount();
      decide([], "gpc");
      showBar(texts.gpc_title, texts.gpc_notice, button("settings", texts.settings), button("dismiss", texts.close));
    } else showBar(texts.banner_title, texts.banner_text, button("accept-all", texts.accept_all),
      button("reject-all", texts.reject_all), button("customize", texts.customize, "alt"));
  });
  // Then the held-back tags parsed since are released, and those added later as they come (one
  // query per batch of changes, cheaper than looking at what each added). Watching only from
  // here keeps the banner's work out of the page's parsing.
  ready(() => {
    unblock();
    new MutationObserver(guard(unblock)).observe(document.documentElement, { childList: true, subtree: true });
  });
}
