"""The queue's SQLite file (`tickets.sqlite`): tables and the durable engine.

The file is the only copy of today's queue (DESIGN.md, "Processes"), so it is opened in WAL mode
with `synchronous=FULL`: a transaction that returned has been fsynced, and a ticket the kiosk
was told about survives a power cut. Every read-then-write transaction starts with
`BEGIN IMMEDIATE` (PITFALLS.md, "SQLite"): the write lock is taken before the sequence number is
read, so two processes serving the same file can never hand out the same number, and a second
writer waits for the lock (`begin_immediate`, BUSY_TIMEOUT_MS at most) instead of failing.

What is never stored: the ID number and the full name. A ticket keeps only what a counter needs
(the masked name, an age band, whether it has priority).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import (
    Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, create_engine, event,
)
from sqlalchemy.engine import Engine

from content import sqlite_tx

SCHEMA_VERSION = 2  # 2: users.windows
BUSY_TIMEOUT_MS = 10_000
BUSY_STEP_S = 0.001  # between tries for another process's write lock (begin_immediate)

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String, primary_key=True), Column("value", Text, nullable=False))

# one row per business day and service: the last sequence number handed out
sequences = Table(
    "sequences", metadata,
    Column("day", String, primary_key=True),
    Column("service", String, primary_key=True),
    Column("last", Integer, nullable=False),
)

tickets = Table(
    "tickets", metadata,
    Column("id", String, primary_key=True),          # random, unguessable: the QR code carries it
    Column("day", String, nullable=False),           # business day (YYYY-MM-DD, local)
    Column("issued_service", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", String, nullable=False),        # "A012"
    Column("service", String, nullable=False),       # the queue it waits in now (differs after a transfer)
    Column("state", String, nullable=False),
    Column("priority", Integer, nullable=False, default=0),  # 1 = called first (elderly)
    Column("age_band", String),                      # "60-69", "70+" ...; never a birth date
    Column("name_masked", String),                   # "张*明"; never the full name
    Column("kiosk", String),                         # which terminal issued it
    Column("idempotency_key", String),
    Column("queued_at", String, nullable=False),     # place in the queue (kept across a transfer)
    Column("issued_at", String, nullable=False),
    Column("called_at", String),
    Column("serving_at", String),
    Column("finished_at", String),
    Column("counter", String),                       # the window that called it
    Column("recalls", Integer, nullable=False, default=0),
    Column("transferred_from", String),              # the ticket this one continues
    Column("transferred_to", String),
    Column("rating", Integer),
    Column("rating_reason", Text),
    Column("printed", Boolean, nullable=False, default=False),
    UniqueConstraint("idempotency_key", name="uq_tickets_idempotency"),
    Index("ix_tickets_queue", "day", "service", "state", "priority", "queued_at"),
    Index("ix_tickets_counter", "counter", "state"),
    # a number is handed out once per day and service: the database itself refuses a duplicate
    Index("uq_tickets_number", "day", "issued_service", "seq", unique=True, sqlite_where=Column("transferred_from").is_(None)),
)

# counters (windows): who sits there, whether they take calls
counters = Table(
    "counters", metadata,
    Column("name", String, primary_key=True),        # the window's name as content gives it ("3号窗口")
    Column("paused", Boolean, nullable=False, default=False),
    Column("user", String),
    Column("updated_at", String, nullable=False),
)

# what displays and counter pages follow (`GET /api/events`); the id is the SSE event id
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False),
    Column("type", String, nullable=False),
    Column("audience", String, nullable=False),      # "public" (displays) or "staff" (counter pages)
    Column("data", Text, nullable=False),
)

users = Table(
    "users", metadata,
    Column("name", String, primary_key=True),
    Column("password_hash", String, nullable=False),
    Column("windows", Text),                         # JSON list of the windows they may call at; NULL = every one
    Column("created_at", String, nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String, primary_key=True),  # sha256 of the cookie / bearer value
    Column("user", String, nullable=False),
    Column("csrf", String, nullable=False),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
)

help_calls = Table(
    "help_calls", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("terminal", String, nullable=False),
    Column("screen", String, nullable=False),
    Column("at", String, nullable=False),
    Column("taken_by", String),
    Column("taken_at", String),
)

login_failures = Table(
    "login_failures", metadata,
    Column("user", String, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last_at", String, nullable=False),
)


def make_engine(path: Path) -> Engine:
    """The durable engine for `path`: WAL, synchronous=FULL, busy_timeout, BEGIN IMMEDIATE."""
    engine = create_engine(f"sqlite:///{path}", pool_size=8, max_overflow=8, pool_pre_ping=False)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling would BEGIN DEFERRED; we issue BEGIN ourselves
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        begin_immediate(conn.connection.driver_connection)

    return engine


def begin_immediate(dbapi_conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write lock in short steps, BUSY_TIMEOUT_MS at
    most (content.sqlite_tx says why not SQLite's own busy handler)."""
    sqlite_tx.begin_immediate(dbapi_conn, BUSY_TIMEOUT_MS, BUSY_STEP_S)


def create_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn)
        row = conn.execute(meta.select().where(meta.c.key == "schema_version")).first()
        if row is None:
            conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(row.value) > SCHEMA_VERSION:
            raise RuntimeError(f"tickets.sqlite has schema {row.value}, newer than this program's {SCHEMA_VERSION}: "
                               "update the program, or move the file aside to start an empty queue")
        elif int(row.value) < SCHEMA_VERSION:
            _migrate(conn, int(row.value))


def _migrate(conn, version: int) -> None:
    """Bring an older file up to SCHEMA_VERSION, one step at a time, in the caller's transaction."""
    if version < 2:
        conn.exec_driver_sql("ALTER TABLE users ADD COLUMN windows TEXT")
    conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
