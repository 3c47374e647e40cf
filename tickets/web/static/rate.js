/* The rating screen facing residents (/counter/rate?window=NAME), e.g. a tablet or second screen
 * at the window, signed in like the counter page. It asks about the window's last finished
 * ticket (GET /api/counters/{window}/last-done at load, then every `done` event of the window),
 * thanks the resident, and goes back to a welcome after PROMPT_MS without an answer.
 */
"use strict";
(function () {
  const K = window.KioskPages;
  const $ = function (id) { return document.getElementById(id); };
  const PROMPT_MS = 3 * 60 * 1000;
  const windowName = new URLSearchParams(location.search).get("window");
  let rating = null;
  let expiry = null;

  function idle() {
    clearTimeout(expiry);
    rating.hide();
    $("rate-idle").hidden = false;
  }

  function ask(ticket) {
    $("rate-idle").hidden = true;
    rating.show(ticket);
    clearTimeout(expiry);
    expiry = setTimeout(idle, PROMPT_MS);
  }

  async function loadLast() {
    try {
      const res = await K.api("GET", "/api/counters/" + encodeURIComponent(windowName) + "/last-done");
      const t = res.ticket;
      const age = t ? Date.parse(res.now) - Date.parse(t.finished_at) : Infinity;
      if (t && t.rating === null && age < PROMPT_MS) ask(t);
      else if (!rating.isShowing()) idle();
    } catch (e) {
      K.toast(K.errorText(e));
      if (e.code === "unauthorized") K.showLogin(start);
    }
  }

  function onEvent(type, data) {
    if (data.counter !== windowName) return;
    if (type === "done") ask({ id: data.id, number: data.number });
    else if (type === "rating" && rating.isShowing() && rating.ticket.number === data.number) rating.thanks();
  }

  async function pickWindow() {
    $("rate-pick").hidden = false;
    $("rate-pick-text").textContent = K.t("rate_no_window");
    try {
      const queue = await K.api("GET", "/api/queue");
      const box = $("rate-windows");
      box.replaceChildren.apply(box, queue.counters.map(function (c) {
        const link = K.el("a", { cls: "btn window-choice", text: c.name });
        link.href = "?window=" + encodeURIComponent(c.name);
        return link;
      }));
    } catch (e) {
      K.toast(K.errorText(e));
    }
  }

  let listening = false;
  function start() {
    $("rate-main").hidden = false;
    $("rate-idle-text").textContent = K.t("rate_idle", { window: windowName });
    $("rate-idle-hint").textContent = K.t("rate_idle_hint");
    document.title = windowName + " · " + document.title;
    loadLast();
    if (!listening) {
      listening = true;
      K.listen(onEvent, function (up, missed) { if (up && missed) loadLast(); });
    }
  }

  async function boot() {
    rating = new K.Rating($("rating"), idle, { thanksMs: 6000 });
    if (!windowName) return pickWindow();
    let user = null;
    try {
      user = await K.whoami();
    } catch (e) {
      K.toast(K.errorText(e));
    }
    if (user) start();
    else K.showLogin(start);
  }

  boot();
})();
