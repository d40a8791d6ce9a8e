// Consentry discovery (`[banner] discover = true`; README "Discovery from real visits"): tells the
// service the names, never the values, of the cookies and storage keys this page holds that the
// registry does not declare, each name at most once a day per browser.
//
// Served only when `discover` is on, after the banner in the same banner.js, as
// `(<this function>)(declared)` (src/banner/discover.rs): `declared` maps each kind to the names
// and `*` patterns the registry declares of that kind, Consentry's own included, each followed by
// " <domain>" when the entry names one (it then covers pages on that domain only). Off, none of
// this is served. Stripped as static/banner.js is; nothing here may throw into the host page.
//
//   type Declared = {
//     "cookie": string[];
//     "local-storage": string[];
//     "session-storage": string[];
//   };
declared => {
  const origin = new URL(document.currentScript?.src || location).origin;
  // Today's reports: [when the day began, ["<kind> <name>", ...]]. A name has no space.
  const KEY = "consentry:discovered";
  // What the service takes: an RFC 6265 token of at most 200 bytes, 50 names a post.
  const TOKEN = /^[\w!#$%&'*+.^\x60|~-]{1,200}$/;
  const held = {
    // The part before `=` of each pair, never the rest. A pair without `=` is a cookie with an
    // empty name: all of its text is its value, so it is left out.
    cookie: () => document.cookie.split(/;\s*/).filter(pair => pair.includes("=")).map(pair => pair.split("=")[0]),
    "local-storage": () => Object.keys(localStorage),
    "session-storage": () => Object.keys(sessionStorage),
  };

  function report() {
    const now = Date.now();
    let day = 0, sent = [];
    try {
      [day, sent] = JSON.parse(localStorage.getItem(KEY));
    } catch (e) {}
    // A day old, from the future (a clock set back) or unreadable: a new day.
    const fresh = !(now >= day && now - day < 864e5 && Array.isArray(sent));
    if (fresh) [day, sent] = [now, []];
    const items = [];
    for (const kind in held) {
      let names = [];
      // Storage the browser blocks has nothing to report; the other kinds still do.
      try {
        names = new Set(held[kind]());
      } catch (e) {}
      const patterns = [];
      for (const entry of declared[kind] || []) {
        const [n, domain] = entry.split(" ");
        if (!domain || ("." + location.hostname).endsWith("." + domain)) patterns.push(RegExp("^" + n.replace(/[.+^$|]/g, "\\$&").replace(/\*/g, ".*") + "$"));
      }
      for (const name of names) {
        const id = kind + " " + name;
        if (items.length < 50 && TOKEN.test(name) && !sent.includes(id) && !patterns.some(p => p.test(name))) {
          items.push({ name, kind });
          sent.push(id);
        }
      }
    }
    // Nothing new: yesterday's list goes, so the key never holds more than a day's names.
    if (!items.length) {
      if (fresh) localStorage.removeItem(KEY);
      return;
    }
    // Remembered before it is sent, and not sent at all when it cannot be remembered (storage
    // blocked, a full quota): at most once a day is a promise, not a best effort. A report
    // whose post fails is made again the next day.
    localStorage.setItem(KEY, JSON.stringify([day, sent]));
    const page = location.origin + location.pathname.replace(/;[^/]*/g, "");
    fetch(origin + "/api/v1/discoveries", {
      method: "POST", keepalive: true,
      body: JSON.stringify({ host: location.hostname, page: page.slice(0, 2048), items }),
    }).catch(() => {});
  }

  // A second after the page has loaded, when its tags have set what they set on arrival.
  const later = () => setTimeout(() => {
    try {
      report();
    } catch (e) {}
  }, 1e3);
  document.readyState == "complete" ? later() : addEventListener("load", later);
}
