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

import asyncio
import datetime as dt
import logging
import math
import queue as queue_mod
import threading
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from tickets import db
from tickets.queue import iso
from tickets.rules import age_band

log = logging.getLogger(__name__)

T = db.tickets
MAX_BATCH = 128

# The per-ticket statements go to the driver's cursor as plain SQL: SQLAlchemy's execute() cost
# (cache key, parameter processing, result wrapping) was several times SQLite's own work, in the
# one thread every ticket of the process waits for. sqlite3 keeps them prepared (statement cache).
_SQL_KEY = "SELECT issued_service FROM tickets WHERE idempotency_key = ?"
_SQL_NEXT = "UPDATE sequences SET last = last + 1 WHERE day = ? AND service = ? AND last < ? RETURNING last"
_SQL_FIRST = "INSERT OR IGNORE INTO sequences (day, service, last) VALUES (?, ?, 1)"
_SQL_WAITING = ("SELECT count(*) FROM tickets WHERE day = ? AND service = ? AND state = 'waiting' "
                "AND priority >= ?")
_COLUMNS = ("id", "day", "issued_service", "seq", "number", "service", "state", "priority", "age_band",
            "name_masked", "kiosk", "idempotency_key", "queued_at", "issued_at", "recalls", "printed")
_SQL_INSERT = f"INSERT INTO tickets ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_BY_KEY = select(T).where(T.c.idempotency_key == bindparam("key"))  # a replay: the whole stored row


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
        self.now_iso = iso(now)
        self.cur = conn.connection.driver_connection.cursor()  # the same sqlite3 connection and transaction
        self.waiting: dict[tuple[str, int], int] = {}
        self.per_ahead: dict[str, float | None] = {}

    def waiting_count(self, code: str, priority: int) -> int:
        if (code, priority) not in self.waiting:
            self.waiting[(code, priority)] = self.cur.execute(_SQL_WAITING, (self.day, code, priority)).fetchone()[0]
        return self.waiting[(code, priority)]

    def minutes_per_ahead(self, svc) -> float | None:
        if svc.code not in self.per_ahead:
            from tickets.estimate import mean_service_minutes, open_windows

            windows = open_windows(self.conn, svc)
            self.per_ahead[svc.code] = (mean_service_minutes(self.conn, self.queue, svc, self.day) / windows
                                        if windows else None)
        return self.per_ahead[svc.code]


def _next_seq(cur, day: str, code: str, limit: int) -> int | None:
    """The next number of `code` today, or None when the daily limit is reached."""
    row = cur.execute(_SQL_NEXT, (day, code, limit)).fetchone()
    if row is not None:
        return row[0]
    if cur.execute(_SQL_FIRST, (day, code)).rowcount == 1:
        return 1
    return None


def _issue_one(b: _Batch, req: IssueRequest) -> tuple[dict, bool]:
    """(the ticket, whether it is new) -- an idempotent replay returns the stored ticket."""
    from tickets.queue import QueueError, hours_closed, new_id

    q, conn = b.queue, b.conn
    svc = q.services.get(req.service)
    if svc is None:  # removed by a content reload since the request was checked
        raise QueueError("unknown_service", f"no ticket service with code {req.service[:20]!r}", 422, "service")
    seen = b.cur.execute(_SQL_KEY, (req.idempotency_key,)).fetchone()
    if seen is not None:
        if seen[0] != svc.code:
            raise QueueError("idempotency_conflict", "this idempotency_key was used for another service", 409,
                             "idempotency_key")
        return q._ticket_json(conn, conn.execute(_BY_KEY, {"key": req.idempotency_key}).first()), False
    if closed := hours_closed(svc, b.now):
        raise QueueError("service_closed", f"service {svc.code} is closed (hours)", 409, **closed)
    seq = _next_seq(b.cur, b.day, svc.code, svc.daily_limit)
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
        "idempotency_key": req.idempotency_key, "queued_at": b.now_iso, "issued_at": b.now_iso, "recalls": 0,
        "printed": 0,
    }
    b.cur.execute(_SQL_INSERT, tuple(row[c] for c in _COLUMNS))
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
        batch.cur.close()  # no statement of ours may still be open at COMMIT
        if issued:
            queue._event(conn, "issued", {"tickets": issued})
    for t in issued:
        log.info("ticket %s issued (%s%s)", t["number"], t["service"], ", priority" if t["priority"] else "")
    if issued:
        queue._notify()
    return results


class IssueWriter:
    """One thread that writes queued issue requests in batches; `await issue(request)` from the
    event loop answers with the ticket (or raises its QueueError) once its batch is committed.

    The answers of a batch go back to the event loop in one `call_soon_threadsafe` (one wake-up
    of the loop per batch, not one per ticket)."""

    def __init__(self, queue):
        self.queue = queue
        self._pending: queue_mod.SimpleQueue = queue_mod.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="issue-writer", daemon=True)
        self._thread.start()

    async def issue(self, request: IssueRequest) -> dict:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._pending.put((request, loop, fut))
        return await fut

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
                results = issue_many(self.queue, [r for r, _, _ in batch])
            except Exception as exc:  # the database failed: every request of the batch gets the error
                log.exception("writing %d ticket(s) failed", len(batch))
                results = [exc] * len(batch)
            answers: dict = {}
            for (_, loop, fut), result in zip(batch, results):
                answers.setdefault(loop, []).append((fut, result))
            for loop, pairs in answers.items():
                try:
                    loop.call_soon_threadsafe(_answer, pairs)
                except RuntimeError:  # that loop has closed (shutdown): nobody waits any more
                    pass


def _answer(pairs: list) -> None:
    """On the event loop: hand each waiting request its ticket or its error."""
    for fut, result in pairs:
        if fut.done():  # the request was cancelled (the client went away); the ticket stands
            continue
        if isinstance(result, BaseException):
            fut.set_exception(result)
        else:
            fut.set_result(result)
