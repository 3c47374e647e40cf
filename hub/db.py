"""The hub's tables (SQLAlchemy 2 Core) and its engine; the schema itself is made by Alembic
(`hub.migrate`, revisions in hub/migrations/versions/), and a test checks both agree.

One database serves every worker process: SQLite for one machine (WAL, busy_timeout, foreign keys
on), PostgreSQL when several `kiosk-hub serve` instances share it. Times are stored as UTC
(`utcnow`, read back through `as_utc`: SQLite returns them without a zone).

Secrets are never stored: passwords as argon2 hashes, API tokens and enrolment codes as their
sha256, the signing keys' private halves in files (`hub.keys`), only their public halves here.
Who did what is kept as the actor's name in `audit_log`, so the record outlives the account.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON, BigInteger, Boolean, LargeBinary, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
    UniqueConstraint, create_engine, event, text,
)
from sqlalchemy.engine import Engine

from content import sqlite_tx

BUSY_TIMEOUT_MS = 10_000
NODE_KINDS = ("district", "street", "community")  # 区 / 街道 / 社区
ROLES = ("admin", "editor", "viewer")

# explicit constraint names: Alembic and both databases then agree on them
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def _when(name: str, nullable: bool = False) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


org_nodes = Table(
    "org_nodes", metadata,
    Column("id", String(64), primary_key=True),          # stable, e.g. "demo-centre"; content targets it
    Column("parent_id", String(64), ForeignKey("org_nodes.id", ondelete="RESTRICT")),  # NULL: a root (区)
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    _when("created_at"),
    CheckConstraint("kind IN ('district', 'street', 'community')", name="kind"),
    Index(None, "parent_id"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    _when("created_at"),
)

# admin: the whole tree (no node); editor / viewer: the node and every node below it
role_grants = Table(
    "role_grants", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("node_id", String(64), ForeignKey("org_nodes.id", ondelete="CASCADE")),
    _when("created_at"),
    CheckConstraint("(role = 'admin' AND node_id IS NULL) OR (role IN ('editor', 'viewer') AND node_id IS NOT NULL)",
                    name="role_node"),
    UniqueConstraint("user_id", "role", "node_id"),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the bearer value
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _when("created_at"),
    _when("last_used_at", nullable=True),
    _when("revoked_at", nullable=True),
    _when("expires_at", nullable=True),                  # NULL: tokens made before revision 0004
    Index(None, "user_id"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _when("at"),
    Column("actor", String(100), nullable=False),        # a user name, or "cli" for a command on the server
    Column("action", String(64), nullable=False),        # "user.create", "key.rotate", ...
    Column("target", String(200), nullable=False),       # what was changed: "user:alice", "key:3"
    Column("before", JSON),
    Column("after", JSON),
    Index(None, "at"),
    Index(None, "target"),
)

# the private half lives in keys/<file> (mode 0600); exactly one row is active
signing_keys = Table(
    "signing_keys", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("public_key", String(44), nullable=False, unique=True),  # base64 of the raw 32 bytes
    Column("file", String(100), nullable=False, unique=True),
    _when("created_at"),
    Column("active", Boolean, nullable=False, default=False),
    Column("previous_id", Integer, ForeignKey("signing_keys.id", ondelete="RESTRICT")),
    Column("rotation_signature", String(88)),             # the previous key's signature of this one
    CheckConstraint("(previous_id IS NULL) = (rotation_signature IS NULL)", name="rotation"),
    # one active key, however many rotate-key commands race (the loser's insert fails)
    Index("uq_signing_keys_active", "active", unique=True, sqlite_where=text("active"),
          postgresql_where=text("active")),
)

enrolment_codes = Table(
    "enrolment_codes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),  # sha256 hex of the one-time code
    Column("centre_id", String(64), ForeignKey("org_nodes.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", String(100), nullable=False),
    _when("created_at"),
    _when("expires_at"),
    _when("used_at", nullable=True),
    Column("note", Text),
)

# failed sign-ins and enrolment attempts, shared by every worker: "login:user:NAME", "enroll:ip:ADDR"
auth_failures = Table(
    "auth_failures", metadata,
    Column("key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
    _when("first_at"),                                    # the start of the counting window
    _when("locked_until", nullable=True),
)


# ---- content (issue #13): items with a draft and published revisions, blobs, signed manifests ----

# One row per item id (ids are unique across the hub: the staff API addresses /items/{id}). `draft`
# is the document being edited (None: nothing unpublished); `revision` > 0 once published, and then
# `published_sha256` names the published document in the blob store. A deleted item keeps its row
# (and its revisions, for the record) with `deleted_at` set, and reaches no manifest.
items = Table(
    "items", metadata,
    Column("id", String(128), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("target", String(64), ForeignKey("org_nodes.id", ondelete="RESTRICT"), nullable=False),
    Column("draft", JSON),
    _when("draft_updated_at", nullable=True),
    Column("draft_by", String(100)),
    Column("revision", Integer, nullable=False, default=0),
    Column("published_sha256", String(64)),
    _when("published_at", nullable=True),
    Column("published_by", String(100)),
    _when("created_at"),
    Column("created_by", String(100), nullable=False),
    _when("deleted_at", nullable=True),
    Column("search", Text),  # the listed document's search entries with their pinyin (hub.item_search)
    CheckConstraint("kind IN ('guide', 'disclosure', 'notice', 'slide', 'centre', 'ticket_service')",
                    name="kind"),
    Index(None, "target"),
)

# Every published revision of an item, as the exact canonical bytes terminals receive.
item_revisions = Table(
    "item_revisions", metadata,
    Column("item_id", String(128), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("document", Text, nullable=False),           # UTF-8 JSON, content.schemas.dump_item
    Column("blob_refs", JSON, nullable=False),          # sha256 of every file the item shows
    Column("target", String(64), nullable=False),
    _when("published_at"),
    Column("published_by", String(100), nullable=False),
)

# Files in the content-addressed blob store (hub.blobstore): uploads, PDF page renders, and the
# published item documents. `pages`: for a PDF upload, the sha256 of each rendered page image.
blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mime", String(64), nullable=False),
    Column("pages", JSON),
    _when("created_at"),
    Column("created_by", String(100), nullable=False),
)

# The signed manifests of each centre: the newest row is what terminals get; older rows (a few
# per centre) let the hub answer a terminal that holds one of them with a delta.
manifests = Table(
    "manifests", metadata,
    Column("centre_id", String(64), ForeignKey("org_nodes.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),            # 1, 2, ... per centre; the newest is current
    Column("version", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),         # the exact bytes served and signed
    Column("signature", String(88), nullable=False),     # base64 Ed25519 over body (X-Signature)
    Column("key_id", Integer, ForeignKey("signing_keys.id", ondelete="RESTRICT"), nullable=False),
    _when("created_at"),
)

# What changed, for every worker process: each process follows this table (and, on PostgreSQL,
# LISTEN/NOTIFY) to wake its long-polls and forget revoked terminals. Old rows are pruned.
hub_events = Table(
    "hub_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _when("at"),
    Column("kind", String(32), nullable=False),          # "manifest", "terminal.revoke", ...
    Column("subject", String(128), nullable=False),      # a centre id, a terminal id
)

# ---- terminals and what they report ----

terminals = Table(
    "terminals", metadata,
    Column("id", String(40), primary_key=True),          # "t-" + random, shown in the fleet view
    Column("centre_id", String(64), ForeignKey("org_nodes.id", ondelete="RESTRICT"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("hardware", JSON),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the bearer token
    _when("enrolled_at"),
    _when("revoked_at", nullable=True),
    Column("revoked_by", String(100)),
    _when("last_seen_at", nullable=True),
    Column("state", JSON),                               # the last heartbeat, as validated
    Column("version_shown", String(64)),
    Column("app_version", String(64)),
    Column("last_error", Text),
    _when("screenshot_requested_at", nullable=True),
    Column("screenshot_sha256", String(64)),
    _when("screenshot_at", nullable=True),
    Index(None, "centre_id"),
)

# Queue and rating figures a terminal sent, once per batch id however often it is resent.
stats_batches = Table(
    "stats_batches", metadata,
    Column("terminal_id", String(40), ForeignKey("terminals.id", ondelete="CASCADE"), primary_key=True),
    Column("batch_id", String(64), primary_key=True),
    _when("received_at"),
    Column("body", JSON, nullable=False),
)

# ---- the staff web pages (issue #14) ----

# A signed-in browser: the cookie holds a random id, only its sha256 is stored; `csrf` is the
# token every form and every unsafe request of that session must carry.
staff_sessions = Table(
    "staff_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    _when("created_at"),
    _when("last_seen_at"),
    _when("expires_at"),
    Column("client", String(100)),
    Index(None, "user_id"),
)

# Every heartbeat, for a terminal's history page (the newest is also on the terminals row); pruned
# after some days.
heartbeat_log = Table(
    "heartbeat_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("terminal_id", String(40), ForeignKey("terminals.id", ondelete="CASCADE"), nullable=False),
    _when("at"),
    Column("state", JSON, nullable=False),
    Index(None, "terminal_id", "at"),
)

# 三务公开's fixed monthly disclosure day of a node (a 街道 sets it for its 社区; the nearest node
# above a centre that has one applies).
disclosure_days = Table(
    "disclosure_days", metadata,
    Column("node_id", String(64), ForeignKey("org_nodes.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Integer, nullable=False),
    _when("updated_at"),
    Column("updated_by", String(100), nullable=False),
    CheckConstraint("day BETWEEN 1 AND 28", name="day"),
)

def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time with its zone: SQLite hands back naive UTC, PostgreSQL an aware one."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


def make_engine(url: str) -> Engine:
    """The engine for `url` (from `hub.settings`): SQLite tuned for several processes, or PostgreSQL.

    On SQLite every transaction begins with BEGIN IMMEDIATE (content.sqlite_tx): writers queue for
    the lock at the start instead of failing halfway when another worker wrote first. Readers in
    WAL mode are never blocked by a writer; each transaction here is short."""
    if not url.startswith("sqlite:"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # pysqlite would BEGIN DEFERRED; the begin hook below does it
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(READ_ONLY):
            conn.connection.driver_connection.execute("BEGIN")  # a snapshot; no lock taken
        else:
            sqlite_tx.begin_immediate(conn.connection.driver_connection, BUSY_TIMEOUT_MS)

    return engine


READ_ONLY = "hub_read_only"


def reader(engine: Engine) -> Engine:
    """The same engine for transactions that only read: on SQLite they begin without the write lock,
    so the watchers' and the wire's frequent reads never queue behind a publish. Never write
    through it (a read transaction that writes can fail when another process wrote meanwhile)."""
    return engine.execution_options(**{READ_ONLY: True})
