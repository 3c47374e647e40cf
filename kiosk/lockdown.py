"""Lockdown of a public terminal: keys and close requests that do nothing, the hidden maintenance
gesture, and the PIN that guards the maintenance screen.

No Kivy here: the app binds the Window's events and calls these plain objects, so the rules are
easy to read and to test. Time comes from an injected monotonic clock (tests advance a fake one).

The corner gesture (five taps in the top-left corner within 3 s) only *observes* touches: the
taps still reach the widgets beneath, because the 返回 button sits in that very corner and a
resident's tap must never go missing. Only the fifth tap is consumed (it opens the PIN pad), so
staff doing the gesture on a list screen first go back a few screens -- harmless.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable

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

    def check(self, pin: str) -> str:
        if not self.configured:
            return "unset"
        if self.locked_for() > 0:
            return "locked"
        if self._maintenance.check_pin(pin):
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


def restart_process() -> None:
    """Replace this process with a fresh run of the same command line (never returns)."""
    argv = [sys.executable, *sys.orig_argv[1:]]
    log.warning("restarting: %s", " ".join(argv))
    for handler in logging.getLogger().handlers:
        handler.flush()
    os.execv(sys.executable, argv)


class LockdownMixin:
    """The KioskApp's side of the lockdown: refused closes and keys, the PIN pad, restart.

    Expects `self.pin_guard`, `self._pin_pad`, `self._maintenance_unlocked`, `self._restart`,
    `open_screen` and `show_toast` (kiosk.app.KioskApp).
    """

    def _refuse_close(self, *_args, **_kwargs) -> bool:
        # Escape, Alt-F4 and the window's close button must not end a public terminal; the
        # process stops through SIGTERM (systemd), see run_app.
        log.info("close request refused (kiosk lockdown)")
        return True

    def _on_keyboard(self, _window, key, _scancode=None, _codepoint=None, modifiers=None,
                     *_args) -> bool:
        return is_blocked_key(key, modifiers)  # swallowed before Kivy's own handler sees it

    def maintenance_gesture(self) -> None:
        """The hidden gesture was done: ask for the PIN (or say there is none)."""
        if not self.pin_guard.configured:
            self.show_toast(_("No maintenance PIN is set"))
            return
        from screens.maintenance import PinPad

        if self._pin_pad is None:
            self._pin_pad = PinPad(on_submit=self.submit_pin)
        self._pin_pad.open_pad()

    def submit_pin(self, pin: str) -> str:
        """Check a PIN from the pad; "ok" opens the maintenance screen."""
        result = self.pin_guard.check(pin)
        if result == "ok":
            self._close_pin_pad()
            self.unlock_maintenance()
            self.open_screen("maintenance")
        return result

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
