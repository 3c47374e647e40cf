"""The terminals' side of the wire (DESIGN.md, "Hub <-> terminal wire") and the staff's fleet view.

Terminal endpoints (`Authorization: Bearer kterm_…`, except enrolment):
* `POST /api/v1/enroll` {code, name, hardware} -> {terminal_id, token, hub_public_key}, signed
  (`X-Signature`: Ed25519 of the exact body by the hub's active key). A wrong, used or expired code
  is 401; ten wrong codes from one address within an hour lock it for an hour: 429 with
  `retry_after_s` and `Retry-After`.
* `POST /api/v1/heartbeat` (sync.wire.Heartbeat) -> {latest_version, screenshot}.
* `POST /api/v1/stats` (sync.wire.StatsBatch) -> {batch_id, duplicate}; 409 for another body
  under a batch id already received.
* `POST /api/v1/screenshot` (`Content-Type: image/png`, at most 5 MB) -> {sha256, size}; only
  while staff's request is pending (409 otherwise).
An unknown or revoked token is 401 `{"error": "unauthorized"}`: the terminal enrols again.

Staff endpoints (hub.perms: a terminal is visible to staff whose roles cover its centre; others
get 404; asking for a screenshot and revoking need the editor role, 403 for a viewer):
`GET /api/staff/terminals?centre=&status=`, `GET /api/staff/terminals/{id}`,
`GET /api/staff/terminals/{id}/screenshot` (the PNG), `POST .../{id}/screenshot`, `POST .../{id}/revoke`.

Bodies are read with a size cap before anything parses them (Content-Length first, then while
reading), and validated by the sync.wire models: every refusal is JSON naming the problem.
"""
from __future__ import annotations

import json
from typing import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from hub import db, fleet, keys, perms, terminals
from hub.errors import HubError
from hub.http import bearer, current_staff
from sync import signing
from sync.wire import EnrollRequest, Heartbeat, StatsBatch

router = APIRouter()

MAX_JSON_BYTES = 64 * 1024


def capped_body(limit: int) -> Callable:
    """A dependency: the request's body, refused with 413 past `limit` bytes (never read whole)."""
    def too_large() -> HubError:
        return HubError("too_large", f"the body is larger than the limit of {limit // 1024} KB", 413)

    async def read(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None and not length.isdigit():
            raise HubError("bad_request", "Content-Length is not a number", 400)
        if length is not None and int(length) > limit:
            raise too_large()
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large()
            chunks.append(chunk)
        return b"".join(chunks)
    return read


def parse(model: type[BaseModel], body: bytes):
    """`body` as `model`; HubError 400 when it is not JSON, 422 naming the first wrong field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        if err["type"] == "json_invalid":
            raise HubError("bad_json", "the body is not JSON", 400) from None
        field = ".".join(str(p) for p in err["loc"]) or None
        raise HubError("bad_request", f"{field or 'body'}: {err['msg']}", 422, field) from None


def current_terminal(request: Request) -> terminals.Terminal:
    """A dependency: the live terminal holding the request's bearer token; 401 otherwise."""
    with request.app.state.engine.connect() as conn:
        terminal = terminals.authenticate(conn, bearer(request))
    if terminal is None:
        raise terminals.unauthorized()
    return terminal


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


# ---- the terminal wire ------------------------------------------------------------------------

@router.post("/api/v1/enroll")
def enroll(request: Request, body: bytes = Depends(capped_body(MAX_JSON_BYTES))):
    asked = parse(EnrollRequest, body)
    engine, settings = request.app.state.engine, request.app.state.settings
    key = keys.active(engine, settings.keys_dir)  # before the code is spent: no key, no enrolment
    client = client_address(request)
    try:
        terminal, token = terminals.enroll(engine, asked.code, asked.name, asked.hardware, client)
    except HubError as exc:
        wait = terminals.enroll_wait(engine, client) if exc.status == 429 else None
        if wait is None:
            raise
        return JSONResponse({"error": exc.code, "message": exc.message, "retry_after_s": wait},
                            status_code=429, headers={"Retry-After": str(wait)})
    answer = json.dumps({"terminal_id": terminal.id, "token": token, "hub_public_key": key.public_key},
                        separators=(",", ":")).encode()
    return Response(answer, media_type="application/json",
                    headers={"X-Signature": signing.sign(key.private, answer), "Cache-Control": "no-store"})


@router.post("/api/v1/heartbeat")
def heartbeat(request: Request, terminal: terminals.Terminal = Depends(current_terminal),
              body: bytes = Depends(capped_body(MAX_JSON_BYTES))):
    return terminals.heartbeat(request.app.state.engine, terminal, parse(Heartbeat, body))


@router.post("/api/v1/stats")
def stats(request: Request, terminal: terminals.Terminal = Depends(current_terminal),
          body: bytes = Depends(capped_body(MAX_JSON_BYTES))):
    batch = parse(StatsBatch, body)
    duplicate = terminals.store_stats(request.app.state.engine, terminal, batch)
    return {"batch_id": batch.batch_id, "duplicate": duplicate}


def screenshot_terminal(request: Request, terminal: terminals.Terminal = Depends(current_terminal)):
    """A dependency: the terminal, when a PNG screenshot is what it sends and one was asked for --
    checked before the body is read."""
    kind = (request.headers.get("content-type") or "").partition(";")[0].strip().lower()
    if kind != "image/png":
        raise HubError("unsupported_media_type", "send the screenshot as Content-Type: image/png", 415)
    terminals.screenshot_wanted(request.app.state.engine, terminal)
    return terminal


@router.post("/api/v1/screenshot")
def screenshot(request: Request, terminal: terminals.Terminal = Depends(screenshot_terminal),
               body: bytes = Depends(capped_body(terminals.SCREENSHOT_MAX_BYTES))):
    return terminals.store_screenshot(request.app.state.engine, request.app.state.blobs, terminal, body)


# ---- staff: the fleet view ---------------------------------------------------------------------

def visible_terminal(conn, staff: perms.Staff, terminal_id: str, write: bool = False) -> str:
    """The terminal's centre when `staff` may see it (and, with `write`, change it): 404 / 403."""
    centre = terminals.centre_of(conn, terminal_id)
    tree = perms.load_tree(conn)
    seen = perms.managed(tree, staff)
    if centre is None or (seen is not None and centre not in seen):
        raise HubError("not_found", "no such terminal", 404)
    changes = perms.writable(tree, staff)
    if write and changes is not None and centre not in changes:
        raise HubError("forbidden", f"this needs the editor role on {centre!r} or above it", 403)
    return centre


@router.get("/api/staff/terminals")
def list_terminals(request: Request, centre: str | None = None, status: str | None = None,
                   staff: perms.Staff = Depends(current_staff)):
    if status is not None and status not in fleet.STATUSES:
        raise HubError("bad_request", f"status {status[:40]!r}: allowed {', '.join(fleet.STATUSES)}", 422, "status")
    with request.app.state.engine.connect() as conn:
        tree = perms.load_tree(conn)
        seen = perms.managed(tree, staff)
        if centre is not None:
            if centre not in tree.parent or (seen is not None and centre not in seen):
                raise HubError("not_found", "no such centre", 404, "centre")
            seen = tree.below(centre)
        return {"terminals": fleet.rows(conn, seen, db.utcnow(), status)}


@router.get("/api/staff/terminals/{terminal_id}")
def get_terminal(request: Request, terminal_id: str, staff: perms.Staff = Depends(current_staff)):
    with request.app.state.engine.connect() as conn:
        visible_terminal(conn, staff, terminal_id)
        return fleet.one(conn, terminal_id, db.utcnow())


@router.get("/api/staff/terminals/{terminal_id}/screenshot")
def get_screenshot(request: Request, terminal_id: str, staff: perms.Staff = Depends(current_staff)):
    with request.app.state.engine.connect() as conn:
        visible_terminal(conn, staff, terminal_id)
        sha = conn.execute(select(db.terminals.c.screenshot_sha256).where(db.terminals.c.id == terminal_id)).scalar()
    blobs = request.app.state.blobs
    if sha is None or not blobs.has(sha):
        raise HubError("not_found", "this terminal has sent no screenshot", 404)
    return Response(blobs.read(sha), media_type="image/png",
                    headers={"ETag": f'"{sha}"', "Cache-Control": "private, max-age=3600",
                             "X-Content-Type-Options": "nosniff"})


def _change(request: Request, staff: perms.Staff, terminal_id: str, action) -> dict:
    """Run `action(conn, actor, terminal_id)` for an editor of the terminal's centre; its new row."""
    with request.app.state.engine.begin() as conn:
        visible_terminal(conn, staff, terminal_id, write=True)
        action(conn, staff.name, terminal_id)
        return fleet.one(conn, terminal_id, db.utcnow())


@router.post("/api/staff/terminals/{terminal_id}/screenshot")
def ask_screenshot(request: Request, terminal_id: str, staff: perms.Staff = Depends(current_staff)):
    return _change(request, staff, terminal_id, terminals.request_screenshot)


@router.post("/api/staff/terminals/{terminal_id}/revoke")
def revoke(request: Request, terminal_id: str, staff: perms.Staff = Depends(current_staff)):
    """Idempotent: revoking a revoked terminal answers its row and changes nothing."""
    return _change(request, staff, terminal_id, terminals.revoke)
