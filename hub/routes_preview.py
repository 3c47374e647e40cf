"""`GET /api/staff/items/{id}/preview?size=1080x1920|1920x1080&which=draft|published&centre=` ->
`image/png`: the item on its detail screen as a terminal of one centre shows it (hub.preview).

Readable like the item itself (404 otherwise). `which=draft` (default) shows the draft, or the
published revision when there is no draft; `published` the published revision. The centre is
`centre` when given (a centre the item reaches and the user may read), else the first such centre
by id. The database work is done before the render, so no connection is held while it runs.
"""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select

from content.schemas import ItemBase, parse_item
from hub import db, items, perms, preview, publish
from hub.errors import HubError
from hub.http import current_staff
from hub.perms import Staff

router = APIRouter(prefix="/api/staff")
WHICH = ("draft", "published")


def _document(conn, row, which: str) -> dict:
    published = items.published_document(conn, row.id, row.revision)
    doc = (row.draft or published) if which == "draft" else published
    if doc is None:
        raise HubError("not_found", f"item {row.id!r} has no {which} document", 404, "which")
    return doc


def _centre(tree: perms.Tree, staff: Staff, target: str, wanted: str | None) -> str:
    readable = perms.readable(tree, staff)
    reached = sorted(c for c in tree.centres_below(target) if readable is None or c in readable)
    if wanted is not None:
        if wanted not in reached:
            raise HubError("not_found", f"the item reaches no centre {wanted[:64]!r} you may read", 404, "centre")
        return wanted
    if not reached:
        raise HubError("no_centre", "the item reaches no centre: there is no terminal to preview it on", 409)
    return reached[0]


def _file_types(conn, item: ItemBase) -> dict[str, str]:
    refs = sorted(set(item.blob_refs()))
    if not refs:
        return {}
    b = db.blobs.c
    return {r.sha256: r.mime for r in conn.execute(select(b.sha256, b.mime).where(b.sha256.in_(refs)))}


@router.get("/items/{item_id}/preview")
def item_preview(item_id: str, request: Request, staff: Staff = Depends(current_staff),
                 size: str = Query("1080x1920", max_length=20), which: str = Query("draft", max_length=16),
                 centre: str | None = Query(None, max_length=64)):
    with request.app.state.engine.connect() as conn:
        tree = perms.load_tree(conn)
        row = items.readable_row(conn, tree, staff, item_id)
        if size not in preview.SIZES:
            raise HubError("invalid", f"size {size!r}: allowed {', '.join(preview.SIZES)}", 422, "size")
        if which not in WHICH:
            raise HubError("invalid", f"which {which!r}: allowed {', '.join(WHICH)}", 422, "which")
        try:
            item = parse_item(_document(conn, row, which))
        except ValidationError as exc:
            raise publish.invalid_document(exc) from None
        if item.kind not in preview.SCREENS:
            raise HubError("invalid", f"a {item.kind} has no detail screen to preview", 422)
        centre_id = _centre(tree, staff, row.target, centre)
        now = publish.current(conn, centre_id)
        if now is None:
            raise HubError("no_content", f"centre {centre_id!r} has no published content yet (a terminal "
                           "needs at least its centre item)", 409)
        base = preview.Centre(centre_id, json.loads(now.body))
        file_types = _file_types(conn, item)
    settings = request.app.state.settings
    png = preview.render(settings.data_dir, request.app.state.blobs, base, item, size, file_types)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
