"""The terminal wire's reading side (DESIGN.md, "Hub <-> terminal wire"): the centre's signed
manifest with ETag / 304 / long-poll and, on request, a delta; the blobs; the signing key chain.
Every endpoint takes `Authorization: Bearer <terminal token>`.

* `GET /api/v1/manifest[?wait=SECONDS]` -> `200` the exact stored body with `ETag`, `X-Signature`;
  `304` when `If-None-Match` names the current version (held up to `wait` seconds for a change);
  `226 IM Used` with a delta when asked by `A-IM: manifest-delta` and the hub still has the base;
  `404 no_content` while the centre has no manifest.
* `GET /api/v1/blobs/{sha256}` -> the bytes, immutable, one `Range` honoured.
* `GET /api/v1/keys` -> every signing key, oldest first, each signed by the one before.

A `304` is answered from this process's caches (hub.wire_cache) -- by `NotModified`, a small
ASGI layer in front of FastAPI, when the request has no query -- and never touches the database;
anything that carries content checks the token in the database first, so a revoked terminal
gets nothing more at once.
"""
from __future__ import annotations

import asyncio
import math
import os
import re
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from content.schemas import is_sha256, is_valid_version
from hub import db, keys, terminals
from hub.errors import HubError
from hub.http import bearer
from hub.notify import Waiters
from hub.terminals import Terminal
from hub.wire_cache import MISSING, Manifest, WireCache, token_key

router = APIRouter()

MAX_WAIT_S = 60
UNTRUSTED_RECHECK_S = 1.0   # a held poll re-reads the database this often while the caches are not trusted
DELTA = "manifest-delta"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
CHUNK = 64 * 1024
_WAIT_RE = re.compile(r"[0-9]{1,2}(\.[0-9]{1,3})?")
_RANGE_RE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})")


# ---- what the endpoints share ----

def _wire(request: Request) -> tuple[WireCache, Waiters]:
    return request.app.state.wire, request.app.state.waiters


def _terminal(request: Request, *, fresh: bool) -> Terminal:
    """Blocking: call from a thread."""
    terminal = request.app.state.wire.terminal(bearer(request), fresh=fresh)
    if terminal is None:
        raise terminals.unauthorized()
    return terminal


def parse_wait(text: str | None) -> float:
    if text is None:
        return 0.0
    value = float(text) if _WAIT_RE.fullmatch(text) else math.nan
    if not 0 <= value <= MAX_WAIT_S:
        raise HubError("bad_request", f"wait: seconds from 0 to {MAX_WAIT_S}, like 30 or 2.5", 422, "wait")
    return value


def entity_tags(header: str | None) -> list[str]:
    """The tags of an If-None-Match header, weak ones compared as strong (RFC 9110: weak
    comparison), '*' kept as it is."""
    if not header:
        return []
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()][:16]


def _matches(tags: list[str], manifest: Manifest | None) -> bool:
    return manifest is not None and ("*" in tags or manifest.etag in tags)


def _wants_delta(request: Request) -> bool:
    return DELTA in [t.strip().split(";")[0].strip().lower() for t in request.headers.get("a-im", "").split(",")]


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": NO_CACHE})


# ---- GET /api/v1/manifest ----

@router.get("/api/v1/manifest")
async def manifest(request: Request):
    wire, waiters = _wire(request)
    wait = parse_wait(request.query_params.get("wait"))
    terminal = wire.cached_terminal(bearer(request))
    if terminal is MISSING:
        terminal = await run_in_threadpool(_terminal, request, fresh=False)
    elif terminal is None:
        raise terminals.unauthorized()
    centre = terminal.centre_id
    tags = entity_tags(request.headers.get("if-none-match"))
    deadline = time.monotonic() + wait
    held, gone = False, None
    try:
        while True:
            woken = waiters.event(centre)  # before reading: a change from here on sets it
            current = await _current(wire, centre)
            left = deadline - time.monotonic()
            if (current is not None and not _matches(tags, current)) or left <= 0:
                break
            gone = gone or asyncio.ensure_future(_disconnect(request))
            held = await waiters.wait(woken, left if wire.trusted() else min(left, UNTRUSTED_RECHECK_S), gone)
            if held is None:  # the client went away: nobody to answer
                return Response(status_code=204)
    finally:
        if gone is not None:
            gone.cancel()
    if current is None:
        raise HubError("no_content", "nothing is published for this terminal's centre yet", 404)
    if _matches(tags, current):
        return not_modified(current.etag)
    # content: a revoked token gets none. A poll the watcher woke may trust the cache: the watcher
    # applied every revocation committed before the publish (and a whole centre wakes at once).
    if not (held and wire.trusted() and isinstance(wire.cached_terminal(bearer(request)), Terminal)):
        await run_in_threadpool(_terminal, request, fresh=True)
    base = tags[0].strip('"') if tags else ""
    if is_valid_version(base) and _wants_delta(request):
        made = await wire.shared_delta(centre, base, current.version)
        if made is not None:
            body, signature, version = made
            return Response(body, status_code=226, media_type="application/json", headers={
                "IM": DELTA, "ETag": f'"{version}"', "X-Signature": signature, "Cache-Control": NO_CACHE})
    return Response(current.body, media_type="application/json", headers={
        "ETag": current.etag, "X-Signature": current.signature, "Cache-Control": NO_CACHE})


async def _disconnect(request: Request) -> None:
    """Returns when the client has closed the connection (a GET's body, if any, is skipped)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _current(wire: WireCache, centre: str) -> Manifest | None:
    if wire.trusted():
        found = wire.manifests.get(centre)
        if found is not MISSING:
            return found
    return await run_in_threadpool(wire.current, centre)


class NotModified:
    """Pure ASGI, in front of FastAPI: `GET /api/v1/manifest` without a query whose token and
    centre are cached and whose If-None-Match is exactly the current ETag gets its 304 here;
    everything else goes on to the app unchanged."""

    PATH = "/api/v1/manifest"

    def __init__(self, app, wire: WireCache):
        self.app, self.wire = app, wire

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == self.PATH and not scope["query_string"] \
                and scope["method"] == "GET" and self.wire.trusted():
            etag = self._etag(scope["headers"])
            if etag is not None:
                await send({"type": "http.response.start", "status": 304,
                            "headers": [(b"etag", etag), (b"cache-control", b"no-cache")]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)

    def _etag(self, headers) -> bytes | None:
        auth = match = None
        for name, value in headers:
            if name == b"authorization":
                auth = value
            elif name == b"if-none-match":
                match = value
        if auth is None or match is None or auth[:7].lower() != b"bearer ":
            return None
        key = token_key(auth[7:].strip().decode("latin-1"))
        terminal = self.wire.tokens.get(key) if key else None
        if not isinstance(terminal, Terminal):
            return None
        etag = self.wire.manifests.etag(terminal.centre_id)
        if not isinstance(etag, str) or etag.encode() != match:
            return None
        return match


# ---- GET /api/v1/blobs/{sha256} ----

@router.get("/api/v1/blobs/{sha256}")
def blob(sha256: str, request: Request):
    if not is_sha256(sha256):
        raise HubError("bad_request", "a blob is named by its sha256: 64 lowercase hex digits", 422, "sha256")
    _terminal(request, fresh=True)
    with db.reader(request.app.state.engine).connect() as conn:
        mime = conn.execute(select(db.blobs.c.mime).where(db.blobs.c.sha256 == sha256)).scalar()
    path = request.app.state.blobs.path(sha256)
    try:
        size = os.stat(path).st_size if mime is not None else None
    except OSError:
        size = None
    if size is None:
        raise HubError("not_found", "the hub has no such blob", 404, "sha256")
    headers = {"ETag": f'"{sha256}"', "Cache-Control": IMMUTABLE, "Accept-Ranges": "bytes"}
    if request.headers.get("if-none-match") in (f'"{sha256}"', f'W/"{sha256}"'):
        return Response(status_code=304, headers=headers)
    span = byte_range(request.headers.get("range"), size)
    if span is None:
        return _file(path, 0, size, 200, mime, headers)
    start, end = span
    if start >= size or start > end:
        return JSONResponse({"error": "range", "message": f"the blob has {size} bytes", "field": "range"},
                            status_code=416, headers={"Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    return _file(path, start, end, 206, mime, headers)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """One `bytes=` range as (start, end exclusive), clipped to `size`; start >= size when it
    cannot be satisfied. None: no Range, or one this hub ignores (several ranges, other units,
    malformed) -- the whole blob is sent then, as RFC 9110 allows."""
    m = _RANGE_RE.fullmatch(header.strip()) if header else None
    if m is None or not (m.group(1) or m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # a suffix: the last N bytes
        n = int(last)
        return (max(size - n, 0), size) if n > 0 else (size, size)
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if last and int(last) < start:
        return None
    return start, end


def _file(path: Path, start: int, end: int, status: int, mime: str, headers: dict) -> StreamingResponse:
    def chunks():
        with open(path, "rb") as fh:
            fh.seek(start)
            left = end - start
            while left > 0:
                data = fh.read(min(CHUNK, left))
                if not data:
                    return
                left -= len(data)
                yield data

    headers = {**headers, "Content-Length": str(end - start)}
    return StreamingResponse(chunks(), status_code=status, media_type=mime, headers=headers)


# ---- GET /api/v1/keys ----

@router.get("/api/v1/keys")
def key_chain(request: Request):
    _terminal(request, fresh=False)
    chain = keys.chain(request.app.state.engine)
    return {"keys": [{"public_key": public, "rotation_signature": proof} for public, proof in chain]}
