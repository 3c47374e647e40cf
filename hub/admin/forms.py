"""What the item forms share (guide, disclosure, notice, slide, centre, ticket service) and the
publish pages: the item when the staff member may change it (the one 404 / 403 guard), the nodes
they may write to, a new item's id, saving a document through
hub.items (which checks it against content/schemas.py, checks the target and audits) with a
refusal turned into the field the form marks, and where the browser goes after saving."""
from __future__ import annotations

import secrets

from fastapi import Request
from sqlalchemy import select

from content.i18n import N_
from content.schemas import is_safe_id
from hub import db, items, perms
from hub.admin import web
from hub.admin.pages_items import item_and_rights
from hub.errors import HubError

FORM_STATUSES = (403, 409, 422)  # refusals shown in the form; anything else is the error page


class Refused(Exception):
    """A save hub.items refused, for the form: its status and the field it names ("" for none)."""

    def __init__(self, status: int, field: str):
        super().__init__(field)
        self.status, self.field = status, field

    def marked(self, values: dict) -> str:
        """The field to mark in a form whose empty title stands for the name (centre, ticket
        service): a wrong title is then the name's."""
        return "name" if not values["title"] and self.field == "title" else self.field


def writable_item(request: Request, staff: perms.Staff, item_id: str, kind: str | None = None) -> dict:
    """The item when `staff` may change it (and it is a `kind`, when one is given): the 404 page
    (not theirs, missing or another kind alike) or the 403 page (theirs to read only) otherwise."""
    item, can_write = item_and_rights(request, staff, item_id)
    if kind is not None and item["kind"] != kind:
        raise web.PageError(404, N_("Not found, or not yours to see."))
    if not can_write:
        raise web.PageError(403, N_("You may read this but not change it."))
    return item


def new_id(typed: str, prefix: str) -> str:
    """The id typed for a new item, or `prefix-` and 8 random hex digits; Refused (422 at id) when
    the typed one is not a safe id."""
    item_id = typed.strip() or f"{prefix}-{secrets.token_hex(4)}"
    if not is_safe_id(item_id):
        raise Refused(422, "id")
    return item_id


def field_of(exc: HubError) -> str | None:
    """The form field a refusal names: the document-wide check of the two times is the expiry's."""
    if exc.field == "(document)" and "expire_at" in exc.message:
        return "expire_at"
    return exc.field


def save(request: Request, staff: perms.Staff, doc: dict, item_id: str | None = None) -> str:
    """Create the item (`item_id` None: `doc` has its id) or replace its draft; the item's id.
    Refused for what the form shows (403 / 409 / 422 with the field it names; a new item's id when
    it names none), the error page otherwise."""
    try:
        with request.app.state.engine.begin() as conn:
            if item_id is None:
                return items.create(conn, staff, doc)["id"]
            return items.replace_draft(conn, staff, item_id, doc)["id"]
    except HubError as exc:
        if exc.status not in FORM_STATUSES:
            raise web.page_error(exc) from None
        raise Refused(exc.status, field_of(exc) or ("id" if item_id is None else "")) from None


def writable_targets(request: Request, staff: perms.Staff) -> list[tuple[str, str]]:
    """(id, name) of the nodes `staff` may write content for."""
    with request.app.state.engine.connect() as conn:
        writable = perms.writable(perms.load_tree(conn), staff)
        n = db.org_nodes.c
        nodes = conn.execute(select(n.id, n.name).order_by(n.id)).all()
    return [(r.id, r.name) for r in nodes if writable is None or r.id in writable]


def targets_or_403(request: Request, staff: perms.Staff) -> list[tuple[str, str]]:
    """(id, name) of the nodes `staff` may write; the 403 page when none (a viewer)."""
    found = writable_targets(request, staff)
    if not found:
        raise web.PageError(403, N_("You may read this but not change it."))
    return found


def chosen_target(request: Request, targets: list[tuple[str, str]]) -> str:
    """`?target=` when it is one of `targets`, else the first."""
    wanted = request.query_params.get("target")
    return wanted if wanted in {t for t, _ in targets} else targets[0][0]


def after_save(form, item_id: str):
    """To the publish check after "save and publish…", else to the item's page."""
    if form.get("action") == "publish":
        return web.redirect(f"/admin/items/{item_id}/publish-check")
    return web.redirect(f"/admin/items/{item_id}")


def posted_texts(form, names) -> dict:
    """The posted text fields `names`, stripped."""
    return {name: str(form.get(name) or "").strip() for name in names}
