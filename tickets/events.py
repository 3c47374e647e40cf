"""Server-sent events for displays and counter pages (`GET /api/events`).

Every change is a row in the `events` table (written in the same transaction as the change), so
the stream is the same whichever process wrote it: each process has one `Broadcaster` that reads
new rows and hands them to its open streams. It wakes at once when its own process wrote (the
queue's listener) and otherwise looks every POLL_S for rows another worker process wrote.
A client that reconnects sends `Last-Event-ID` and gets what it missed; when it missed more than
REPLAY_MAX events it gets one `reset` event and reloads `/api/queue` instead.
"""
from __future__ import annotations

import asyncio
import json
import logging

from sqlalchemy import func, select

from tickets import db

log = logging.getLogger(__name__)

POLL_S = 0.1
KEEPALIVE_S = 15.0
REPLAY_MAX = 500
E = db.events


def fetch_since(engine, last_id: int, limit: int = REPLAY_MAX + 1) -> list:
    with engine.connect() as conn:
        return conn.execute(select(E).where(E.c.id > last_id).order_by(E.c.id).limit(limit)).all()


def last_id(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.max(E.c.id))).scalar() or 0


def format_event(row) -> bytes:
    return f"id: {row.id}\nevent: {row.type}\ndata: {row.data}\n\n".encode()


class Broadcaster:
    def __init__(self, engine):
        self.engine = engine
        self.subscribers: set[asyncio.Queue] = set()
        self.last = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.last = await asyncio.to_thread(last_id, self.engine)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def poke(self) -> None:
        """Called from any thread after a commit in this process."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            if not self.subscribers:
                continue
            try:
                rows = await asyncio.to_thread(fetch_since, self.engine, self.last, 1000)
            except Exception:  # the database being busy or gone must not end the stream task
                log.exception("reading new queue events failed; retrying")
                await asyncio.sleep(1)
                continue
            for row in rows:
                self.last = row.id
                for q in list(self.subscribers):
                    q.put_nowait(row)

    async def stream(self, last_event_id: int | None, staff: bool, disconnected):
        """The SSE byte stream for one client; ends when `disconnected()` says so."""
        q: asyncio.Queue = asyncio.Queue()
        self.subscribers.add(q)
        try:
            yield b"retry: 2000\n\n"
            sent = last_event_id if last_event_id is not None else self.last
            if last_event_id is not None:
                missed = await asyncio.to_thread(fetch_since, self.engine, last_event_id)
                if len(missed) > REPLAY_MAX:
                    sent = missed[-1].id
                    yield f"id: {sent}\nevent: reset\ndata: {{}}\n\n".encode()
                else:
                    for row in missed:
                        sent = row.id
                        if staff or row.audience == "public":
                            yield format_event(row)
            while True:
                try:
                    row = await asyncio.wait_for(q.get(), KEEPALIVE_S)
                except asyncio.TimeoutError:
                    if await disconnected():
                        return
                    yield b": keep-alive\n\n"
                    continue
                if row.id <= sent:
                    continue
                sent = row.id
                if staff or row.audience == "public":
                    yield format_event(row)
        finally:
            self.subscribers.discard(q)


def event_json(row) -> dict:
    return {"id": row.id, "type": row.type, "at": row.at, "data": json.loads(row.data)}
