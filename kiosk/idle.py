"""The idle timer: when nobody has touched the screen for `idle_timeout_s`, the resident has gone.

The app pokes the timer on every touch (at the Window, before any widget) and asks `due()` once
a second from its Clock tick. `due()` answers True once per idle period, so the attract loop and
the session reset happen once, not every second while the lobby is empty.

The clock is injected (default `time.monotonic`): tests advance a fake clock instead of waiting
90 s, and a wall-clock jump (NTP at boot, a Pi without RTC) never fires or delays the timeout.
"""
from __future__ import annotations

import time
from collections.abc import Callable


class IdleTimer:
    """Seconds since the last touch on a monotonic clock; fires once per idle period."""

    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic):
        self.timeout_s = float(timeout_s)
        self._clock = clock
        self.last_input = clock()
        self._fired = False

    def poke(self) -> None:
        """Someone touched the screen: start counting again."""
        self.last_input = self._clock()
        self._fired = False

    def idle_for(self) -> float:
        return self._clock() - self.last_input

    def due(self) -> bool:
        """True exactly once when `timeout_s` has passed without a poke (0 = never)."""
        if self._fired or self.timeout_s <= 0 or self.idle_for() < self.timeout_s:
            return False
        self._fired = True
        return True
