// The moderators' workspace: one card in focus, decided with the keyboard; the server answers
// a decision with the next card, so nothing reloads. The list and the counts are polled.
(function () {
  "use strict";
  const ws = document.getElementById("workspace");
  if (!ws) return;
  const slot = document.getElementById("card-slot");
  const rows = document.getElementById("rows");
  const query = ws.dataset.query;
  const POLL_MS = 4000;
  const RENEW_MS = 60000;
  const skipped = [];
  let busy = false;
  let picking = false; // after r: waiting for the digit of a reason
  let selected = -1;
  let renewTimer = null;

  const withQuery = (url) => url + (url.indexOf("?") < 0 ? "?" : "&") + query;
  const csrfMeta = () => document.querySelector('meta[name="csrf-token"]');
  const card = () => slot.querySelector(".card");

  function flash(message, level) {
    if (!message) return; // keep what the page was loaded with
    const box = document.getElementById("flashes");
    box.textContent = "";
    const p = document.createElement("p");
    p.className = "flash " + (level || "info");
    p.setAttribute("role", "status");
    p.textContent = message;
    box.appendChild(p);
  }

  async function post(url, body) {
    const response = await fetch(withQuery(url), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfMeta().content, Accept: "application/json" },
    });
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent("/review/?" + query));
      return null;
    }
    if (response.status === 204) return { status: 204, payload: {} };
    let payload;
    try {
      payload = await response.json();
    } catch (error) {
      payload = { message: "The server answered " + response.status + ".", level: "error" };
    }
    return { status: response.status, payload: payload };
  }

  function form(fields) {
    const data = new FormData();
    Object.keys(fields).forEach((key) => data.append(key, fields[key]));
    data.append("skip", skipped.join(","));
    return data;
  }

  function show(payload) {
    if (payload.card !== undefined) {
      slot.innerHTML = payload.card;
      bindCard();
    }
    flash(payload.message, payload.level || (payload.error ? "error" : "info"));
  }

  async function act(url, fields) {
    if (busy) return null;
    busy = true;
    try {
      const result = await post(url, fields instanceof FormData ? fields : form(fields || {}));
      if (result) show(result.payload);
      return result;
    } finally {
      busy = false;
    }
  }

  function count(change) {
    const badge = document.getElementById("queue-count");
    if (badge) badge.textContent = Math.max(0, parseInt(badge.textContent, 10) + change);
  }

  async function decide(action, reason) {
    const current = card();
    if (!current || !current.querySelector("form.decide")) return;
    const result = await act(current.dataset.decideUrl, { action: action, reason: reason || "" });
    if (result && result.status === 200) count(-1);
  }

  function skip() {
    const current = card();
    if (!current || !current.querySelector("form.decide")) return;
    skipped.push(current.dataset.commentId);
    act(current.dataset.skipUrl, {});
  }

  async function undo() {
    const result = await act(ws.dataset.undoUrl, {});
    if (result && result.status === 200) count(1);
  }

  function pickReason(show) {
    const list = slot.querySelector(".reject-reasons");
    if (!list) return;
    picking = show;
    list.hidden = !show;
  }

  function bindCard() {
    const current = card();
    const token = slot.querySelector("input[name=csrf_token]");
    if (token) csrfMeta().content = token.value;
    picking = false;
    if (renewTimer) clearInterval(renewTimer);
    renewTimer = null;
    if (!current) return;
    current.focus({ preventScroll: true });
    if (current.dataset.holds === "yes") {
      renewTimer = setInterval(async () => {
        const result = await post(current.dataset.renewUrl, new FormData());
        if (result && result.status !== 204) {
          flash(result.payload.message || "Someone else took this card.", "error");
          act(ws.dataset.nextUrl, {});
        }
      }, RENEW_MS);
    }
    const skipButton = current.querySelector("button.skip");
    if (skipButton) skipButton.addEventListener("click", skip);
  }

  // Every card form (decision, override, note, sanction) is sent without leaving the page.
  slot.addEventListener("submit", async (event) => {
    const target = event.target;
    if (!target.matches("form[data-async]")) return;
    event.preventDefault();
    const data = new FormData(target, event.submitter);
    data.append("skip", skipped.join(","));
    const decision = target.matches("form.decide");
    const result = await act(target.getAttribute("action"), data);
    if (decision && result && result.status === 200) count(-1);
  });

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open]");
    if (opener) act(opener.dataset.open, {});
  });

  function rowItems() {
    return Array.from(rows.querySelectorAll(".row"));
  }

  function select(index) {
    const items = rowItems();
    if (!items.length) return;
    selected = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, i) => item.classList.toggle("selected", i === selected));
    items[selected].scrollIntoView({ block: "nearest" });
  }

  function openSelected() {
    const item = rowItems()[selected];
    if (item) act(item.querySelector("[data-open]").dataset.open, {});
  }

  function sanction() {
    const box = slot.querySelector(".sanction-box");
    if (!box) return;
    box.open = true;
    box.querySelector("input[name=reason]").focus(); // a ban by default; Shift+Tab for others
  }

  function expand() {
    const details = slot.querySelector("details.signals");
    if (details) details.open = !details.open;
  }

  function note() {
    const field = slot.querySelector("input.note");
    if (field) field.focus();
  }

  const keys = {
    p: () => decide("publish"),
    r: () => pickReason(true),
    s: skip,
    u: undo,
    e: expand,
    n: note,
    b: sanction,
    j: () => select(selected + 1),
    k: () => select(selected - 1),
    o: openSelected,
    "?": () => document.getElementById("help").showModal(),
  };

  function onPicking(event) {
    event.preventDefault();
    if (event.key === "Escape") return pickReason(false);
    const choice = slot.querySelector('.reject-reasons [data-digit="' + event.key + '"]');
    if (choice) {
      pickReason(false);
      decide("reject", choice.dataset.reason);
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea, select")) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (picking) return onPicking(event);
    if (document.querySelector("dialog[open]")) return;
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // Live: counts, the list and who holds what, every few seconds; a new comment is picked up
  // by itself when the moderator has no card.
  async function poll() {
    try {
      const response = await fetch(withQuery(ws.dataset.liveUrl), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const live = await response.json();
      Object.keys(live.counts).forEach((name) => {
        const badge = document.querySelector('.count[data-queue="' + name + '"]');
        if (badge) badge.textContent = live.counts[name];
      });
      document.getElementById("matching").textContent = live.matching;
      if (!rows.querySelector("input.pick:checked")) {
        rows.innerHTML = live.rows;
        const empty = document.getElementById("empty-list");
        if (empty) empty.hidden = live.ids.length > 0;
        if (selected >= 0) select(selected);
      }
      const idle = slot.querySelector("#no-card");
      if (idle && !busy && ws.dataset.queue === "review" && live.free.length) {
        act(ws.dataset.nextUrl, {});
      }
    } catch (error) {
      // The server is away for a moment: the next poll tries again.
    }
  }

  setInterval(poll, POLL_MS);
  if (ws.dataset.queue === "review") act(ws.dataset.nextUrl, {});
})();
