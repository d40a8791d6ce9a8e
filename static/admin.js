// Consentry admin dashboard (a module, served as /admin/dashboard.js): reads the admin API
// with the token the admin pastes. The token lives in sessionStorage (this tab only) and is
// sent only to this service. Every text that came from a visitor's browser or a registry is
// set as text, never as markup; the charts are markup the service drew and escaped, parsed
// inert. Looking up a visitor is in lookup.js, which uses the helpers exported here.

const TOKEN_KEY = "consentry-admin-token";
const $ = (id) => document.getElementById(id);

function say(text) {
  $("status").textContent = text;
}

// The token: the one typed in the form (kept for this tab), else the one kept.
export function token() {
  const typed = $("token").value.trim();
  if (typed) sessionStorage.setItem(TOKEN_KEY, typed);
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function auth(init) {
  return Object.assign({ headers: { Authorization: "Bearer " + token() } }, init || {});
}

// What went wrong, for a person: the service's own message when it sent one.
export async function problem(res) {
  if (res.status === 401) return "The token was refused.";
  const body = await res.json().catch(() => ({}));
  return body.message ? body.message + " (" + res.status + ")" : "The service answered " + res.status + ".";
}

export async function call(path, init) {
  const res = await fetch(path, auth(init));
  if (!res.ok) throw new Error(await problem(res));
  return res;
}

export function element(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function cell(row, text) {
  row.appendChild(element("td", text));
}

// The charts fragment, parsed by DOMParser: scripts in it would not run, and the page's
// CSP forbids inline ones anyway; the service escaped every title and id in it.
async function charts(days) {
  const html = await (await call("/api/v1/admin/charts?days=" + days)).text();
  const parsed = new DOMParser().parseFromString(html, "text/html");
  $("charts").replaceChildren(...parsed.body.childNodes);
  const period = $("charts").querySelector(".charts-period");
  say(period ? period.textContent : "Charts loaded.");
}

function fillDiscoveries(list) {
  const body = $("discoveries").tBodies[0];
  body.replaceChildren();
  $("discoveries-none").hidden = list.length > 0;
  for (const d of list) {
    const row = body.insertRow();
    const name = element("th", undefined, { scope: "row" });
    name.append(element("code", d.name));
    row.append(name);
    cell(row, d.kind);
    cell(row, d.host);
    cell(row, String(d.times_seen));
    cell(row, d.last_seen.slice(0, 16).replace("T", " ") + " UTC");
    const pages = element("ul");
    for (const p of d.pages) pages.append(element("li", p));
    row.insertCell().append(pages);
    const s = d.suggested;
    cell(row, s ? s.category + " · " + s.provider : "Not in the catalog");
    const toml = element("details");
    toml.append(element("summary", "TOML for " + d.name));
    // Focusable, so that a keyboard can reach (and scroll) it to select and copy.
    toml.append(element("pre", d.toml, { tabindex: "0" }));
    row.insertCell().append(toml);
  }
}

async function show(event) {
  if (event) event.preventDefault();
  if (!token()) {
    // Submitted blank (or blanks only): say so. On load with no token yet, wait quietly.
    if (event) {
      say("Paste the admin token first: the value of CONSENTRY_ADMIN_TOKEN the service was started with.");
      $("token").focus();
    }
    return;
  }
  const days = Math.max(1, Math.min(3660, Number($("days").value) || 30));
  say("Loading…");
  try {
    await charts(days);
    await scan();
    fillDiscoveries(await (await call("/api/v1/admin/discoveries")).json());
  } catch (e) {
    say(e.message);
  }
}

// The latest scheduled scan: its summary and violations here, the whole report as a file.
async function scan() {
  const res = await fetch("/api/v1/admin/scan", auth());
  const body = await res.json().catch(() => ({}));
  const list = $("scan-violations");
  list.replaceChildren();
  $("scan-report").hidden = !res.ok;
  if (!res.ok) {
    $("scan-summary").textContent = body.message || "The service answered " + res.status + ".";
    return;
  }
  const s = body.summary;
  $("scan-summary").textContent = "Scanned " + body.start.join(", ") + " at " + body.scanned_at + ": " +
    s.pages + " pages, " + s.items + " cookies and storage keys, " + s.undeclared + " undeclared, " +
    s.violations + (s.violations == 1 ? " violation." : " violations.");
  for (const item of body.items.filter((i) => i.violations.length)) {
    const li = element("li");
    li.append(element("code", item.name), " (" + item.kind + ", " + item.domain + "): " + item.violations.join(", "));
    list.appendChild(li);
  }
}

// Fetches `path` with the token and hands it to the browser as the file `name`.
export async function download(path, name, report) {
  report("Preparing " + name + "…");
  try {
    const url = URL.createObjectURL(await (await call(path)).blob());
    const a = element("a", undefined, { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    report(name + " downloaded.");
  } catch (e) {
    report(e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", show);
  for (const button of document.querySelectorAll("[data-export]")) {
    const format = button.dataset.export;
    button.addEventListener("click", () =>
      download("/api/v1/admin/consents?format=" + format, "consents." + format, say));
  }
  $("scan-report").addEventListener("click", () =>
    download("/api/v1/admin/scan?format=html", "consentry-scan.html", say));
  show();
});
