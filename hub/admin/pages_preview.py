"""The item page's 预览 and 送达 sections (issue #14).

`GET /admin/items/{id}/preview.png?size=1080x1920|1920x1080&which=draft|published`: the item on its
detail screen as the terminal draws it -- hub.routes_preview's own function (hub.preview's renderer
in a subprocess, cached), called with the signed-in session's staff, so the permission is the item
page's (404 when not readable). When the render cannot be done (no OpenGL, no renderer, a busy slot,
an item the terminal would not show) the answer is a small SVG naming the reason in Chinese, so the
page shows words where the picture would be, never a broken image; once the host is known to lack
the renderer the page shows that reason as text and asks for no image at all.

`item_extras(request, session, item)` (a Jinja global, installed by `install(env)`) gives item.html
what those sections show: the preview images for guides, disclosures and notices, and for a
published notice how many of the terminals it reaches show it (hub.reach), with those that do not.
"""
from __future__ import annotations

from urllib.parse import urlencode
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from content.i18n import N_
from hub import db, perms, preview, reach, routes_preview
from hub.admin import sessions, web
from hub.errors import HubError

router = APIRouter()
LABELS = {"1080x1920": N_("Portrait 1080×1920"), "1920x1080": N_("Landscape 1920×1080")}
NO_GL = N_("This hub cannot draw previews: it has no OpenGL for an offscreen window.")
NO_RENDERER = N_("This hub cannot draw previews: the terminal's renderer is not installed here.")
REASONS = {  # HubError code -> what staff read
    "busy": N_("Another preview is being drawn. Reload the page in a moment."),
    "not_shown": N_("A terminal would not show this item now: check its dates."),
    "no_centre": N_("The item reaches no centre, so no terminal shows it."),
    "no_content": N_("The centre has no published content yet, so there is nothing to draw it among."),
    "invalid": N_("A terminal would refuse this content as it is."),
}
_state = {"unavailable": None}  # the reason this process found it cannot render (None: not known)


def _reason(exc: HubError) -> str:
    if exc.code == "preview_unavailable":
        if "OpenGL" in exc.message:
            _state["unavailable"] = NO_GL
            return NO_GL
        if "Python package" in exc.message:
            _state["unavailable"] = NO_RENDERER
            return NO_RENDERER
        return N_("The preview could not be drawn (the hub's log says why).")
    return REASONS.get(exc.code, N_("The preview could not be drawn (the hub's log says why)."))


def _svg(text: str, size: str) -> str:
    width, height = preview.SIZES.get(size, (1080, 1920))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width // 4}" height="{height // 4}" '
            f'viewBox="0 0 {width // 4} {height // 4}"><rect width="100%" height="100%" fill="#eef1f4"/>'
            f'<foreignObject x="8" y="8" width="{width // 4 - 16}" height="{height // 4 - 16}">'
            f'<div xmlns="http://www.w3.org/1999/xhtml" style="font:14px sans-serif;color:#333">'
            f'{escape(text)}</div></foreignObject></svg>')


@router.get("/admin/items/{item_id}/preview.png")
def preview_png(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in),
                size: str = Query("1080x1920", max_length=20), which: str = Query("draft", max_length=16)):
    staff = web.staff_of(request, session)
    try:
        return routes_preview.item_preview(item_id, request, staff, size=size, which=which, centre=None)
    except HubError as exc:
        if exc.status in (401, 403, 404) or exc.field in ("size", "which"):
            raise web.page_error(exc) from None
        text = web.translations().gettext(_reason(exc))
        return Response(_svg(text, size), status_code=exc.status, media_type="image/svg+xml",
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _reach(request: Request, staff: perms.Staff, item_id: str) -> dict:
    with request.app.state.engine.connect() as conn:
        found = reach.item_reach(conn, staff, item_id)
        t = db.terminals.c
        names = dict(conn.execute(select(t.id, t.name).where(t.id.in_(found["not_showing"][:200]))).all()) \
            if found["not_showing"] else {}
    return {**found, "missing": [(tid, names.get(tid, "")) for tid in found["not_showing"][:200]]}


def item_extras(request: Request, session: sessions.Session, item: dict) -> dict:
    """What item.html's 预览 and 送达 sections show for `item` (already known readable)."""
    previews, unavailable = [], None
    if item["kind"] in preview.SCREENS and (item["draft"] is not None or item["published"] is not None):
        unavailable = _state["unavailable"] or (NO_RENDERER if preview.renderer_missing() else None)
        if unavailable is None:
            which = "draft" if item["draft"] is not None else "published"
            previews = [{"label": LABELS[size], "which": which,
                         "url": f"/admin/items/{item['id']}/preview.png?" + urlencode({"size": size, "which": which})}
                        for size in preview.SIZES]
    shown = None
    if item["kind"] == "notice" and item["published"] is not None and item["deleted_at"] is None:
        shown = _reach(request, web.staff_of(request, session), item["id"])
    return {"previews": previews, "unavailable": unavailable, "reach": shown,
            "urgent": (item["published"] or {}).get("level") == "urgent"}


def install(env) -> None:
    env.globals["item_extras"] = item_extras
