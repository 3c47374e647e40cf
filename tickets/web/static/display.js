/* The calling board (/display/) for a TV in the lobby: every window's current number, the last
 * calls, the waiting per service and a clock. Public: no sign-in, public events only.
 *
 * A `call` event flashes its window and the callout line and, where the browser has an offline
 * Chinese voice, is spoken (speechSynthesis; voices that need the network are never used).
 * Add ?speak=0 to the address to keep it silent.
 */
"use strict";
(function () {
  const K = window.KioskPages;
  const $ = function (id) { return document.getElementById(id); };
  const FLASH_MS = 8000;
  const S = { queue: null, skewMs: 0, offsetMin: 480, flashing: new Map(), voice: null };

  async function load() {
    try {
      S.queue = await K.api("GET", "/api/queue");
    } catch (e) {
      return;  // the connection banner says so; the next event or the timer tries again
    }
    const now = S.queue.now;
    S.skewMs = Date.parse(now) - Date.now();
    const m = /([+-])(\d\d):(\d\d)$/.exec(now);
    S.offsetMin = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    render();
  }
  const reloadSoon = K.debounce(load, 80);

  function render() {
    renderWindows();
    renderRecent();
    renderWaiting();
    if (!$("callout-text").textContent && S.queue.recent_calls.length) {
      const last = S.queue.recent_calls[0];
      callout(last.number, last.counter, false, false);
    }
  }

  function renderWindows() {
    const box = $("board-windows");
    box.dataset.count = String(S.queue.counters.length);
    box.replaceChildren.apply(box, S.queue.counters.map(function (c) {
      const number = c.current ? c.current.number : "";
      const card = K.el("div", { cls: "win", data: { window: c.name } }, [
        K.el("div", { cls: "win-name", text: c.name }),
        K.el("div", { cls: "win-number", text: number }),
        K.el("div", { cls: "win-note", text: c.paused ? K.t("window_paused") : "" }),
      ]);
      if (c.paused) card.classList.add("paused");
      if (S.flashing.has(c.name)) card.classList.add("flash");
      return card;
    }));
  }

  function renderRecent() {
    const list = $("recent");
    list.replaceChildren.apply(list, S.queue.recent_calls.slice(0, 6).map(function (call) {
      return K.el("li", {}, [
        K.el("span", { cls: "recent-number", text: call.number }),
        K.el("span", { cls: "recent-window", text: call.counter }),
        K.el("span", { cls: "recent-time", text: K.hhmm(call.at) }),
      ]);
    }));
  }

  function renderWaiting() {
    const body = $("waiting").tBodies[0];
    body.replaceChildren.apply(body, S.queue.services.map(function (svc) {
      let wait = "";
      if (!svc.open) wait = K.t("service_closed_short");
      else if (svc.waiting && svc.wait_minutes !== null) wait = K.t("wait_minutes", { n: svc.wait_minutes });
      return K.el("tr", { data: { service: svc.code } }, [
        K.el("th", { text: svc.name }),
        K.el("td", { cls: "count", text: K.t("waiting_people", { n: svc.waiting }) }),
        K.el("td", { cls: "wait", text: wait }),
      ]);
    }));
  }

  function callout(number, counter, recall, fresh) {
    $("callout-text").textContent = K.t("call_text", { number: number, counter: counter });
    $("callout-tag").hidden = !recall;
    $("callout-tag").textContent = K.t("recall_tag");
    if (!fresh) return;
    const box = $("callout");
    box.classList.remove("flash");
    void box.offsetWidth;  // restart the animation
    box.classList.add("flash");
  }

  function onCall(data) {
    clearTimeout(S.flashing.get(data.counter));
    S.flashing.set(data.counter, setTimeout(function () {
      S.flashing.delete(data.counter);
      const card = document.querySelector('.win[data-window="' + CSS.escape(data.counter) + '"]');
      if (card) card.classList.remove("flash");
    }, FLASH_MS));
    callout(data.number, data.counter, !!data.recall, true);
    document.body.dataset.lastCall = data.number + "@" + data.counter;
    speak(data.number, data.counter);
  }

  function onEvent(type, data) {
    if (type === "call") onCall(data);
    reloadSoon();
  }

  // ---- speech ------------------------------------------------------------------------------

  function pickVoice() {
    if (!("speechSynthesis" in window)) return;
    const voices = window.speechSynthesis.getVoices().filter(function (v) {
      return v.localService && /^zh([-_]CN|[-_]Hans)?/i.test(v.lang) && !/^zh[-_](TW|HK)/i.test(v.lang);
    });
    S.voice = voices[0] || null;
  }

  function speak(number, counter) {
    if (!S.voice || new URLSearchParams(location.search).get("speak") === "0") return;
    const digits = K.t("speech_digits");
    const spoken = number.replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); });
    const utterance = new SpeechSynthesisUtterance(K.t("speech_call", { number: spoken, counter: counter }));
    utterance.voice = S.voice;
    utterance.lang = S.voice.lang;
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  }

  // ---- clock -------------------------------------------------------------------------------

  function tick() {
    const d = new Date(Date.now() + S.skewMs + S.offsetMin * 60000);  // read with getUTC*: the centre's time
    const pad = function (n) { return String(n).padStart(2, "0"); };
    $("clock-time").textContent = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    const weekdays = K.t("weekdays").split(" ");
    $("clock-date").textContent = K.t("date", { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1,
      day: d.getUTCDate(), weekday: weekdays[d.getUTCDay()] });
  }

  function boot() {
    pickVoice();
    if ("speechSynthesis" in window) window.speechSynthesis.addEventListener("voiceschanged", pickVoice);
    tick();
    setInterval(tick, 1000);
    setInterval(load, 60000);  // estimates age with time, not only with events
    load();
    K.listen(onEvent, function (up, missed) { if (up && missed) load(); });
  }

  boot();
})();
