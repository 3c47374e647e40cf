"""Terminals: enrolment with a one-time code, their bearer tokens, what they report, and revocation.

A terminal enrols once (`POST /api/v1/enroll` with a code from `kiosk-hub enroll-code`) and gets
an id and a token (`kterm_…`, shown once; only its sha256 is kept). Every later request carries
the token; a revoked terminal's token is refused at once (the revocation is an event every worker
process hears: hub.events.TERMINAL_REVOKED; every write here also checks `revoked_at` in the
statement itself, so a report racing a revocation is refused too).

What a terminal reports is kept on its row: the last heartbeat (as validated by sync.wire), its
last screenshot (a blob; only when staff asked for one), and its queue figures per batch id in
`stats_batches`. Terminal reports are not audited (one a minute per terminal would drown the
log); what staff do to a terminal -- ask for a screenshot, revoke it -- is.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import math
import secrets
import warnings
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from hub import audit, blobstore, db, events, fleet, history, org
from hub.accounts import digest
from hub.errors import HubError
from sync.wire import Heartbeat, StatsBatch

log = logging.getLogger(__name__)

TOKEN_PREFIX = "kterm_"
MAX_TOKEN = 200
SCREENSHOT_MAX_BYTES = 5 << 20
SCREENSHOT_MAX_PIXELS = 4096 * 4096   # a 4K portrait panel is 8.3 M; the decoded image stays < 70 MB


@dataclass(frozen=True)
class Terminal:
    id: str
    centre_id: str


def new_id() -> str:
    return "t-" + secrets.token_hex(6)


def enroll(engine: Engine, code: str, name: str, hardware: dict | None, client: str | None) -> tuple[Terminal, str]:
    """(the new terminal, its token) for a live one-time code; HubError 401 for any other code,
    429 while the client address is locked out (hub.limits.ENROL)."""
    centre = org.redeem(engine, code, client)
    if centre is None:
        raise HubError("bad_code", "this enrolment code is wrong, used or expired: ask for a new one", 401, "code")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    terminal = Terminal(new_id(), centre)
    with engine.begin() as conn:
        conn.execute(insert(db.terminals).values(id=terminal.id, centre_id=centre, name=name, hardware=hardware,
                                                 token_hash=digest(token), enrolled_at=db.utcnow()))
        audit.record(conn, "terminal", "terminal.enroll", f"terminal:{terminal.id}", None,
                     {"centre": centre, "name": name})
    return terminal, token


def authenticate(conn: Connection, token: str | None) -> Terminal | None:
    """The live (not revoked) terminal holding `token`, or None."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN:
        return None
    t = db.terminals.c
    row = conn.execute(select(t.id, t.centre_id).where(t.token_hash == digest(token), t.revoked_at.is_(None))).first()
    return Terminal(row.id, row.centre_id) if row else None


def unauthorized() -> HubError:
    """The refusal a terminal recognises as "enrol again" (its token is unknown or revoked)."""
    return HubError("unauthorized", "this terminal's token is unknown or revoked: enrol it again "
                    "(kiosk enroll --hub URL --code CODE)", 401)


def enroll_wait(engine: Engine, client: str | None) -> int | None:
    """Seconds until `client` may try an enrolment code again (hub.limits.ENROL), or None."""
    if not client:
        return None
    with engine.connect() as conn:
        until = conn.execute(select(db.auth_failures.c.locked_until)
                             .where(db.auth_failures.c.key == f"enroll:ip:{client}"[:200])).scalar()
    until, now = db.as_utc(until), db.utcnow()
    return math.ceil((until - now).total_seconds()) if until is not None and until > now else None


def _live(terminal_id: str):
    t = db.terminals.c
    return (t.id == terminal_id) & t.revoked_at.is_(None)


def heartbeat(engine: Engine, terminal: Terminal, beat: Heartbeat, now: dt.datetime | None = None) -> dict:
    """Keep `beat` on the terminal's row (seen now, by the hub's clock); the reply
    (sync.wire.HeartbeatReply): the centre's current version, and whether a screenshot is wanted."""
    now = now or db.utcnow()
    state = beat.model_dump(mode="json")
    state["clock_offset_s"] = round((beat.sent_at - now).total_seconds())  # the terminal's clock minus ours
    t = db.terminals.c
    with engine.begin() as conn:
        row = conn.execute(update(db.terminals).where(_live(terminal.id)).values(
            last_seen_at=now, state=state, version_shown=beat.version_shown, app_version=beat.app_version,
            last_error=beat.last_error).returning(t.centre_id, t.screenshot_requested_at)).first()
        if row is None:
            raise unauthorized()
        history.record(conn, terminal.id, now, state)  # hub.history: the terminal page's log
        latest = fleet.latest_versions(conn, [row.centre_id]).get(row.centre_id)  # not the 250 KB body
    return {"latest_version": latest.version if latest else None,
            "screenshot": row.screenshot_requested_at is not None}


def store_stats(engine: Engine, terminal: Terminal, batch: StatsBatch) -> bool:
    """Keep a batch of figures once; True when this batch id was stored before with the same body
    (a resend), HubError 409 when it was stored with another."""
    body, s = batch.stored(), db.stats_batches
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    with engine.begin() as conn:
        if conn.execute(select(db.terminals.c.id).where(_live(terminal.id))).first() is None:
            raise unauthorized()
        added = conn.execute(dialect.insert(s).values(terminal_id=terminal.id, batch_id=batch.batch_id,
                                                      received_at=db.utcnow(), body=body)
                             .on_conflict_do_nothing(index_elements=["terminal_id", "batch_id"])
                             .returning(s.c.batch_id)).first()
        if added is not None:
            return False
        before = conn.execute(select(s.c.body).where(s.c.terminal_id == terminal.id,
                                                     s.c.batch_id == batch.batch_id)).scalar()
    if before != body:
        raise HubError("batch_conflict", f"batch {batch.batch_id!r} was received before with other figures: "
                       "a batch id names one body, send changed figures under a new one", 409, "batch_id")
    return True


# ---- screenshots ------------------------------------------------------------------------------

def clean_png(data: bytes) -> bytes:
    """`data` decoded as a PNG and written again without its metadata (text chunks, ICC profile,
    EXIF, other frames): HubError 422 when it is not a PNG, 413 when it has too many pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=["PNG"])
            if img.width * img.height > SCREENSHOT_MAX_PIXELS:
                raise HubError("too_large", f"{img.width}x{img.height} pixels: a screenshot has at most "
                               f"{SCREENSHOT_MAX_PIXELS} pixels", 413)
            img.load()
            alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
            clean = img.convert("RGBA" if alpha else "RGB")
    except HubError:
        raise
    except Exception as exc:  # noqa: BLE001 -- hostile bytes make Pillow raise many kinds of error
        log.info("screenshot refused: %s: %s", type(exc).__name__, exc)
        raise HubError("not_png", "the body is not a PNG image Pillow can read", 422) from None
    clean.info = {}
    out = io.BytesIO()
    clean.save(out, "PNG")
    return out.getvalue()


def _no_screenshot_wanted() -> HubError:
    return HubError("not_requested", "no screenshot was asked for: send one when a heartbeat's answer says "
                    "\"screenshot\": true", 409)


def screenshot_wanted(engine: Engine, terminal: Terminal) -> None:
    """Return when staff asked this (live) terminal for a screenshot; HubError 401 / 409 otherwise."""
    t = db.terminals.c
    with engine.connect() as conn:
        row = conn.execute(select(t.screenshot_requested_at).where(_live(terminal.id))).first()
    if row is None:
        raise unauthorized()
    if row.screenshot_requested_at is None:
        raise _no_screenshot_wanted()


def store_screenshot(engine: Engine, blobs: blobstore.BlobStore, terminal: Terminal, data: bytes) -> dict:
    """Keep the PNG a terminal sent (cleaned: `clean_png`) as a blob and on its row; this answers
    the request, so the next heartbeat says `screenshot: false`. {sha256, size}."""
    screenshot_wanted(engine, terminal)  # before the decoding work
    png = clean_png(data)
    sha, now, t = blobs.put_bytes(png), db.utcnow(), db.terminals.c
    with engine.begin() as conn:
        row = conn.execute(update(db.terminals).where(_live(terminal.id), t.screenshot_requested_at.is_not(None))
                           .values(screenshot_sha256=sha, screenshot_at=now, screenshot_requested_at=None)
                           .returning(t.id)).first()
        if row is None:  # revoked, or another upload answered the request meanwhile
            screenshot_wanted(engine, terminal)
            raise _no_screenshot_wanted()
        blobstore.record(conn, sha, len(png), "image/png", f"terminal:{terminal.id}")
    return {"sha256": sha, "size": len(png)}


# ---- what staff do to a terminal (the caller checks their role) --------------------------------

def centre_of(conn: Connection, terminal_id: str) -> str | None:
    return conn.execute(select(db.terminals.c.centre_id).where(db.terminals.c.id == terminal_id)).scalar()


def request_screenshot(conn: Connection, actor: str, terminal_id: str) -> None:
    """Ask the terminal for a screenshot (its next heartbeat is told); asking again while one is
    pending keeps the first request's time. HubError 409 for a revoked terminal."""
    t = db.terminals.c
    row = conn.execute(select(t.revoked_at, t.screenshot_requested_at).where(t.id == terminal_id)).first()
    if row is None or row.revoked_at is not None:
        raise HubError("revoked", "this terminal is revoked: it sends nothing any more", 409)
    if row.screenshot_requested_at is not None:
        return
    now = db.utcnow()
    conn.execute(update(db.terminals).where(_live(terminal_id)).values(screenshot_requested_at=now))
    audit.record(conn, actor, "terminal.screenshot_request", f"terminal:{terminal_id}", None,
                 {"screenshot_requested_at": now.isoformat()})


def revoke(conn: Connection, actor: str, terminal_id: str) -> bool:
    """Refuse the terminal's token from now on, in every worker process (the event is recorded in
    the same transaction); False when it was revoked already (nothing changes)."""
    now, t = db.utcnow(), db.terminals.c
    row = conn.execute(update(db.terminals).where(_live(terminal_id)).values(revoked_at=now, revoked_by=actor)
                       .returning(t.id)).first()
    if row is None:
        return False
    events.record(conn, events.TERMINAL_REVOKED, terminal_id)
    audit.record(conn, actor, "terminal.revoke", f"terminal:{terminal_id}", {"revoked_at": None},
                 {"revoked_at": now.isoformat(), "revoked_by": actor})
    return True
