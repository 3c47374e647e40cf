"""Lockdown of a public terminal: keys and close requests that do nothing, the hidden maintenance
gesture, and the PIN that guards the maintenance screen.

No Kivy at import: the app binds the Window's events and calls these plain objects, so the rules
are easy to read and to test. Time comes from an injected monotonic clock (tests advance a fake one).

The PIN hash is argon2: checking it takes 0.1-0.5 s (more on a Pi), so it runs in a worker thread
while the pad says 请稍候, and the result comes back to the UI thread through Kivy's Clock.

The corner gesture (five taps in the top-left corner within 3 s) only *observes* touches: the
taps still reach the widgets beneath, because the 返回 button sits in that very corner and a
resident's tap must never go missing. Only the fifth tap is consumed (it opens the PIN pad), so
staff doing the gesture on a list screen first go back a few screens -- harmless.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from kiosk import background
from kiosk.i18n import _

log = logging.getLogger(__name__)

ESCAPE_KEY = 27
F1_KEY = 282   # Kivy's settings panel
F4_KEY = 285   # Alt+F4: a window manager's "close"


def is_blocked_key(key: int, modifiers) -> bool:
    """Keys a public terminal swallows: Escape (Kivy closes the window on it), Alt+F4, F1."""
    if key in (ESCAPE_KEY, F1_KEY):
        return True
    return key == F4_KEY and "alt" in (modifiers or ())


class CornerTaps:
    """Counts taps in the top-left `zone_px` square; `observe` is True on the completing tap.

    Taps closer than `min_gap_s` are one finger seen twice (SDL mouse emulation plus mtdev on
    the Pi, PITFALLS.md) and count once.
    """

    def __init__(self, taps: int = 5, within_s: float = 3.0, zone_px: float = 120,
                 min_gap_s: float = 0.08, clock: Callable[[], float] = time.monotonic):
        self.taps, self.within_s, self.zone_px, self.min_gap_s = taps, within_s, zone_px, min_gap_s
        self._clock = clock
        self._times: deque[float] = deque(maxlen=taps)

    def in_zone(self, x: float, y: float, window_height: float) -> bool:
        # Kivy's y grows upwards: the top edge is y == window_height
        return x <= self.zone_px and y >= window_height - self.zone_px

    def observe(self, x: float, y: float, window_height: float) -> bool:
        if not self.in_zone(x, y, window_height):
            self._times.clear()  # a tap elsewhere breaks the sequence
            return False
        now = self._clock()
        if self._times and now - self._times[-1] < self.min_gap_s:
            return False
        self._times.append(now)
        if len(self._times) == self.taps and now - self._times[0] <= self.within_s:
            self._times.clear()
            return True
        return False


class PinGuard:
    """Checks the maintenance PIN; five wrong PINs lock the pad for a minute.

    `check` answers "ok", "wrong", "locked" or "unset" (no PIN configured: the maintenance
    screen cannot be opened at all).
    """

    MAX_TRIES = 5
    LOCK_S = 60.0

    def __init__(self, maintenance, clock: Callable[[], float] = time.monotonic):
        self._maintenance = maintenance  # kiosk.config.Maintenance (argon2 hash)
        self._clock = clock
        self.failures = 0
        self._locked_until = 0.0

    @property
    def configured(self) -> bool:
        return bool(self._maintenance.pin_hash)

    def locked_for(self) -> float:
        """Seconds until the pad accepts PINs again (0 when it does)."""
        return max(0.0, self._locked_until - self._clock())

    @property
    def tries_left(self) -> int:
        return self.MAX_TRIES - self.failures

    def precheck(self) -> str | None:
        """"unset" or "locked" when no PIN can be accepted now, else None (go on and verify)."""
        if not self.configured:
            return "unset"
        if self.locked_for() > 0:
            return "locked"
        return None

    def verify(self, pin: str) -> bool:
        """The slow part (argon2), with no state: safe to run in a worker thread."""
        try:
            return self._maintenance.check_pin(pin)
        except Exception:  # noqa: BLE001 -- a broken hash or library must not open the screen
            log.exception("maintenance PIN check failed")
            return False

    def record(self, ok: bool) -> str:
        """Count a verified PIN: "ok", "wrong", or "locked" after MAX_TRIES wrong ones."""
        if ok:
            self.failures = 0
            log.info("maintenance PIN accepted")
            return "ok"
        self.failures += 1
        log.warning("wrong maintenance PIN (%d of %d)", self.failures, self.MAX_TRIES)
        if self.failures >= self.MAX_TRIES:
            self.failures = 0
            self._locked_until = self._clock() + self.LOCK_S
            log.warning("maintenance PIN pad locked for %.0f s", self.LOCK_S)
            return "locked"
        return "wrong"

    def check(self, pin: str) -> str:
        """precheck, verify and record in one call (blocks for the argon2 check)."""
        return self.precheck() or self.record(self.verify(pin))


def restart_process() -> None:
    """The default restart: never an exec. Under systemd the app exits with
    kiosk.watchdog.RESTART_EXIT_CODE and kiosk.service starts a fresh process; outside it
    the app says so and keeps running (kiosk.watchdog.request_restart)."""
    from kivy.app import App

    from kiosk.watchdog import request_restart

    request_restart(App.get_running_app())


class LockdownMixin:
    """The KioskApp's side of the lockdown: refused closes and keys, the PIN pad, restart.

    Expects `self.pin_guard`, `self._pin_pad`, `self._maintenance_unlocked`, `self._restart`,
    `open_screen` and `show_toast` (kiosk.app.KioskApp).
    """

    def _refuse_close(self, *_args, **_kwargs) -> bool:
        # Escape, Alt-F4 and the window's close button must not end a public terminal; the
        # process stops through SIGTERM (systemd), see kiosk.app_run.run_app.
        log.info("close request refused (kiosk lockdown)")
        return True

    def _on_keyboard(self, _window, key, _scancode=None, _codepoint=None, modifiers=None,
                     *_args) -> bool:
        return is_blocked_key(key, modifiers)  # swallowed before Kivy's own handler sees it

    _pin_check = 0  # numbers PIN checks; closing the pad makes a running one stale

    def maintenance_gesture(self) -> None:
        """The hidden gesture was done: ask for the PIN (or say there is none)."""
        if not self.pin_guard.configured:
            self.show_toast(_("No maintenance PIN is set"))
            return
        from screens.maintenance import PinPad

        if self._pin_pad is None:
            self._pin_pad = PinPad(on_submit=self.submit_pin)
            self._pin_pad.bind(on_dismiss=self._forget_pin_check)
        self._pin_pad.open_pad()

    def submit_pin(self, pin: str, on_result: Callable[[str], None]) -> None:
        """Check a PIN from the pad without freezing the screen; "ok" opens maintenance.

        The argon2 check runs in a worker thread; `on_result(result)` ("ok", "wrong",
        "locked", "unset") is called on the UI thread -- at once when no check is needed.
        A result that arrives after the pad was closed (取消, idle) still counts towards the
        lock-out but opens nothing.
        """
        early = self.pin_guard.precheck()
        if early is not None:
            on_result(early)
            return
        self._pin_check += 1
        check = self._pin_check
        background.call(lambda: self.pin_guard.verify(pin),
                        lambda ok: self._pin_checked(check, bool(ok), on_result),
                        lambda exc: self._pin_checked(check, False, on_result), name="pin-check")

    def _pin_checked(self, check: int, ok: bool, on_result: Callable[[str], None]) -> None:
        result = self.pin_guard.record(ok)
        if check != self._pin_check:
            log.info("PIN check finished after the pad was closed: ignored")
            return
        if result == "ok":
            self._close_pin_pad()
            self.unlock_maintenance()
            self.open_screen("maintenance")
        on_result(result)

    def _forget_pin_check(self, *_args) -> None:
        self._pin_check += 1

    def unlock_maintenance(self) -> None:
        """Let the next `open_screen("maintenance")` through (after the PIN; screenshots).

        Leaving the maintenance screen locks it again.
        """
        self._maintenance_unlocked = True

    def _close_pin_pad(self) -> None:
        if self._pin_pad is not None:
            self._pin_pad.dismiss(animation=False)

    def restart(self) -> None:
        log.warning("restart requested from the maintenance screen")
        self._restart()
