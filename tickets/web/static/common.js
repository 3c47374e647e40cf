/* Shared by the counter, rating and display pages: words, the API, server-sent events, sound.
 *
 * Every text that came from the API is put on screen with textContent (never innerHTML), and
 * every word of our own comes from the catalog block <script id="words"> the server rendered.
 */
"use strict";
(function () {
  const words = JSON.parse(document.getElementById("words").textContent);
  const K = { csrf: null, words: words };

  /* The word `key` with `{name}` placeholders filled from `params`. */
  K.t = function (key, params) {
    const text = typeof words[key] === "string" ? words[key] : words["error.unknown"];
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && params[name] !== undefined && params[name] !== null ? String(params[name]) : whole;
    });
  };

  class ApiError extends Error {
    constructor(status, body) {
      super(body && body.error ? body.error : "unknown");
      this.status = status;
      this.body = body || {};
      this.code = typeof this.body.error === "string" ? this.body.error : "unknown";
      this.field = this.body.field;
    }
  }
  K.ApiError = ApiError;

  /* One JSON request; state-changing ones carry the CSRF token. Throws ApiError. */
  K.api = async function (method, path, body) {
    const headers = { Accept: "application/json" };
    const init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (K.csrf) headers["X-CSRF-Token"] = K.csrf;
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { error: "network" });
    }
    let data = null;
    try {
      data = await resp.json();
    } catch (e) {
      data = null;
    }
    if (!resp.ok) {
      const fallback = resp.status >= 500 || resp.status === 0 ? "network" : "unknown";
      throw new ApiError(resp.status, data && typeof data.error === "string" ? data : { error: fallback });
    }
    return data;
  };

  /* The Chinese message for an ApiError (or anything thrown). */
  K.errorText = function (err) {
    const code = err && err.code ? err.code : "unknown";
    const fieldKey = "error." + code + "." + (err && err.field);
    if (typeof words[fieldKey] === "string") return K.t(fieldKey, err.body);
    if (typeof words["error." + code] !== "string") {
      console.warn("no words for error", code, err);
      return K.t("error.unknown");
    }
    return K.t("error." + code, err.body);
  };

  /* A new element: opts.cls, opts.text (textContent), opts.data ({key: value} -> data-*), opts.on. */
  K.el = function (tag, opts, children) {
    const node = document.createElement(tag);
    opts = opts || {};
    if (opts.cls) node.className = opts.cls;
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.type) node.type = opts.type;
    if (opts.data) Object.keys(opts.data).forEach(function (k) { node.dataset[k] = String(opts.data[k]); });
    if (opts.on) Object.keys(opts.on).forEach(function (k) { node.addEventListener(k, opts.on[k]); });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  };

  K.debounce = function (fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  };

  /* "HH:MM" of an ISO time as the server wrote it (the centre's local time). */
  K.hhmm = function (iso) {
    return typeof iso === "string" && iso.length >= 16 ? iso.slice(11, 16) : "";
  };

  let toastTimer = null;
  K.toast = function (text, kind) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.className = "toast " + (kind || "error");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
  };

  // ---- signing in ------------------------------------------------------------------------

  /* The signed-in user (and K.csrf), or null when nobody is. */
  K.whoami = async function () {
    try {
      const me = await K.api("GET", "/api/me");
      K.csrf = me.csrf;
      K.windows = me.windows;  // null: every window
      return me.user;
    } catch (e) {
      if (e.status === 401 || e.status === 403) return null;
      throw e;
    }
  };

  /* Shows the sign-in form; calls onSignedIn(user) once the API accepted it. */
  K.showLogin = function (onSignedIn) {
    const section = document.getElementById("login");
    const form = document.getElementById("login-form");
    const error = document.getElementById("login-error");
    section.hidden = false;
    error.textContent = "";
    form.onsubmit = async function (ev) {
      ev.preventDefault();
      error.textContent = "";
      K.unlockAudio();
      try {
        const data = await K.api("POST", "/api/login", {
          user: form.elements.user.value.trim(), password: form.elements.password.value });
        K.csrf = data.csrf;
        K.windows = data.windows;
        form.elements.password.value = "";
        section.hidden = true;
        onSignedIn(data.user);
      } catch (e) {
        error.textContent = K.errorText(e);
      }
    };
    form.elements.user.focus();
  };

  // ---- server-sent events ----------------------------------------------------------------

  const EVENT_TYPES = ["issued", "call", "done", "no_show", "transfer", "cancelled", "counter", "rating",
                       "help", "help_taken", "reset"];

  /* Follows GET /api/events. The browser reconnects by itself with Last-Event-ID and gets what
   * it missed; only when the stream is closed for good (an error answer) is a new one opened
   * here, after which onLive(true, true) tells the page to reload what it shows. */
  K.listen = function (onEvent, onLive) {
    const conn = document.getElementById("conn");
    let source = null;
    let missed = false;
    function live(up) {
      document.body.dataset.live = up ? "1" : "0";
      if (conn) conn.hidden = up;
    }
    function open() {
      source = new EventSource("/api/events");
      source.addEventListener("open", function () {
        live(true);
        if (onLive) onLive(true, missed);
        missed = false;
      });
      source.addEventListener("error", function () {
        live(false);
        missed = true;
        if (onLive) onLive(false, true);
        if (source.readyState === EventSource.CLOSED) setTimeout(open, 5000);
      });
      EVENT_TYPES.forEach(function (type) {
        source.addEventListener(type, function (ev) {
          let data = {};
          try { data = JSON.parse(ev.data); } catch (e) { data = {}; }
          onEvent(type, data);
        });
      });
    }
    open();
    return { close: function () { if (source) source.close(); } };
  };

  // ---- sound -----------------------------------------------------------------------------

  let audio = null;
  /* Browsers start audio only after a click or key press on the page: call this from one. */
  K.unlockAudio = function () {
    try {
      if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
    } catch (e) {
      audio = null;
    }
  };
  K.audioReady = function () { return !!audio && audio.state === "running"; };

  /* A short two-tone chime made here (no sound files). Counts itself in body[data-chimes]. */
  K.chime = function () {
    K.unlockAudio();
    if (!audio) return false;
    const t0 = audio.currentTime + 0.02;
    [[880, 0], [660, 0.3]].forEach(function (tone) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const at = t0 + tone[1];
      osc.type = "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.55);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.6);
    });
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
    return true;
  };

  window.KioskPages = K;
})();
