/* 好差评: the five-level rating prompt, shown on the counter page after 办结 and on the rating
 * screen facing residents (/counter/rate). Levels 5..1; the two lowest need a reason, which the
 * API checks (POST /api/tickets/{id}/rating {level, reason}).
 */
"use strict";
(function () {
  const K = window.KioskPages;

  class Rating {
    /* root: an empty element to build in; onFinished(ticketId): called once rated or closed. */
    constructor(root, onFinished, options) {
      this.root = root;
      this.onFinished = onFinished;
      this.options = options || {};
      this.ticket = null;
      this.level = null;
      this.build();
    }

    build() {
      const self = this;
      this.title = K.el("h2", { cls: "rating-title" });
      this.levels = K.el("div", { cls: "rating-levels" });
      [5, 4, 3, 2, 1].forEach(function (level) {
        self.levels.appendChild(K.el("button", {
          cls: "btn rating-level level-" + level, type: "button", text: K.t("rating." + level),
          data: { level: level }, on: { click: function () { self.choose(level); } } }));
      });
      this.reasonBox = K.el("div", { cls: "rating-reason" });
      this.reasonBox.hidden = true;
      this.reason = K.el("textarea", { cls: "rating-text" });
      this.reason.maxLength = 500;
      this.reason.rows = 2;
      this.reason.placeholder = K.t("rate_reason");
      const chips = K.el("div", { cls: "rating-chips" });
      (K.words.rating_reasons || []).forEach(function (text) {
        chips.appendChild(K.el("button", { cls: "btn chip", type: "button", text: text,
          on: { click: function () { self.reason.value = text; } } }));
      });
      this.submit = K.el("button", { cls: "btn primary rating-submit", type: "button", text: K.t("rate_submit"),
        on: { click: function () { self.send(self.level, self.reason.value); } } });
      this.reasonBox.append(chips, this.reason, this.submit);
      this.message = K.el("p", { cls: "rating-message" });
      this.message.setAttribute("role", "alert");
      const parts = [this.title, this.levels, this.reasonBox, this.message];
      if (this.options.closable) {
        parts.push(K.el("button", { cls: "btn small rating-close", type: "button", text: K.t("rate_close"),
          on: { click: function () { self.finish(); } } }));
      }
      this.root.replaceChildren.apply(this.root, parts);
    }

    /* Ask about `ticket` ({id, number}). */
    show(ticket) {
      this.ticket = ticket;
      this.level = null;
      this.reason.value = "";
      this.reasonBox.hidden = true;
      this.message.textContent = "";
      this.message.className = "rating-message";
      this.levels.hidden = false;
      this.title.textContent = K.t("rate_title", { number: ticket.number });
      this.levels.querySelectorAll("button").forEach(function (b) { b.classList.remove("chosen"); });
      this.root.hidden = false;
    }

    hide() {
      this.root.hidden = true;
      this.ticket = null;
      clearTimeout(this.timer);
    }

    isShowing(ticketId) {
      return !this.root.hidden && this.ticket !== null && (ticketId === undefined || this.ticket.id === ticketId);
    }

    choose(level) {
      this.level = level;
      this.levels.querySelectorAll("button").forEach(function (b) {
        b.classList.toggle("chosen", Number(b.dataset.level) === level);
      });
      if (level >= 3) {
        this.send(level, "");
      } else {
        this.reasonBox.hidden = false;
        this.message.textContent = "";
        this.reason.focus();
      }
    }

    async send(level, reason) {
      if (!this.ticket || level === null) return;
      const ticket = this.ticket;
      try {
        await K.api("POST", "/api/tickets/" + encodeURIComponent(ticket.id) + "/rating",
                    { level: level, reason: reason });
        this.thanks();
      } catch (e) {
        if (e.code === "already_rated") {
          this.thanks();
          return;
        }
        this.message.className = "rating-message error";
        this.message.textContent = K.errorText(e);
      }
    }

    /* Rated (here or elsewhere): thank the resident, then close. */
    thanks() {
      const self = this;
      this.levels.hidden = true;
      this.reasonBox.hidden = true;
      this.message.className = "rating-message thanks";
      this.message.textContent = K.t("rate_thanks");
      clearTimeout(this.timer);
      this.timer = setTimeout(function () { self.finish(); }, this.options.thanksMs || 4000);
    }

    finish() {
      const id = this.ticket && this.ticket.id;
      this.hide();
      if (this.onFinished) this.onFinished(id);
    }
  }

  K.Rating = Rating;
})();
