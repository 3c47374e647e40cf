"""Editing a notice's draft (`/admin/items/{id}/edit`: title, level, body) and publishing an
item's draft (`/admin/items/{id}/publish`), through hub.items.replace_draft / publish_draft, which
check the document, the staff member's rights and audit the change. Both forms carry the session's
CSRF token.

The body is plain text, blocks separated by a blank line: `## 标题` a heading (`#` to `###`: its
level), lines each starting `- ` a list (`1. ` an ordered one), anything else a paragraph. A notice
with tables or images is not editable here yet (the form would lose them)."""
from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import items, perms
from hub.admin import sessions, web
from hub.admin.pages_items import FIELD_LABELS, LEVELS, item_and_rights
from hub.errors import HubError

router = APIRouter()


def _writable_item(request: Request, staff: perms.Staff, item_id: str) -> dict:
    """The item when `staff` may change it: the error page (404 / 403) otherwise."""
    item, can_write = item_and_rights(request, staff, item_id)
    if not can_write:
        raise web.PageError(403, N_("You may read this but not change it."))
    return item


TEXT_BLOCKS = ("paragraph", "heading", "list")
_ITEM_RE = re.compile(r"^(- |• |\d+\. )")
_HEADING_RE = re.compile(r"^(#{1,3}) +(\S.*)$")


def editable(item: dict) -> bool:
    """A notice whose body has only paragraphs, headings and lists."""
    doc = item["draft"] or item["published"] or {}
    return item["kind"] == "notice" and all(b.get("type") in TEXT_BLOCKS for b in doc.get("blocks", []))


def as_text(blocks: list[dict]) -> str:
    """The body as the form's text (the inverse of `blocks_of`)."""
    out = []
    for b in blocks:
        if b["type"] == "heading":
            out.append("#" * b.get("level", 2) + " " + b["text"])
        elif b["type"] == "list":
            out.append("\n".join((f"{n}. " if b.get("ordered") else "- ") + entry
                                 for n, entry in enumerate(b["items"], 1)))
        else:
            out.append(b["text"])
    return "\n\n".join(out)


def blocks_of(body: str) -> list[dict]:
    """The form's text split at blank lines into paragraph, heading and list blocks."""
    blocks = []
    for part in (p.strip() for p in body.replace("\r\n", "\n").split("\n\n")):
        lines = part.split("\n")
        heading = _HEADING_RE.match(part) if len(lines) == 1 else None
        if heading:
            blocks.append({"type": "heading", "text": heading.group(2).strip(), "level": len(heading.group(1))})
        elif part and all(_ITEM_RE.match(line) for line in lines):
            blocks.append({"type": "list", "items": [_ITEM_RE.sub("", line).strip() for line in lines],
                           "ordered": all(line[0].isdigit() for line in lines)})
        elif part:
            blocks.append({"type": "paragraph", "text": part})
    return blocks


def _form(request, session, item, status=200, values=None, error=None, field=None):
    doc = item["draft"] or item["published"] or {}
    values = values or {"title": doc.get("title", ""), "level": doc.get("level", "normal"),
                        "body": as_text(doc.get("blocks", [])) if editable(item) else ""}
    return web.render(request, "edit.html", status, session=session, item=item, values=values, levels=LEVELS,
                      error=error, field=FIELD_LABELS.get(field or "", None), editable=editable(item))


@router.get("/admin/items/{item_id}/edit")
def edit_form(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    item = _writable_item(request, web.staff_of(request, session), item_id)
    return _form(request, session, item)


@router.post("/admin/items/{item_id}/edit")
@web.form_post
def save_draft(request: Request, form):
    session, staff = web.signed_form(request, form)
    item = _writable_item(request, staff, request.path_params["item_id"])
    if not editable(item):
        raise web.PageError(409, N_("This could not be done now."))
    values = {"title": str(form.get("title") or "").strip(), "level": str(form.get("level") or ""),
              "body": str(form.get("body") or "")}
    doc = {k: v for k, v in (item["draft"] or item["published"]).items() if k != "updated_at"}
    doc.update(title=values["title"], level=values["level"], blocks=blocks_of(values["body"]))
    field = web.save_draft(request, staff, item["id"], doc)
    if field is not None:
        return _form(request, session, item, 422, values, N_("Something in the form is not right."), field)
    return web.redirect(f"/admin/items/{item['id']}")


@router.post("/admin/items/{item_id}/publish")
@web.form_post
def publish(request: Request, form):
    _session, staff = web.signed_form(request, form)
    try:
        with request.app.state.engine.begin() as conn:
            items.publish_draft(conn, request.app.state.settings, staff, request.path_params["item_id"])
    except HubError as exc:
        raise web.page_error(exc) from None
    return web.redirect(f"/admin/items/{request.path_params['item_id']}")
