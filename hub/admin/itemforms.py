"""What the forms of one item kind share (pages_centre, pages_ticket_service): the item when the
staff member may change it, saving a document through hub.items (which checks it against
content/schemas.py, checks the target and audits) with a refusal turned into the field to mark,
and where the browser goes after saving."""
from __future__ import annotations

from fastapi import Request

from content.i18n import N_
from hub import items, perms
from hub.admin import web
from hub.admin.pages_guide import field_of
from hub.admin.pages_items import item_and_rights
from hub.errors import HubError

SHOWN_REFUSALS = (403, 409, 422)  # shown in the form at their field; anything else is an error page


def writable_item(request: Request, staff: perms.Staff, item_id: str, kind: str) -> dict:
    """The item of `kind`: the 404 page when it is not one (or not readable), 403 when read-only."""
    item, can_write = item_and_rights(request, staff, item_id)
    if item["kind"] != kind:
        raise web.PageError(404, N_("Not found, or not yours to see."))
    if not can_write:
        raise web.PageError(403, N_("You may read this but not change it."))
    return item


def save(request: Request, staff: perms.Staff, doc: dict, item: dict | None,
         untitled: bool = False) -> tuple[int, str] | None:
    """Create the item (item None) or replace its draft; None when saved, else (status, field).
    `untitled`: the form's title was left empty for the name, so a wrong title is the name's."""
    try:
        with request.app.state.engine.begin() as conn:
            if item is None:
                items.create(conn, staff, doc)
            else:
                items.replace_draft(conn, staff, item["id"], doc)
    except HubError as exc:
        if exc.status not in SHOWN_REFUSALS:
            raise web.page_error(exc) from None
        field = field_of(exc) or ""
        return exc.status, "name" if untitled and field == "title" else field
    return None


def after_save(form, item_id: str):
    """To the generic publish check after 保存并发布…, else to the item's page."""
    if form.get("action") == "publish":
        return web.redirect(f"/admin/items/{item_id}/publish-check")
    return web.redirect(f"/admin/items/{item_id}")


def posted_texts(form, names) -> dict:
    return {name: str(form.get(name) or "").strip() for name in names}
