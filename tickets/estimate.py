"""Estimated wait and the queue's public picture (`GET /api/queue`).

Estimated wait = people ahead x recent mean service time / open windows (DESIGN.md). The mean
is taken over the service's last 20 finished tickets of the day (called -> done); before there
are any it is the configured `service_minutes`. A window counts as open when it is not paused;
a service none of whose windows has been opened yet counts all its windows (staff arrive).
"""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from tickets import db
from tickets.rules import Service

T = db.tickets
RECENT = 20


# built once: every issued batch asks for the estimate, and building a statement cost more than
# running it (docs/benchmarks.md, issue 12)
_RECENT_DONE = select(T.c.called_at, T.c.serving_at, T.c.finished_at).where(
    T.c.day == bindparam("day"), T.c.service == bindparam("service"), T.c.state == "done",
    T.c.called_at.is_not(None), T.c.finished_at.is_not(None)).order_by(T.c.finished_at.desc()).limit(RECENT)
_PAUSED = select(db.counters.c.name).where(db.counters.c.name.in_(bindparam("windows", expanding=True)),
                                           db.counters.c.paused.is_(True))


def mean_service_minutes(conn: Connection, queue, svc: Service, day: str) -> float:
    rows = conn.execute(_RECENT_DONE, {"day": day, "service": svc.code}).all()
    spans = []
    for called, serving, finished in rows:
        start = dt.datetime.fromisoformat(serving or called)
        spans.append((dt.datetime.fromisoformat(finished) - start).total_seconds() / 60)
    spans = [s for s in spans if 0 <= s < 240]
    return sum(spans) / len(spans) if spans else float(queue.rules.service_minutes)


def open_windows(conn: Connection, svc: Service) -> int:
    paused = set(conn.execute(_PAUSED, {"windows": list(svc.windows)}).scalars())
    return len(svc.windows) - len(paused)


def estimated_minutes(conn: Connection, queue, svc: Service, day: str, ahead: int) -> int | None:
    """Whole minutes (rounded up), or None when every window of the service is paused."""
    windows = open_windows(conn, svc)
    if windows == 0:
        return None
    return math.ceil(ahead * mean_service_minutes(conn, queue, svc, day) / windows)


def snapshot(queue, staff: bool = False) -> dict:
    """Every service with its waiting count, estimate and open/closed state; every window's call."""
    now = queue.clock.now()
    in_use = list(queue.services.values())  # one set throughout, should a content reload swap it meanwhile
    with queue.engine.begin() as conn:
        day = queue._day(conn, now)
        waiting = dict(conn.execute(select(T.c.service, func.count()).where(
            T.c.day == day, T.c.state == "waiting").group_by(T.c.service)).all())
        services = []
        for svc in in_use:
            n = waiting.get(svc.code, 0)
            closed = queue.closed_reason(conn, svc, day, now)
            services.append({
                "code": svc.code, "name": svc.name, "windows": list(svc.windows), "hours": list(svc.hours_text),
                "waiting": n, "wait_minutes": estimated_minutes(conn, queue, svc, day, n),
                "open": closed is None, "closed": closed,
            })
        counters = []
        paused = dict(conn.execute(select(db.counters.c.name, db.counters.c.paused)).all())
        for name in dict.fromkeys(w for svc in in_use for w in svc.windows):
            cur = queue.current(conn, name)
            entry = {"name": name, "paused": bool(paused.get(name, False)),
                     "current": None if cur is None else {"number": cur.number, "service": cur.service,
                                                          "state": cur.state, "id": cur.id}}
            if staff and cur is not None:
                entry["current"].update(name_masked=cur.name_masked, age_band=cur.age_band,
                                        priority=bool(cur.priority), recalls=cur.recalls)
            counters.append(entry)
        recent = conn.execute(select(T.c.number, T.c.counter, T.c.called_at).where(
            T.c.day == day, T.c.called_at.is_not(None)).order_by(T.c.called_at.desc()).limit(8)).all()
        last_event = conn.execute(select(func.max(db.events.c.id))).scalar() or 0
    return {"day": day, "now": now.isoformat(timespec="seconds"), "services": services, "counters": counters,
            "recent_calls": [{"number": n, "counter": c, "at": a} for n, c, a in recent], "last_event_id": last_event}
