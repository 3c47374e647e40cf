"""The terminal's clock against the hub's: every answer from `kiosk-hub serve` (uvicorn) carries an
HTTP `Date` header. Expiry, publish times and the queue's day use the terminal's own clock (so they
work offline); a clock that is far off is therefore reported -- in the next heartbeat's last_error
(the fleet view shows it), and by `kiosk doctor` -- but never corrected here (NTP's job)."""
from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

SKEW_LIMIT_S = 300  # 5 minutes: far beyond the Date header's 1 s resolution and any network delay


def skew_seconds(date_header: str | None, now: dt.datetime) -> float | None:
    """The terminal's clock minus the hub's (positive: the terminal is ahead); None without a
    usable Date header."""
    if not date_header:
        return None
    try:
        hub = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if hub.tzinfo is None:
        return None
    return ((now if now.tzinfo else now.astimezone()) - hub).total_seconds()


def problem(skew: float | None) -> str | None:
    """A maintainer's sentence when the clock is off by more than SKEW_LIMIT_S; None otherwise."""
    if skew is None or abs(skew) <= SKEW_LIMIT_S:
        return None
    minutes = abs(skew) / 60
    amount = f"{minutes / 60:.1f} hours" if minutes >= 90 else f"{minutes:.0f} minutes"
    way = "ahead of" if skew > 0 else "behind"
    return (f"the terminal's clock is {amount} {way} the hub's: publish and expiry times and the queue's "
            "day follow the terminal's clock -- check time sync (timedatectl; NTP reachable?)")
