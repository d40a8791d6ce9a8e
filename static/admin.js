// Consentry admin dashboard: reads the admin API with the token the admin pastes.
// The token lives in sessionStorage (this tab only) and is sent only to this service.
(function () {
  "use strict";

  const TOKEN_KEY = "consentry-admin-token";
  const $ = (id) => document.getElementById(id);

  function say(text) {
    $("status").textContent = text;
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  async function call(path) {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
    if (res.status === 401) throw new Error("The token was refused.");
    if (!res.ok) throw new Error("The service answered " + res.status + ".");
    return res;
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  function percent(share) {
    return (share * 100).toFixed(1) + " %";
  }

  function describe(map, format) {
    return Object.keys(map).map((k) => k + " " + format(map[k])).join(", ");
  }

  function fill(stats) {
    const totals = $("totals").tBodies[0];
    totals.replaceChildren();
    for (const [category, share] of Object.entries(stats.share_granted)) {
      const row = totals.insertRow();
      cell(row, category);
      cell(row, percent(share));
    }
    const days = $("per-day").tBodies[0];
    days.replaceChildren();
    for (const day of stats.days.slice().reverse()) {
      const row = days.insertRow();
      cell(row, day.date);
      cell(row, String(day.decisions));
      cell(row, describe(day.actions, String));
      cell(row, describe(day.share_granted, percent));
    }
    say(stats.decisions + " decisions in the period.");
  }

  async function show(event) {
    if (event) event.preventDefault();
    const typed = $("token").value.trim();
    if (typed) sessionStorage.setItem(TOKEN_KEY, typed);
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
      const res = await call("/api/v1/admin/stats?days=" + days);
      fill(await res.json());
      await scan();
    } catch (e) {
      say(e.message);
    }
  }

  // The latest scheduled scan: its summary and violations here, the whole report as a file.
  async function scan() {
    const res = await fetch("/api/v1/admin/scan", { headers: { Authorization: "Bearer " + token() } });
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
      const li = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = item.name;
      li.append(code, " (" + item.kind + ", " + item.domain + "): " + item.violations.join(", "));
      list.appendChild(li);
    }
  }

  async function download(format) {
    say("Preparing the export…");
    try {
      const res = await call(format == "scan" ? "/api/v1/admin/scan?format=html" : "/api/v1/admin/consents?format=" + format);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = format == "scan" ? "consentry-scan.html" : "consents." + format;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      say("Export downloaded.");
    } catch (e) {
      say(e.message);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("token-form").addEventListener("submit", show);
    for (const button of document.querySelectorAll("[data-export]")) {
      button.addEventListener("click", () => download(button.dataset.export));
    }
    $("scan-report").addEventListener("click", () => download("scan"));
    show();
  });
})();
