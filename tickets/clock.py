"""Is the system clock to be believed? The queue starts a new day only when it is.

A Raspberry Pi has no real-time clock: it boots with the time it last saved (fake-hwclock) and
jumps forward when NTP answers. Restarting the numbering on a stale date and again after the
jump would hand out A001 twice in one morning, so with `clock = "ntp"` a new day waits for a
synchronised clock (and the day never goes backwards). Two sources, either is enough:
systemd-timesyncd's flag file, and the kernel's own state (`adjtimex`: TIME_ERROR = unsynchronised,
which chrony and ntpd clear).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import time
from pathlib import Path

from content.schemas import CST

TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
_TIME_ERROR = 5


def kernel_synchronised() -> bool | None:
    """True/False from adjtimex(2), None when it cannot be asked."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        buf = ctypes.create_string_buffer(512)  # struct timex is ~208 bytes; modes = 0 reads only
        state = libc.adjtimex(buf)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != _TIME_ERROR


def clock_synchronised() -> bool:
    if TIMESYNCD_FLAG.exists():
        return True
    return bool(kernel_synchronised())


class SystemClock:
    """Wall time in China Standard Time and whether it is synchronised (re-checked each minute)."""

    def __init__(self):
        self._synced_checked = -1e9
        self._synced = False

    def now(self) -> dt.datetime:
        return dt.datetime.now(CST)

    def synchronised(self) -> bool:
        mono = time.monotonic()
        if mono - self._synced_checked > 60:
            self._synced, self._synced_checked = clock_synchronised(), mono
        return self._synced


class FixedClock:
    """A clock a test (or the demo) moves by hand."""

    def __init__(self, now: dt.datetime, synchronised: bool = True):
        self.current = now.astimezone(CST)
        self.synced = synchronised

    def now(self) -> dt.datetime:
        return self.current

    def synchronised(self) -> bool:
        return self.synced

    def advance(self, **delta) -> None:
        self.current += dt.timedelta(**delta)
