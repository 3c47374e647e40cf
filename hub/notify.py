"""Each hub process follows `hub_events` (hub.events) to keep its wire caches right and to wake
the long-polls it holds: one watcher task per process, started and stopped by the app's lifespan.

* On SQLite (one machine) it reads the new rows every POLL_SQLITE_S (0.2 s): a query on the
  primary key that finds nothing almost every time. SQLite commits one writer at a time, so rows
  appear in id order and none is skipped.
* On PostgreSQL it LISTENs on `events.CHANNEL` with its own psycopg connection (NOTIFY arrives
  at commit, within milliseconds, in every process). If that connection drops it reconnects with
  a capped, jittered backoff; meanwhile the caches are not trusted (every answer comes from the
  database) and the long-polls fall back to checking every second or so. Every POLL_PG_S it also
  reads the newest rows as a safety net: ids of concurrent transactions can commit out of order,
  so it re-reads a window of GAP_PG ids below the highest seen and skips those already applied.

An event `manifest:<centre>` drops the centre's cached manifest, reads the new one once (not once
per waiter), then wakes the centre's waiters; `terminal.revoke:<id>` forgets the terminal's token.
Applying an event twice is harmless.

Changes committed by this process reach its own caches at once, without waiting for the watcher
(`follow_local_commits`): a terminal revoked here is refused by the very next request, and the next
request after a publish here reads the new manifest. The watcher still hears them and wakes the
long-polls.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from contextlib import suppress

from sqlalchemy import delete, event
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import Insert

from hub import db, events
from hub.wire_cache import Manifest, WireCache

log = logging.getLogger(__name__)

POLL_SQLITE_S = 0.2
POLL_PG_S = 5.0
GAP_PG = 200                # ids below the highest seen that may still commit (concurrent writers)
BACKOFF_S = (0.5, 10.0)     # first and longest wait before reconnecting
APPLICATION_NAME = "kiosk-hub-watcher"  # the LISTEN connection, as pg_stat_activity shows it
KEEP_EVENTS = dt.timedelta(days=1)  # older rows of hub_events are deleted (by any process, about hourly)
PRUNE_EVERY_S = 3600.0
TRUST_S = {"sqlite": 2.0, "postgresql": 3 * POLL_PG_S}


def prune_events(engine: Engine, older_than: dt.timedelta = KEEP_EVENTS) -> int:
    """Delete the events recorded more than `older_than` ago (every process has long applied
    them); how many."""
    with engine.begin() as conn:
        return conn.execute(delete(db.hub_events).where(db.hub_events.c.at < db.utcnow() - older_than)).rowcount


PENDING, COMMITTED = "hub_events.pending", "hub_events.committed"


def follow_local_commits(engine: Engine, cache: WireCache) -> None:
    """Apply the events this process records to its caches once their transaction committed (when
    the connection goes back to the pool); a rolled-back transaction's events are dropped."""

    @event.listens_for(engine, "after_execute")
    def _recorded(conn, clause, *_args):
        if isinstance(clause, Insert) and clause.table is db.hub_events:
            params = clause.compile().params
            conn.info.setdefault(PENDING, []).append((params["kind"], params["subject"]))

    @event.listens_for(engine, "commit")
    def _commit(conn):
        if PENDING in conn.info:
            conn.info.setdefault(COMMITTED, []).extend(conn.info.pop(PENDING))

    @event.listens_for(engine, "rollback")
    def _rollback(conn):
        conn.info.pop(PENDING, None)

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_conn, record):
        for kind, subject in record.info.pop(COMMITTED, ()) if record is not None else ():
            if kind == events.TERMINAL_REVOKED:
                cache.tokens.forget_terminal(subject)
            elif kind == events.MANIFEST:
                cache.manifests.changed(subject)


class Waiters:
    """Long-polls waiting for a centre's manifest to change, in this process's event loop.
    Take `event(centre)` BEFORE reading the current version, then `wait` on it: a change that
    lands in between still wakes you."""

    def __init__(self):
        self._events: dict[str, asyncio.Event] = {}
        self.held = 0  # polls waiting now

    def event(self, centre: str) -> asyncio.Event:
        ev = self._events.get(centre)
        if ev is None:
            ev = self._events[centre] = asyncio.Event()
        return ev

    def wake(self, centre: str) -> None:
        ev = self._events.pop(centre, None)
        if ev is not None:
            ev.set()

    def wake_all(self) -> None:
        for centre in list(self._events):
            self.wake(centre)

    async def wait(self, ev: asyncio.Event, seconds: float, gone: asyncio.Future | None = None) -> bool | None:
        """True when woken, False when `seconds` passed, None when `gone` (the client left) is done."""
        self.held += 1
        waiting = asyncio.ensure_future(ev.wait())
        try:
            done, _ = await asyncio.wait({waiting, gone} if gone else {waiting}, timeout=seconds,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.held -= 1
            waiting.cancel()
        if waiting in done:
            return True
        return None if gone is not None and gone in done else False


class Watcher:
    def __init__(self, engine: Engine, cache: WireCache, waiters: Waiters):
        self.engine, self.cache, self.waiters = engine, cache, waiters
        self.dialect = "postgresql" if engine.dialect.name == "postgresql" else "sqlite"
        self._task: asyncio.Task | None = None
        self._floor = 0             # every event at or below this id is applied or too old to matter
        self._seen: set[int] = set()  # applied ids above the floor
        self._following = asyncio.Event()  # set at the first confirmation
        self._prune_at = time.monotonic() + random.uniform(60, PRUNE_EVERY_S)  # workers spread out

    # ---- lifecycle ----

    async def start(self, ready_within: float = 3.0) -> None:
        """Start following; return once it follows, or after `ready_within` seconds (the app
        serves meanwhile, from the database)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="hub-event-watcher")
        with suppress(TimeoutError):
            await asyncio.wait_for(self._following.wait(), ready_within)

    async def stop(self) -> None:
        self.cache.distrust()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = BACKOFF_S[0]
        while True:
            try:
                if not self._floor:
                    self._floor = await asyncio.to_thread(self._latest_id)
                if self.dialect == "postgresql":
                    await self._listen()
                else:
                    await self._poll_forever()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database or the LISTEN connection failed: try again later
                self.cache.distrust()
                self.waiters.wake_all()  # they fall back to reading the database themselves
                log.warning("hub event watcher: %s; retrying in %.1f s", str(exc).splitlines()[0] if str(exc)
                            else type(exc).__name__, backoff)
                await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
                backoff = min(backoff * 2, BACKOFF_S[1])
            else:
                backoff = BACKOFF_S[0]

    def _confirm(self) -> None:
        self._following.set()
        if self.cache.confirm(TRUST_S[self.dialect]):  # after a gap: changes may have been missed
            self.cache.clear()
            self.waiters.wake_all()

    # ---- SQLite: read new rows often ----

    async def _poll_forever(self) -> None:
        while True:
            await self._poll()
            self._confirm()
            await asyncio.sleep(POLL_SQLITE_S)

    # ---- PostgreSQL: LISTEN, with a slow poll as a safety net ----

    async def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=10,
                                                     application_name=APPLICATION_NAME, keepalives=1,
                                                     keepalives_idle=10, keepalives_interval=5,
                                                     keepalives_count=3)
        async with conn:
            await conn.execute(f"LISTEN {events.CHANNEL}")
            await self._poll()  # what committed before LISTEN took hold
            self._confirm()
            while True:
                async for note in conn.notifies(timeout=POLL_PG_S):  # returns after POLL_PG_S
                    kind, _, subject = note.payload.partition(":")
                    await self._apply([(kind, subject)])
                await conn.execute("SELECT 1")  # the LISTEN connection still answers
                await self._poll()
                self._confirm()

    # ---- both ----

    def _latest_id(self) -> int:
        with db.reader(self.engine).connect() as conn:
            return events.latest_id(conn)

    def _read_since(self, floor: int) -> list[tuple[int, str, str]]:
        rows: list[tuple[int, str, str]] = []
        with db.reader(self.engine).connect() as conn:
            while True:
                batch = events.since(conn, floor)
                rows += batch
                if len(batch) < 1000:
                    return rows
                floor = batch[-1][0]

    async def _poll(self) -> None:
        if time.monotonic() >= self._prune_at:
            self._prune_at = time.monotonic() + PRUNE_EVERY_S * random.uniform(0.9, 1.1)
            await asyncio.to_thread(prune_events, self.engine)
        gap = GAP_PG if self.dialect == "postgresql" else 0
        low = self._floor
        rows = await asyncio.to_thread(self._read_since, low)
        fresh = [r for r in rows if r[0] not in self._seen]
        self._seen.update(r[0] for r in fresh)
        if rows:
            self._floor = max(low, rows[-1][0] - gap)
            self._seen = {i for i in self._seen if i > self._floor}
        if fresh:
            await self._apply([(kind, subject) for _id, kind, subject in fresh])

    async def _apply(self, changes: list[tuple[str, str]]) -> None:
        centres: list[str] = []
        for kind, subject in changes:
            if kind == events.TERMINAL_REVOKED:
                self.cache.tokens.forget_terminal(subject)
            elif kind == events.MANIFEST and subject not in centres:
                centres.append(subject)
        for centre in centres:
            self.cache.manifests.changed(centre)
        if centres:
            await asyncio.gather(*(self._refresh(c) for c in centres))

    async def _refresh(self, centre: str) -> None:
        """Read the centre's new manifest once, then wake its waiters (who answer from the cache)."""
        try:
            generation = self.cache.manifests.generation(centre)
            manifest = await asyncio.to_thread(self._load, centre)
            if self.cache.trusted():
                self.cache.manifests.put(centre, manifest, generation)
        except Exception:
            log.warning("hub event watcher: reading centre %s's manifest failed", centre, exc_info=True)
        finally:
            self.waiters.wake(centre)

    def _load(self, centre: str) -> Manifest | None:
        from hub import publish

        with db.reader(self.engine).connect() as conn:
            return Manifest.of(centre, publish.current(conn, centre))
