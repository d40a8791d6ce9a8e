// An example tag held back by Consentry. The demo page includes it as
//   <script type="text/plain" data-category="analytics" src="/demo/example.js"></script>
// so it runs only once that category is granted. It marks its card, with how many times it ran.
(() => {
  const me = document.currentScript;
  const id = me && me.dataset.category;
  const card = document.querySelector(`[data-demo-category="${id}"]`);
  if (!card) return;
  const runs = (Number(card.dataset.runs) || 0) + 1;
  card.dataset.runs = runs;
  card.classList.add("ran");
  const time = new Date().toLocaleTimeString();
  card.querySelector(".status").textContent = `Ran at ${time}` + (runs > 1 ? ` (${runs} times!)` : ", once");
})();
