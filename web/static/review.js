// Keyboard-driven review: j/k move between cards, p publishes, r rejects, n focuses the note.
(function () {
  "use strict";
  const cards = Array.from(document.querySelectorAll(".card"));
  let current = 0;

  function select(index) {
    if (!cards.length) return;
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach((card, i) => card.classList.toggle("selected", i === current));
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest" });
  }

  function decide(action) {
    const card = cards[current];
    if (!card) return;
    card.querySelector("button[value='" + action + "']").click();
  }

  document.addEventListener("keydown", function (event) {
    const typing = event.target.matches("input, textarea, select");
    if (typing) {
      if (event.key === "Escape") cards[current] && cards[current].focus();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = {
      j: () => select(current + 1),
      k: () => select(current - 1),
      p: () => decide("publish"),
      r: () => decide("reject"),
      n: () => cards[current] && cards[current].querySelector(".note").focus(),
      "?": () => document.getElementById("help").showModal(),
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });

  select(0);
})();
