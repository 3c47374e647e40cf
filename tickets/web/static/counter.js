/* The counter page (/counter/): sign in, pick the window, call and move tickets, see the queue
 * live, answer 呼叫工作人员, and ask the resident for a rating after 办结.
 *
 * What it shows always comes from GET /api/queue (reloaded on every event); the buttons only
 * send actions. One action at a time: a second click while one is under way is ignored, so a
 * double press never calls two numbers.
 */
"use strict";
(function () {
  const K = window.KioskPages;
  const $ = function (id) { return document.getElementById(id); };
  const WINDOW_KEY = "kiosk.counter.window";
  const S = { user: null, window: null, queue: null, busy: false, help: new Map(), events: null, rating: null };

  function counter() {
    if (!S.queue || !S.window) return null;
    return S.queue.counters.find(function (c) { return c.name === S.window; }) || null;
  }
  function cur() { const c = counter(); return c ? c.current : null; }
  function paused() { const c = counter(); return !!(c && c.paused); }
  function serviceName(code) {
    const svc = S.queue && S.queue.services.find(function (s) { return s.code === code; });
    return svc ? svc.name : code;
  }

  const ACTIONS = {
    call: { keys: ["F1", "n"], run: callNext, enabled: function () { return !paused(); } },
    recall: { keys: ["r"], run: function () { return counterAction("recall"); },
              enabled: function () { return !!cur() && cur().state === "called"; } },
    start: { keys: ["s"], run: function () { return ticketAction("start"); },
             enabled: function () { return !!cur() && cur().state === "called"; } },
    done: { keys: ["d"], run: finish, enabled: function () { return !!cur(); } },
    noshow: { keys: ["x"], run: function () { return ticketAction("no-show"); },
              enabled: function () { return !!cur() && cur().state === "called"; } },
    transfer: { keys: ["t"], run: openTransfer, enabled: function () { return !!cur(); } },
    pause: { keys: ["p"], run: function () { return counterAction(paused() ? "resume" : "pause"); },
             enabled: function () { return true; } },
  };

  // ---- actions -----------------------------------------------------------------------------

  function counterPath(action) {
    return "/api/counters/" + encodeURIComponent(S.window) + "/" + action;
  }

  async function counterAction(action) {
    await K.api("POST", counterPath(action));
    await loadQueue();
  }

  async function ticketAction(action, body) {
    const t = cur();
    await K.api("POST", "/api/tickets/" + encodeURIComponent(t.id) + "/" + action, body);
    await loadQueue();
  }

  async function callNext() {
    const res = await K.api("POST", counterPath("call-next"));
    S.rating.hide();
    if (!res.ticket) K.toast(K.t("nobody_waiting"), "info");
    await loadQueue();
  }

  async function finish() {
    const t = cur();
    await ticketAction("done");
    S.rating.show({ id: t.id, number: t.number });
    render();
  }

  async function run(name) {
    const action = ACTIONS[name];
    if (S.busy || !action || !action.enabled() || !$("transfer").hidden && name !== "transfer") return;
    S.busy = true;
    renderActions();
    try {
      await action.run();
    } catch (e) {
      failed(e);
    } finally {
      S.busy = false;
      renderActions();
    }
  }

  function failed(e) {
    K.toast(K.errorText(e));
    if (e.code === "unauthorized") {
      signedOut();
    } else if (e.code === "bad_state" || e.code === "not_found" || e.code === "counter_paused") {
      loadQueue();
    }
  }

  function openTransfer() {
    const t = cur();
    const box = $("transfer-options");
    const choices = S.queue.services.filter(function (s) { return s.code !== t.service; });
    box.replaceChildren.apply(box, choices.map(function (svc, i) {
      return K.el("button", { cls: "btn transfer-choice", type: "button", data: { service: svc.code },
        on: { click: function () { transferTo(svc.code); } } },
        [K.el("span", { text: svc.name }), K.el("kbd", { text: String(i + 1) })]);
    }));
    $("transfer").hidden = false;
  }

  async function transferTo(code) {
    $("transfer").hidden = true;
    if (S.busy || !cur()) return;
    S.busy = true;
    try {
      await ticketAction("transfer", { service: code });
    } catch (e) {
      failed(e);
    } finally {
      S.busy = false;
      renderActions();
    }
  }

  // ---- loading -----------------------------------------------------------------------------

  async function loadQueue() {
    try {
      S.queue = await K.api("GET", "/api/queue");
    } catch (e) {
      failed(e);
      return;
    }
    render();
  }
  const reloadSoon = K.debounce(loadQueue, 80);

  async function loadHelp() {
    try {
      const res = await K.api("GET", "/api/help");
      S.help.clear();
      res.calls.forEach(function (call) { S.help.set(call.id, call); });
      renderHelp();
    } catch (e) {
      failed(e);
    }
  }

  function onEvent(type, data) {
    if (type === "help") {
      S.help.set(data.id, data);
      renderHelp();
      K.chime();
      return;
    }
    if (type === "help_taken") {
      S.help.delete(data.id);
      renderHelp();
      return;
    }
    if (type === "rating" && S.rating.isShowing() && data.number === S.rating.ticket.number &&
        data.counter === S.window) {
      S.rating.thanks();
    }
    if (type === "reset") loadHelp();
    reloadSoon();
  }

  // ---- drawing -----------------------------------------------------------------------------

  function render() {
    if (!S.queue) return;
    if (!$("pick").hidden) renderPick();
    if ($("desk").hidden) return;
    renderTicket();
    renderActions();
    renderWaiting();
    $("desk-paused").hidden = !paused();
    $("desk-paused").textContent = K.t("paused");
    $("sound").hidden = K.audioReady();
    $("sound").textContent = K.t("sound_off");
  }

  function renderTicket() {
    const t = cur();
    const rating = S.rating.isShowing();
    $("ticket").hidden = rating && !t;
    if (rating && t) S.rating.hide();
    $("t-number").textContent = t ? t.number : "—";
    $("t-service").textContent = t ? serviceName(t.service) : K.t("no_current");
    $("t-state").hidden = !t;
    $("t-state").textContent = t ? K.t("state." + t.state) : "";
    $("t-state").className = "tag " + (t ? t.state : "");
    $("t-priority").hidden = !(t && t.priority);
    $("t-priority").textContent = K.t("priority");
    $("t-name").textContent = t ? (t.name_masked || K.t("no_card")) : "";
    $("t-age").textContent = t && t.age_band ? K.t("age_band", { band: t.age_band }) : "";
    $("t-recalls").textContent = t && t.recalls ? K.t("recalls", { n: t.recalls }) : "";
  }

  function renderActions() {
    document.querySelectorAll("[data-action]").forEach(function (button) {
      const action = ACTIONS[button.dataset.action];
      button.disabled = S.busy || !S.queue || !action.enabled();
    });
    $("pause-label").textContent = K.t(paused() ? "resume" : "pause");
  }

  function renderWaiting() {
    const rows = S.queue.services.map(function (svc) {
      const mine = svc.windows.indexOf(S.window) >= 0;
      let wait = "";
      if (!svc.open) wait = K.t("service_closed_short");
      else if (svc.wait_minutes === null) wait = K.t("wait_unknown");
      else if (svc.waiting) wait = K.t("wait_minutes", { n: svc.wait_minutes });
      return K.el("tr", { cls: mine ? "mine" : "", data: { service: svc.code } }, [
        K.el("th", { text: svc.name }),
        K.el("td", { cls: "count", text: K.t("waiting_people", { n: svc.waiting }) }),
        K.el("td", { cls: "wait", text: wait }),
      ]);
    });
    const body = $("waiting").tBodies[0];
    body.replaceChildren.apply(body, rows);
  }

  function renderHelp() {
    const list = $("help-list");
    const banners = Array.from(S.help.values()).map(function (call) {
      const screen = K.words["screen." + call.screen] || call.screen;
      return K.el("div", { cls: "help-banner", data: { helpId: call.id } }, [
        K.el("strong", { text: K.t("help_call", { terminal: call.terminal }) }),
        K.el("span", { text: K.t("help_screen", { screen: screen }) }),
        K.el("span", { text: K.t("help_at", { time: K.hhmm(call.at) }) }),
        K.el("button", { cls: "btn take", type: "button", text: K.t("take_help"),
          on: { click: function () { takeHelp(call.id); } } }),
      ]);
    });
    list.replaceChildren.apply(list, banners);
  }

  async function takeHelp(id) {
    try {
      await K.api("POST", "/api/help/" + encodeURIComponent(id) + "/take");
    } catch (e) {
      K.toast(K.errorText(e), e.code === "already_taken" ? "info" : "error");
      if (e.code === "unauthorized") return signedOut();
    }
    S.help.delete(id);
    renderHelp();
  }

  /* The windows this user may call at (`kiosk tickets user add --window`): all when unrestricted. */
  function myCounters() {
    return S.queue.counters.filter(function (c) { return !K.windows || K.windows.indexOf(c.name) >= 0; });
  }

  function renderPick() {
    const box = $("windows");
    box.replaceChildren.apply(box, myCounters().map(function (c) {
      const names = S.queue.services.filter(function (s) { return s.windows.indexOf(c.name) >= 0; })
        .map(function (s) { return s.name; });
      return K.el("button", { cls: "btn window-choice", type: "button", data: { window: c.name },
        on: { click: function () { openDesk(c.name); } } },
        [K.el("strong", { text: c.name }), K.el("span", { text: K.t("handles", { services: names.join("、") }) })]);
    }));
  }

  // ---- screens -----------------------------------------------------------------------------

  function showPick() {
    $("desk").hidden = true;
    $("pick").hidden = false;
    render();
  }

  function openDesk(name) {
    S.window = name;
    localStorage.setItem(WINDOW_KEY, name);
    $("desk-window").textContent = name;
    $("pick").hidden = true;
    $("desk").hidden = false;
    document.title = name + " · " + document.title.split(" · ").pop();
    render();
  }

  async function signedIn(user) {
    S.user = user;
    $("desk-user").textContent = K.t("signed_in_as", { user: user });
    await loadQueue();
    if (!S.queue) return;
    const wanted = new URLSearchParams(location.search).get("window") || localStorage.getItem(WINDOW_KEY);
    if (wanted && myCounters().some(function (c) { return c.name === wanted; })) openDesk(wanted);
    else showPick();
    loadHelp();
    if (!S.events) {
      S.events = K.listen(onEvent, function (up, missed) {
        if (up && missed) { loadQueue(); loadHelp(); }
      });
    }
  }

  function signedOut() {
    if (S.events) S.events.close();
    S.events = null;
    S.user = null;
    K.csrf = null;
    S.help.clear();
    renderHelp();
    $("desk").hidden = true;
    $("pick").hidden = true;
    K.showLogin(signedIn);
  }

  function bind() {
    S.rating = new K.Rating($("rating"), function () { render(); }, { closable: true });
    document.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () { run(button.dataset.action); });
    });
    $("transfer-cancel").addEventListener("click", function () { $("transfer").hidden = true; });
    $("change-window").addEventListener("click", showPick);
    $("sound").addEventListener("click", function () { K.unlockAudio(); setTimeout(render, 100); });
    $("logout").addEventListener("click", async function () {
      try { await K.api("POST", "/api/logout"); } catch (e) { /* signed out here either way */ }
      signedOut();
    });
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, function () {
        if (!K.audioReady()) { K.unlockAudio(); setTimeout(render, 100); }
      });
    });
    document.addEventListener("keydown", onKey);
  }

  function onKey(ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || $("desk").hidden) return;
    const tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (!$("transfer").hidden) {
      if (ev.key === "Escape") $("transfer").hidden = true;
      const choice = /^[1-9]$/.test(ev.key) && $("transfer-options").children[Number(ev.key) - 1];
      if (choice) choice.click();
      return;
    }
    const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
    const name = Object.keys(ACTIONS).find(function (n) { return ACTIONS[n].keys.indexOf(key) >= 0; });
    if (!name) return;
    ev.preventDefault();
    if (!ev.repeat) run(name);
  }

  async function boot() {
    bind();
    let user = null;
    try {
      user = await K.whoami();
    } catch (e) {
      K.toast(K.errorText(e));
    }
    if (user) signedIn(user);
    else K.showLogin(signedIn);
  }

  boot();
})();
