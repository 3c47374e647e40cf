"""A sample queue for the calling board's preview (`kiosk screenshot --screen display`).

Shaped like `GET /api/queue` (tickets.estimate.snapshot), built from the centre's own
`ticket_service` items so the preview shows its real windows; a centre without any gets two
made-up services. Numbers are invented; nothing here talks to a queue service.
"""
from __future__ import annotations

import datetime as dt

FALLBACK = (("A", "综合受理", ("1号窗口", "2号窗口")), ("B", "社保医保", ("3号窗口",)))
WAITING = (6, 4, 0, 3, 2, 5)


def sample_queue(view, now: dt.datetime) -> dict:
    services = [(s.code, s.name, tuple(s.windows)) for s in view.items("ticket_service", now)] or list(FALLBACK)
    counters, recent, seen = [], [], set()
    minute = 0
    for index, (code, _name, windows) in enumerate(services):
        for position, window in enumerate(windows):
            if window in seen:
                continue
            seen.add(window)
            paused = index == len(services) - 1 and position == len(windows) - 1 and len(counters) > 2
            number = f"{code}{12 - position * 2 - (1 if index % 2 else 0):03d}"
            counters.append({"name": window, "paused": paused,
                             "current": None if paused else {"number": number, "service": code, "state": "called"}})
            if not paused:
                at = now - dt.timedelta(minutes=minute)
                recent.append({"number": number, "counter": window, "at": at.isoformat(timespec="seconds")})
                minute += 3
    return {
        "day": now.date().isoformat(), "now": now.isoformat(timespec="seconds"),
        "services": [{"code": code, "name": name, "windows": list(windows), "waiting": WAITING[i % len(WAITING)],
                      "wait_minutes": WAITING[i % len(WAITING)] * 4 or None, "open": i != 2, "closed": None}
                     for i, (code, name, windows) in enumerate(services)],
        "counters": counters, "recent_calls": recent[:8], "last_event_id": 0,
    }


def sample_call(snapshot: dict) -> dict:
    """The newest call of `sample_queue`'s picture, as a `call` event's data."""
    first = snapshot["recent_calls"][0] if snapshot["recent_calls"] else {"number": "A012", "counter": "1号窗口"}
    return {"number": first["number"], "counter": first["counter"], "recall": False}
