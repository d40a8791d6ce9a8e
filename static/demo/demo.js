// The demo page's own script: shows the live consent state, and lets you start over.
(() => {
  const render = () => {
    const state = window.Consentry && Consentry.get();
    document.getElementById("state").textContent = state
      ? JSON.stringify(state, null, 2)
      : "No decision yet: the banner is asking.";
    for (const li of document.querySelectorAll("[data-grant]")) {
      const on = window.Consentry && Consentry.accepted(li.dataset.grant);
      li.classList.toggle("on", !!on);
      li.querySelector("strong").textContent = on ? "granted" : "denied";
    }
  };
  document.addEventListener("consentry:change", render);
  render();

  // Deletes the decision cookie (on this host and on the registry's cookie_domain) and reloads.
  document.getElementById("forget").addEventListener("click", () => {
    const parts = location.hostname.split(".");
    for (let i = 0; i < parts.length; i++) {
      document.cookie = `consentry=;max-age=0;path=/;domain=${parts.slice(i).join(".")}`;
    }
    document.cookie = "consentry=;max-age=0;path=/";
    location.reload();
  });

  // Opens the preferences straight away at /#preferences (handy for screenshots).
  if (location.hash == "#preferences" && window.Consentry) Consentry.show();
})();
