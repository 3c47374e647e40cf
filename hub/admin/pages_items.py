"""The content pages: the list of items (`/admin/items`: filters by centre, kind, state and text,
pages of PAGE_SIZE) and one item read-only (`/admin/items/{id}`: its draft beside its published
revision). What a staff member may not read is not listed and is a 404 by URL (hub.perms)."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from content.i18n import N_
from content.schemas import KINDS
from hub import db, items, perms
from hub.admin import sessions, web
from hub.errors import HubError

router = APIRouter()
PAGE_SIZE = 50
KIND_LABELS = {"guide": N_("Service guide"), "disclosure": N_("Disclosure"), "notice": N_("Notice"),
               "slide": N_("Slide"), "centre": N_("Centre information"), "ticket_service": N_("Ticket service")}
STATE_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "changed": N_("Changed"),
                "deleted": N_("Deleted")}
FIELD_LABELS = {"title": N_("Title"), "target": N_("Target"), "updated_at": N_("Updated"),
                "publish_at": N_("Publish at"), "expire_at": N_("Expire at"), "sort": N_("Sort order"),
                "level": N_("Level"), "blocks": N_("Body"), "category": N_("Category"), "summary": N_("Summary"),
                "materials": N_("Materials"), "steps": N_("Steps"), "period": N_("Period"),
                "publisher": N_("Publisher"), "image": N_("Image"), "name": N_("Name"),
                "valid_from": N_("Posted from"), "valid_to": N_("Posted until"), "pages": N_("Pages of the PDF")}
NEW_ITEM_PAGES = [("guide", "/admin/new-guide"), ("notice", "/admin/new-notice"),
                  ("disclosure", "/admin/new-disclosure"), ("slide", "/admin/new-slide"),
                  ("centre", "/admin/new-centre"), ("ticket_service", "/admin/new-ticket-service")]  # "新建" menu
SKIP_FIELDS = ("id", "kind")
LEVELS = {"normal": N_("Normal"), "urgent": N_("Urgent")}


def _centres(conn, tree: perms.Tree, staff: perms.Staff) -> list[tuple[str, str]]:
    """(id, name) of the centres `staff` may filter by."""
    readable = perms.readable(tree, staff)
    n = db.org_nodes.c
    rows = conn.execute(select(n.id, n.name).where(n.kind == "community").order_by(n.id)).all()
    return [(r.id, r.name) for r in rows if readable is None or r.id in readable]


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


@router.get("/admin/items")
def item_list(request: Request, session: sessions.Session = Depends(web.signed_in)):
    staff = web.staff_of(request, session)
    params = request.query_params
    q = (params.get("q") or "").strip()[:100] or None
    kind, state = _choice(params.get("kind"), KINDS), _choice(params.get("state"), items.STATES)
    page = web.page_number(params.get("page"))
    with request.app.state.engine.connect() as conn:
        tree = perms.load_tree(conn)
        centres = _centres(conn, tree, staff)
        centre = _choice(params.get("centre"), {c for c, _ in centres})
        found = items.list_items(conn, staff, centre=centre, kind=kind, state=state, q=q, limit=PAGE_SIZE,
                                 offset=(page - 1) * PAGE_SIZE)
        writable = perms.writable(tree, staff)
    filters = {"centre": centre, "kind": kind, "state": state, "q": q}
    pages = max(1, -(-found["total"] // PAGE_SIZE))

    def page_url(number: int) -> str:
        return "/admin/items?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": number})

    return web.render(request, "items.html", session=session, found=found, centres=centres, filters=filters,
                      page=page, pages=pages, page_url=page_url, kinds=KIND_LABELS, states=STATE_LABELS,
                      new_items=new_item_links(writable, centre))


def new_item_links(writable: set[str] | None, centre: str | None) -> list[tuple[str, str]]:
    """(kind, url) of the "新建" menu: none for staff who may write nowhere; the list's centre as
    the new item's target when they may write it."""
    if writable is not None and not writable:
        return []
    query = "?" + urlencode({"target": centre}) if centre and (writable is None or centre in writable) else ""
    return [(kind, url + query) for kind, url in NEW_ITEM_PAGES]


def _block(block: dict) -> str:
    """One body block as plain text: a heading in 【】, list items with bullets, table rows with |."""
    kind = block.get("type")
    if kind == "heading":
        return f"【{block.get('text', '')}】"
    if kind == "list":
        return "\n".join(f"• {entry}" for entry in block.get("items", []))
    if kind == "table":
        rows = [block.get("columns", []), *block.get("rows", [])]
        return "\n".join(filter(None, [block.get("caption", "")] + [" | ".join(map(str, r)) for r in rows]))
    if kind == "image":
        return f"[{block.get('blob', '')[:12]}…] {block.get('caption', '')}".strip()
    return str(block.get("text", json.dumps(block, ensure_ascii=False)))


def _shown(value) -> str:
    """A field's value as text for the read-only page."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, dict) and "type" in b for b in value):
        return "\n\n".join(_block(b) for b in value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(f"{n}. {v}" for n, v in enumerate(value, 1))
    return json.dumps(value, ensure_ascii=False, indent=1)


def field_rows(draft: dict | None, published: dict | None) -> list[dict]:
    """One row per field of either document: its label, draft and published text, whether they differ."""
    names = list(dict.fromkeys([*(published or {}), *(draft or {})]))
    rows = []
    for name in names:
        if name in SKIP_FIELDS:
            continue
        d = _shown((draft or {}).get(name)) if draft is not None else None
        p = _shown((published or {}).get(name)) if published is not None else None
        rows.append({"name": name, "label": FIELD_LABELS.get(name), "draft": d, "published": p,
                     "differs": draft is not None and published is not None and d != p,
                     "translated": name == "level"})
    return rows


def item_and_rights(request: Request, staff: perms.Staff, item_id: str) -> tuple[dict, bool]:
    """(the item, whether `staff` may change it); the 404 page when they may not read it."""
    try:
        with request.app.state.engine.connect() as conn:
            item = items.read(conn, staff, item_id)
            writable = perms.writable(perms.load_tree(conn), staff)
    except HubError as exc:
        raise web.page_error(exc) from None
    return item, writable is None or item["target"] in writable


@router.get("/admin/items/{item_id}")
def item_page(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    from hub.admin import fieldview  # it imports every form's labels, and they import this module
    item, can_write = item_and_rights(request, web.staff_of(request, session), item_id)
    return web.render(request, "item.html", session=session, item=item, kinds=KIND_LABELS, states=STATE_LABELS,
                      rows=fieldview.rows(item, request.app.state.engine), can_write=can_write, levels=LEVELS)
