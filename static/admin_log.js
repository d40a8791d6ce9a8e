// Consentry admin dashboard, the consent log (a module, served as /admin/log.js): the latest
// signed checkpoint and the verifier key, which are public, and the check of a checkpoint kept
// earlier against today's log, through the admin API. Everything is set as text.

import { call, token } from "/admin/dashboard.js";

const $ = (id) => document.getElementById(id);

function say(text) {
  $("log-status").textContent = text;
}

// The tree's size, root and signing time from the latest checkpoint, and the key.
async function state() {
  try {
    const [res, key] = await Promise.all([fetch("/api/v1/log/checkpoint"), fetch("/api/v1/log/key")]);
    if (key.ok) $("log-key").textContent = (await key.text()).trim();
    if (!res.ok) {
      $("log-size").textContent = "No checkpoint is signed yet: the first comes within seconds of start.";
      return;
    }
    const note = await res.text();
    const [, size, root] = note.split("\n");
    const n = Number(size);
    $("log-size").textContent = n.toLocaleString("en") + (n === 1 ? " leaf" : " leaves");
    $("log-root").textContent = root;
    const signed = res.headers.get("Last-Modified");
    $("log-signed").textContent = signed
      ? new Date(signed).toISOString().replace(".000Z", "Z").replace("T", " ").replace("Z", " UTC") : "—";
    $("log-checkpoint").textContent = note;
  } catch (e) {
    say("The log could not be read: " + e.message);
  }
}

async function check(event) {
  event.preventDefault();
  const earlier = $("log-earlier").value;
  if (!earlier.trim()) {
    say("Paste a checkpoint first: the whole signed note, from its first line to its signature.");
    $("log-earlier").focus();
    return;
  }
  if (!token()) {
    say("Paste the admin token first, at the top of the page.");
    $("token").focus();
    return;
  }
  say("Checking…");
  try {
    // The panel first, so that it shows the checkpoint the answer compares with (one is
    // signed at most every 5 s).
    await state();
    const a = await (await call("/api/v1/admin/log/consistency", { method: "POST", body: earlier })).json();
    say(a.consistent
      ? "Consistent: today's log of " + a.second.toLocaleString("en") + " leaves extends the earlier checkpoint of "
        + a.first.toLocaleString("en") + ", so nothing before it was rewritten or removed (a proof of "
        + a.path.length + (a.path.length === 1 ? " hash" : " hashes") + ")."
      : "Not consistent: " + a.reason + ".");
  } catch (e) {
    say(e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("log-form").addEventListener("submit", check);
  state();
});
