"""Staff API for content and the organisation tree (DESIGN.md, "Staff API"):

* `GET /api/staff/items?centre=&kind=&q=&state=&limit=&offset=` -- what the user may read;
* `POST /api/staff/items` -- a new draft; `GET|PUT|DELETE /api/staff/items/{id}`;
* `POST /api/staff/items/{id}/publish`; `GET /api/staff/items/{id}/reach` (terminals showing it);
* `GET /api/staff/nodes` -- the tree the user may read; `POST /api/staff/nodes` (admins).

Bodies are JSON objects of at most MAX_BODY bytes, parsed with content.jsonload's limits (depth,
digits, no NaN); anything else is a JSON 413 or 422 naming the problem. The rules themselves
(checks, permissions, audit) are in hub.items and hub.nodes.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from content.bundle import Limits
from content.jsonload import JSONRefused, load_json
from hub import db, items, nodes, reach
from hub.errors import HubError
from hub.http import current_staff
from hub.perms import Staff

router = APIRouter(prefix="/api/staff")
MAX_BODY = 1 << 20  # one item document: the same limit as in a content bundle (Limits.max_item_bytes)
_LIMITS = Limits()


async def json_object(request: Request) -> dict:
    """The request body as a JSON object: 413 past MAX_BODY (counted as it arrives, whatever
    Content-Length claims), 422 for anything that is not one acceptable JSON object."""
    too_large = HubError("too_large", f"the body is larger than {MAX_BODY // 1024} KiB", 413)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_large
    try:
        value = load_json(bytes(body), _LIMITS.max_json_depth, _LIMITS.max_int_digits)
    except JSONRefused as exc:
        raise HubError("invalid", f"the body is not acceptable JSON: {exc.detail}", 422) from None
    if not isinstance(value, dict):
        raise HubError("invalid", f"the body must be a JSON object, not {type(value).__name__}", 422)
    return value


def _engine(request: Request):
    return request.app.state.engine


@router.get("/items")
def list_items(request: Request, staff: Staff = Depends(current_staff),
               centre: str | None = Query(None, max_length=64), kind: str | None = Query(None, max_length=32),
               q: str | None = Query(None, max_length=200), state: str | None = Query(None, max_length=16),
               limit: int = Query(items.DEFAULT_LIMIT, ge=1, le=items.MAX_LIMIT),
               offset: int = Query(0, ge=0, le=10**9)):
    with _engine(request).connect() as conn:
        return items.list_items(conn, staff, centre=centre, kind=kind, q=q, state=state, limit=limit, offset=offset)


@router.post("/items", status_code=201)
def create_item(request: Request, staff: Staff = Depends(current_staff), doc: dict = Depends(json_object)):
    with _engine(request).begin() as conn:
        return items.create(conn, staff, doc)


@router.get("/items/{item_id}")
def get_item(item_id: str, request: Request, staff: Staff = Depends(current_staff)):
    with _engine(request).connect() as conn:
        return items.read(conn, staff, item_id)


@router.put("/items/{item_id}")
def put_item(item_id: str, request: Request, staff: Staff = Depends(current_staff), doc: dict = Depends(json_object)):
    with _engine(request).begin() as conn:
        return items.replace_draft(conn, staff, item_id, doc)


@router.delete("/items/{item_id}")
def delete_item(item_id: str, request: Request, staff: Staff = Depends(current_staff)):
    with _engine(request).begin() as conn:
        return items.withdraw(conn, request.app.state.settings, staff, item_id)


@router.post("/items/{item_id}/publish")
def publish_item(item_id: str, request: Request, staff: Staff = Depends(current_staff)):
    with _engine(request).begin() as conn:
        return items.publish_draft(conn, request.app.state.settings, staff, item_id)


@router.get("/items/{item_id}/reach")
def item_reach(item_id: str, request: Request, staff: Staff = Depends(current_staff)):
    """How many of the terminals the item reaches show its current published revision now."""
    with db.reader(_engine(request)).connect() as conn:
        return reach.item_reach(conn, staff, item_id)


@router.get("/nodes")
def list_nodes(request: Request, staff: Staff = Depends(current_staff)):
    with _engine(request).connect() as conn:
        return {"nodes": nodes.readable_nodes(conn, staff)}


@router.post("/nodes", status_code=201)
def create_node(request: Request, staff: Staff = Depends(current_staff), body: dict = Depends(json_object)):
    return nodes.create_node(_engine(request), staff, body)
