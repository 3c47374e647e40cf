"""Issuing numbers, many requests to one durable commit (group commit).

A ticket is acknowledged only after the transaction that wrote it is fsynced (WAL,
`synchronous=FULL`). One fsync per ticket would bound a lobby's rush to the disk's fsync rate, so
concurrent requests are gathered by one writer thread per process (`IssueWriter`) and written in
one `BEGIN IMMEDIATE` transaction: each still gets its own contiguous number, and all are
answered together once the commit returned. Several processes on one file still exclude each
other through SQLite's write lock. A refused request (closed, limit, a reused key for another
service) fails alone; the others of its batch are unaffected because refusals happen before
anything of theirs is written.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import math
import queue as queue_mod
import threading
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from tickets import db
from tickets.rules import age_band

log = logging.getLogger(__name__)

T = db.tickets
S = db.sequences
MAX_BATCH = 128

# built once: constructing SQLAlchemy statements per ticket cost more than executing them
_BY_KEY = select(T).where(T.c.idempotency_key == bindparam("key"))
_NEXT = (update(S).where(S.c.day == bindparam("d"), S.c.service == bindparam("s"), S.c.last < bindparam("lim"))
         .values(last=S.c.last + 1).returning(S.c.last))
_FIRST = insert(S).prefix_with("OR IGNORE").values(day=bindparam("d"), service=bindparam("s"), last=1)
_WAITING = select(func.count()).select_from(T).where(
    T.c.day == bindparam("d"), T.c.service == bindparam("s"), T.c.state == "waiting", T.c.priority >= bindparam("p"))
_INSERT = insert(T)


@dataclass(frozen=True)
class IssueRequest:
    service: str
    idempotency_key: str
    card: object | None = None   # tickets.queue.CardSummary
    kiosk: str | None = None


class _Batch:
    """Per-transaction memo: the day, and per service its waiting counts and estimate."""

    def __init__(self, queue, conn: Connection, now: dt.datetime):
        self.queue, self.conn, self.now = queue, conn, now
        self.day = queue._day(conn, now)
        self.waiting: dict[tuple[str, int], int] = {}
        self.per_ahead: dict[str, float | None] = {}

    def waiting_count(self, code: str, priority: int) -> int:
        if (code, priority) not in self.waiting:
            self.waiting[(code, priority)] = self.conn.execute(
                _WAITING, {"d": self.day, "s": code, "p": priority}).scalar_one()
        return self.waiting[(code, priority)]

    def minutes_per_ahead(self, svc) -> float | None:
        if svc.code not in self.per_ahead:
            from tickets.estimate import mean_service_minutes, open_windows

            windows = open_windows(self.conn, svc)
            self.per_ahead[svc.code] = (mean_service_minutes(self.conn, self.queue, svc, self.day) / windows
                                        if windows else None)
        return self.per_ahead[svc.code]


def _next_seq(conn: Connection, day: str, code: str, limit: int) -> int | None:
    """The next number of `code` today, or None when the daily limit is reached."""
    seq = conn.execute(_NEXT, {"d": day, "s": code, "lim": limit}).scalar()
    if seq is not None:
        return seq
    if conn.execute(_FIRST, {"d": day, "s": code}).rowcount == 1:
        return 1
    return None


def _issue_one(b: _Batch, req: IssueRequest) -> tuple[dict, bool]:
    """(the ticket, whether it is new) -- an idempotent replay returns the stored ticket."""
    from tickets.queue import QueueError, hours_closed, iso, new_id

    q, conn = b.queue, b.conn
    svc = q.services[req.service]
    old = conn.execute(_BY_KEY, {"key": req.idempotency_key}).first()
    if old is not None:
        if old.issued_service != svc.code:
            raise QueueError("idempotency_conflict", "this idempotency_key was used for another service", 409,
                             "idempotency_key")
        return q._ticket_json(conn, old), False
    if closed := hours_closed(svc, b.now):
        raise QueueError("service_closed", f"service {svc.code} is closed (hours)", 409, **closed)
    seq = _next_seq(conn, b.day, svc.code, svc.daily_limit)
    if seq is None:
        raise QueueError("service_closed", f"service {svc.code} is closed (limit)", 409, reason="limit",
                         limit=svc.daily_limit)
    age = getattr(req.card, "age", None)
    priority = int(age is not None and age >= q.rules.priority_age)
    ahead = b.waiting_count(svc.code, priority)
    row = {
        "id": new_id(), "day": b.day, "issued_service": svc.code, "seq": seq, "number": f"{svc.code}{seq:03d}",
        "service": svc.code, "state": "waiting", "priority": priority,
        "age_band": age_band(age) if age is not None else None,
        "name_masked": getattr(req.card, "name_masked", None), "kiosk": req.kiosk,
        "idempotency_key": req.idempotency_key, "queued_at": iso(b.now), "issued_at": iso(b.now), "recalls": 0,
        "printed": False,
    }
    conn.execute(_INSERT, row)
    for key in [k for k in b.waiting if k[0] == svc.code and k[1] <= priority]:
        b.waiting[key] += 1
    per = b.minutes_per_ahead(svc)
    return {
        "id": row["id"], "number": row["number"], "service": svc.code, "service_name": svc.name, "state": "waiting",
        "ahead": ahead, "issued_at": row["issued_at"], "priority": bool(priority), "counter": None, "day": b.day,
        "printed": False, "transferred_to": None, "wait_minutes": None if per is None else math.ceil(ahead * per),
    }, True


def issue_many(queue, requests: list[IssueRequest]) -> list:
    """Issue every request in one transaction; each result is a ticket dict or a QueueError."""
    from tickets.queue import QueueError

    results: list = []
    issued = []
    with queue.engine.begin() as conn:
        batch = _Batch(queue, conn, queue.clock.now())
        for req in requests:
            try:
                ticket, new = _issue_one(batch, req)
            except QueueError as exc:
                results.append(exc)
                continue
            results.append(ticket)
            if new:
                issued.append({"number": ticket["number"], "service": ticket["service"], "priority": ticket["priority"]})
        if issued:
            queue._event(conn, "issued", {"tickets": issued})
    for t in issued:
        log.info("ticket %s issued (%s%s)", t["number"], t["service"], ", priority" if t["priority"] else "")
    if issued:
        queue._notify()
    return results


class IssueWriter:
    """One thread that writes queued issue requests in batches; `submit` returns a Future."""

    def __init__(self, queue):
        self.queue = queue
        self._pending: queue_mod.SimpleQueue = queue_mod.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="issue-writer", daemon=True)
        self._thread.start()

    def submit(self, request: IssueRequest) -> concurrent.futures.Future:
        fut: concurrent.futures.Future = concurrent.futures.Future()
        self._pending.put((request, fut))
        return fut

    def close(self) -> None:
        self._pending.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            first = self._pending.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._pending.get_nowait()
                except queue_mod.Empty:
                    break
                if item is None:
                    self._pending.put(None)
                    break
                batch.append(item)
            try:
                results = issue_many(self.queue, [r for r, _ in batch])
            except Exception as exc:  # the database failed: every request of the batch gets the error
                log.exception("writing %d ticket(s) failed", len(batch))
                results = [exc] * len(batch)
            for (_, fut), result in zip(batch, results):
                if isinstance(result, BaseException):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)
