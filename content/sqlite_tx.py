"""`BEGIN IMMEDIATE` for SQLite files shared by several processes (the queue service, the hub).

SQLite's own busy handler sleeps 1, 2, 5, 10 ... then 100 ms between tries: against another
worker that takes the lock again every few milliseconds it kept missing the free moments and
stalled its requests for up to a second (docs/benchmarks.md, issue 12). Here the lock is tried
again every `step_s` or so until `timeout_ms` has passed; every other statement keeps SQLite's
busy_timeout. Taking the write lock at BEGIN (not at the first write) also means a read-then-write
transaction never fails with SQLITE_BUSY_SNAPSHOT halfway.
"""
from __future__ import annotations

import random
import sqlite3
import time

BUSY_STEP_S = 0.001


def begin_immediate(dbapi_conn: sqlite3.Connection, timeout_ms: int, step_s: float = BUSY_STEP_S) -> None:
    deadline = None
    dbapi_conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # or an extended BUSY code
                    raise
                now = time.monotonic()
                deadline = deadline or now + timeout_ms / 1000
                if now >= deadline:
                    raise
                time.sleep(step_s * random.uniform(0.5, 1.5))
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
