// Consentry admin dashboard, looking up one visitor (a module, served as /admin/lookup.js):
// every decision under a consent id, each with the banner as the visitor was shown it (the
// archived snapshot its `shown` names, in the visitor's language), the evidence to download
// when the service offers it, and erasure behind a confirmation dialog. Everything shown here
// came from a visitor's browser or an old registry: it is set as text, never as markup.

import { call, download, element, problem, token } from "/admin/dashboard.js";

const $ = (id) => document.getElementById(id);
const ACTIONS = {
  "accept-all": "Accept all", "reject-all": "Reject all", custom: "Chose per category",
  gpc: "Privacy signal (GPC)", withdraw: "Withdrew",
};
// The largest page the history endpoint gives: fewer requests under its rate limit.
const PAGE = 1000;

// What is on screen: the id looked up and how many records it has.
let current = null;
const snapshots = new Map();

function say(text) {
  $("lookup-status").textContent = text;
}

function plural(n, one, many) {
  return n + " " + (n === 1 ? one : many);
}

// Every page of the visitor's history, following `Link: <…>; rel="next"` (only to this
// endpoint). None (404) is an empty history.
async function history(id) {
  const records = [];
  let next = "/api/v1/consents/" + encodeURIComponent(id) + "?limit=" + PAGE;
  while (next) {
    const res = await fetch(next);
    if (res.status === 404 && records.length === 0) return records;
    if (!res.ok) throw new Error(await problem(res));
    records.push(...(await res.json()));
    const link = /<(\/api\/v1\/consents\/[^>]*)>;\s*rel="next"/.exec(res.headers.get("Link") || "");
    next = link ? link[1] : null;
  }
  return records;
}

// The banner configuration a `shown` names (CONTRACT §3), once per hash; null if not kept.
async function snapshot(shown) {
  if (!snapshots.has(shown)) {
    const res = await fetch("/api/v1/admin/snapshots/" + encodeURIComponent(shown),
      { headers: { Authorization: "Bearer " + token() } });
    if (res.status !== 200 && res.status !== 404) throw new Error(await problem(res));
    snapshots.set(shown, res.ok ? await res.json() : null);
  }
  return snapshots.get(shown);
}

function facts(list) {
  const dl = element("dl", undefined, { class: "record-facts" });
  for (const [term, value] of list) {
    dl.append(element("dt", term));
    const dd = element("dd");
    dd.append(value);
    dl.append(dd);
  }
  return dl;
}

// The categories of a decision, granted or refused, in words as well as marks.
function choices(categories) {
  const ul = element("ul", undefined, { class: "choices" });
  for (const [id, granted] of Object.entries(categories || {})) {
    const li = element("li", undefined, { class: granted ? "granted" : "refused" });
    li.append(element("code", id), granted ? " ✓ granted" : " ✗ refused");
    ul.append(li);
  }
  return ul;
}

// The banner as the visitor saw it: its first layer, then the preferences with each switch
// as the decision left it. Inert copies: nothing here is a control.
function replica(config, record) {
  const t = config.texts || {};
  const box = element("div", undefined, { class: "replica", lang: config.language || record.language || "" });
  const layer = (label) => {
    const div = element("div", undefined, { class: "replica-layer" });
    box.append(element("h5", label, { lang: "en" }), div);
    return div;
  };
  const buttons = (...labels) => {
    const p = element("p", undefined, { class: "replica-buttons" });
    for (const label of labels) p.append(element("span", label, { class: "replica-button" }));
    return p;
  };
  const first = layer("First layer");
  first.append(element("p", t.banner_title, { class: "replica-title" }), element("p", t.banner_text),
    buttons(t.accept_all, t.reject_all, t.customize));
  const prefs = layer("Preferences");
  prefs.append(element("p", t.preferences_title, { class: "replica-title" }), element("p", t.preferences_text));
  const list = element("ul", undefined, { class: "replica-categories" });
  for (const c of config.categories || []) {
    const li = element("li");
    const head = element("p", undefined, { class: "replica-category" });
    const on = c.required || (record.categories || {})[c.id] === true;
    head.append(element("strong", c.title), " ");
    head.append(c.required ? element("span", t.always_on, { class: "replica-state" })
      : element("span", on ? "✓ on" : "✗ off", { class: "replica-state", lang: "en" }));
    li.append(head, element("p", c.description));
    list.append(li);
  }
  prefs.append(list, buttons(t.save));
  return box;
}

async function render(record, index, total, signed) {
  const li = element("li", undefined, { class: "record" });
  const when = String(record.recorded_at || "").replace("T", " ").replace("Z", " UTC");
  const action = ACTIONS[record.action] || record.action;
  li.append(element("h4", "Decision " + (index + 1) + " of " + total + ": " + action + ", " + when));
  const list = [
    ["Action", element("code", record.action)],
    ["Categories", choices(record.categories)],
    ["Language", element("code", record.language)],
    ["Page", element("span", record.page, { class: "url" })],
    ["Browser", element("span", record.user_agent || "not sent")],
    ["Network", element("code", record.ip_prefix || "not kept")],
    ["Asked again after", element("span", String(record.expires_at || "").replace("T", " ").replace("Z", " UTC"))],
    ["Registry revision", element("code", record.revision)],
    ["Shown", element("code", record.shown)],
  ];
  // Its place in the consent log: a leaf in the latest signed checkpoint can be proved now
  // (the link answers the inclusion proof); a newer one is signed within seconds. A record not
  // sequenced yet has no `log` member, and nothing is claimed.
  if (record.log && Number.isInteger(record.log.index)) {
    const span = element("span", "leaf " + record.log.index);
    if (record.log.index < signed) {
      span.append(", in the signed checkpoint of " + plural(signed, "leaf", "leaves") + ": ",
        element("a", "inclusion proof", {
          href: "/api/v1/log/proof/inclusion?index=" + record.log.index + "&tree_size=" + signed,
        }));
    } else span.append(", not in a signed checkpoint yet");
    list.push(["Consent log", span]);
  }
  li.append(facts(list));
  const shown = await snapshot(record.shown);
  const details = element("details", undefined, { class: "snapshot" });
  const language = shown ? shown.language || record.language : record.language;
  details.append(element("summary", "What the banner showed (" + language + ")"));
  details.append(shown ? replica(shown, record)
    : element("p", "The service keeps no snapshot under this shown hash."));
  li.append(details);
  return li;
}

// Whether the service offers this visitor's evidence (CONTRACT §7): a HEAD, answered as a
// GET would be; the button shows only when it answers 200.
async function evidence(id) {
  const res = await fetch("/api/v1/admin/consents/" + encodeURIComponent(id) + "/evidence",
    { method: "HEAD", headers: { Authorization: "Bearer " + token() } }).catch(() => null);
  $("evidence").hidden = !(res && res.ok);
}

// The size of the latest signed checkpoint's tree (0 before the first).
async function signedSize() {
  const res = await fetch("/api/v1/log/checkpoint").catch(() => null);
  return res && res.ok ? Number((await res.text()).split("\n")[1]) || 0 : 0;
}

async function lookup(id) {
  const records = await history(id);
  const signed = await signedSize();
  const list = $("records");
  const items = [];
  for (const [i, r] of records.entries()) items.push(await render(r, i, records.length, signed));
  list.replaceChildren(...items);
  current = { id, count: records.length };
  $("lookup-heading").replaceChildren(records.length
    ? plural(records.length, "decision", "decisions") : "No decisions", " under consent id ",
  element("code", id));
  $("lookup").hidden = false;
  $("erase").hidden = records.length === 0;
  $("evidence").hidden = true;
  if (records.length) await evidence(id);
  return records.length;
}

async function submit(event) {
  event.preventDefault();
  const id = $("consent-id").value.trim();
  if (!id) {
    say("Type or paste a consent id first.");
    return;
  }
  if (!token()) {
    say("Paste the admin token above first: the snapshots and erasure need it.");
    $("token").focus();
    return;
  }
  say("Looking up…");
  try {
    const n = await lookup(id);
    say(n ? plural(n, "decision", "decisions") + " found." : "No decisions under this consent id.");
  } catch (e) {
    $("lookup").hidden = true;
    say(e.message);
  }
}

function confirmErase() {
  if (!current) return;
  const records = plural(current.count, "record", "records");
  const text = $("erase-text");
  text.replaceChildren("All ", records, " under consent id ", element("code", current.id),
    " will be deleted from the store. This cannot be undone.");
  $("erase-confirm").textContent = "Erase " + records;
  $("erase-dialog").showModal();
  // The safe choice has the focus: Enter or Space at once keeps the records.
  $("erase-cancel").focus();
}

async function erase() {
  const { id } = current;
  say("Erasing…");
  try {
    const res = await call("/api/v1/admin/consents/" + encodeURIComponent(id), { method: "DELETE" });
    const erased = Number(res.headers.get("Consentry-Erased") || 0);
    await lookup(id);
    say("Erased " + plural(erased, "record", "records") + " under consent id " + id + ".");
  } catch (e) {
    say(e.message);
  }
  // The erase button is gone with the records: the focus goes to what replaced them.
  $("lookup-heading").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("lookup-form").addEventListener("submit", submit);
  $("erase").addEventListener("click", confirmErase);
  $("erase-cancel").addEventListener("click", () => $("erase-dialog").close("keep"));
  $("erase-confirm").addEventListener("click", () => $("erase-dialog").close("erase"));
  // Closed by a button or by Escape (returnValue ""): only the confirm button erases.
  $("erase-dialog").addEventListener("close", () => {
    if ($("erase-dialog").returnValue === "erase") {
      erase();
    } else {
      say("Nothing was erased.");
      $("erase").focus();
    }
    $("erase-dialog").returnValue = "";
  });
  $("evidence").addEventListener("click", () => download(
    "/api/v1/admin/consents/" + encodeURIComponent(current.id) + "/evidence",
    "evidence-" + current.id + ".json", say));
});
