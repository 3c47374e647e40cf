"""Enrolment from the maintenance screen (sites without ssh): sync.enroll.enroll on a worker
thread, its outcome handed back on the UI thread as one sentence in the terminal's language.

The screen never does I/O itself: it calls `app.enrolment.start(hub, code, done)` (an `Enrolment`
the app makes) and shows the text `done(ok, text)` receives. The English reason goes to the log. Replacing an identity pinned to
another hub key is not offered here (`kiosk enroll --force` over ssh, deliberately).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk import background
from kiosk.i18n import N_, _

log = logging.getLogger(__name__)

KIND_TEXT = {
    "bad_url": N_("The hub address is not valid. It starts with http:// or https://"),
    "invalid": N_("Please enter the hub address and the enrolment code."),
    "damaged": N_("This terminal's enrolment file is damaged. Enrol it again with kiosk enroll --force."),
    "bad_code": N_("The enrolment code is wrong, used or expired. Please ask for a new code."),
    "locked": N_("Too many wrong codes. Please try again in an hour."),
    "unreachable": N_("Cannot reach the hub. Check the network and the hub address."),
    "hub_error": N_("The hub cannot enrol terminals right now. Please try again later."),
    "refused": N_("The hub refused the enrolment. See the log for the reason."),
    "bad_answer": N_("The hub's answer is not valid. Nothing was saved. Check the hub address."),
    "key_changed": N_("This hub's key differs from the one this terminal trusts. Nothing was saved."),
    "write_failed": N_("The enrolment could not be saved on this terminal. See the log."),
}
FAILED = N_("Enrolment failed. See the log for the reason.")
DONE = N_("Enrolled as {terminal} with {hub}")


def outcome_text(exc: BaseException | None, terminal: str = "", hub: str = "") -> str:
    if exc is None:
        return _(DONE).format(terminal=terminal, hub=hub)
    return _(KIND_TEXT.get(getattr(exc, "kind", ""), FAILED))


class Enrolment:
    """What the maintenance screen may ask about enrolment (`app.enrolment`): screens never
    import sync (import-linter), so the app hands them this."""

    def __init__(self, settings):
        self.settings = settings

    def incomplete(self, hub: str, code: str) -> str | None:
        """The sentence to show when a field is empty, else None."""
        return _(KIND_TEXT["invalid"]) if not hub.strip() or not code.strip() else None

    def start(self, hub: str, code: str, done: Callable[[bool, str], None], name: str | None = None):
        """Enrol on a thread; `done(ok, text)` runs on the UI thread. The thread."""
        from sync.enroll import enroll

        data_dir = self.settings.data_dir

        def work():
            return enroll(data_dir, hub, code, name)

        def ok(me) -> None:
            log.info("enrolled as %s with %s from the maintenance screen", me.terminal_id, me.hub_url)
            done(True, outcome_text(None, me.terminal_id, me.hub_url))

        def failed(exc: BaseException) -> None:
            log.warning("enrolment from the maintenance screen failed: %s", exc)
            done(False, outcome_text(exc))

        return background.call(work, ok, failed, name="enrol")

    def _identity(self):
        from sync import identity

        try:
            return identity.load_or_none(self.settings.data_dir), True
        except (identity.IdentityError, OSError):
            return None, False

    def status(self) -> str:
        """The maintenance screen's row: who this terminal is to the hub (reads identity.json)."""
        me, readable = self._identity()
        if not readable:
            return _(KIND_TEXT["damaged"])
        return f"{me.terminal_id} · {me.hub_url}" if me else _("Not enrolled")

    def hub_hint(self) -> str:
        """The hub address to start from: the enrolled one, else the config's."""
        me, _readable = self._identity()
        return me.hub_url if me else self.settings.hub_url
