"""Publishing, the urgent notice, deleting and restoring from the staff pages (issue #14).

* `GET /admin/items/{id}/publish-check` -- for any kind: what publishing the draft changes, field by
  field (`changed_rows`), how many terminals it goes to, and the confirm button posting to
  `POST /admin/items/{id}/publish` (hub.items.publish_draft). Every form's "save and publish…"
  and the item page's 发布草稿 come here; `/publish-guide` (the guide form's first check) redirects.
* `POST /admin/items/{id}/urgent` -- a notice made urgent and published at once (its draft, or its
  published version when there is none, with level "urgent": one replace_draft and one
  publish_draft in one transaction); terminals show an urgent notice as a banner.
* `POST /admin/items/{id}/delete` -- hub.items.withdraw; `POST /admin/items/{id}/restore` -- a
  withdrawn item comes back by publishing its draft (hub.items.publish_draft restores it; without a
  draft the last published version is saved as the draft first), through the publish check.

Urgent and delete take two steps as pages_terminals' revoke does: a POST without `confirm=yes`
only redirects to the item page with `?confirm=urgent|delete`, which shows what will happen and
the form that does it. hub.items checks the rights and audits every change.
`item_actions(request, session, item, can_write)` (a Jinja global) gives item.html its buttons."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select

from content.i18n import N_
from hub import db, items, perms
from hub.admin import fieldview, forms, sessions, web
from hub.admin.pages_items import LEVELS
from hub.errors import HubError

router = APIRouter()
EDIT_PATHS = {"guide": "edit-guide", "notice": "edit", "slide": "edit-slide", "disclosure": "edit-disclosure",
              "centre": "edit-centre", "ticket_service": "edit-ticket-service"}  # kind -> the item's form
CONFIRMS = ("urgent", "delete")


def edit_url(item: dict) -> str:
    return f"/admin/items/{item['id']}/{EDIT_PATHS.get(item['kind'], 'edit')}"


def audience(request: Request, staff: perms.Staff, target: str) -> dict:
    """{"centres", "terminals"}: the centres below `target` and their terminals (not revoked) that
    `staff` may see -- where a publish on `target` goes."""
    with request.app.state.engine.connect() as conn:
        tree = perms.load_tree(conn)
        centres = tree.centres_below(target)
        seen = perms.managed(tree, staff)
        if seen is not None:
            centres &= seen
        t = db.terminals.c
        count = conn.execute(select(func.count()).select_from(db.terminals).where(
            t.centre_id.in_(sorted(centres)), t.revoked_at.is_(None))).scalar() if centres else 0
    return {"centres": len(centres), "terminals": count}


def _pictures(doc: dict | None, name: str) -> list[str]:
    """The stored images a field shows: the slide's image, a body's image blocks."""
    value = (doc or {}).get(name)
    if name == "image" and isinstance(value, str):
        return [value]
    if name == "blocks" and isinstance(value, list):
        return [b["blob"] for b in value if isinstance(b, dict) and b.get("type") == "image" and "blob" in b]
    return []


def changed_rows(item: dict, engine=None) -> list[dict]:
    """The fields publishing changes (every field of an item never published), with their labels;
    `image` marks a field that is one stored image's hash (shown as the picture), `pictures` the
    images of each side's value (a body's image blocks too)."""
    rows = fieldview.rows(item, engine)
    if item["draft"] is None:
        return []
    if item["published"] is None:  # all of it is new: what it has, without the empty and default fields
        rows = [r for r in rows if r["draft"] and not (r["name"] == "sort" and r["draft"] == "0")]
    else:
        rows = [r for r in rows if r["differs"]]
    return [dict(r, image=r["name"] == "image",
                 pictures={"draft": _pictures(item["draft"], r["name"]),
                           "published": _pictures(item["published"], r["name"])})
            for r in rows if r["name"] != "updated_at"]


@router.get("/admin/items/{item_id}/publish-check")
def publish_check(item_id: str, request: Request, session: sessions.Session = Depends(web.signed_in)):
    """What publishing the draft changes, field by field, and the confirm button."""
    staff = web.staff_of(request, session)
    item = forms.writable_item(request, staff, item_id)
    rows = changed_rows(item, request.app.state.engine)
    target = (item["draft"] or item["published"] or {}).get("target", item["target"])
    return web.render(request, "publish_check.html", session=session, item=item, rows=rows, levels=LEVELS,
                      edit_url=edit_url(item), reach=audience(request, staff, target),
                      urgent=(item["draft"] or {}).get("level") == "urgent")


@router.get("/admin/items/{item_id}/publish-guide")
def publish_guide(item_id: str):
    """The guide form's first publish check, kept as an address: the generic one."""
    return web.redirect(f"/admin/items/{item_id}/publish-check")


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


def _confirmed(form, item_id: str, what: str):
    """None when the form says confirm=yes; otherwise the redirect to the confirmation step."""
    return None if form.get("confirm") == "yes" else web.redirect(f"/admin/items/{item_id}?confirm={what}")


@router.post("/admin/items/{item_id}/urgent")
@web.form_post
def publish_urgent(request: Request, form):
    _session, staff = web.signed_form(request, form)
    item = forms.writable_item(request, staff, request.path_params["item_id"])
    if item["kind"] != "notice" or item["deleted_at"] is not None:
        raise web.PageError(409, N_("This could not be done now."))
    if (step := _confirmed(form, item["id"], "urgent")) is not None:
        return step
    doc = {k: v for k, v in (item["draft"] or item["published"]).items() if k != "updated_at"}
    try:
        with request.app.state.engine.begin() as conn:
            items.replace_draft(conn, staff, item["id"], {**doc, "level": "urgent"})
            items.publish_draft(conn, request.app.state.settings, staff, item["id"])
    except HubError as exc:
        raise web.page_error(exc) from None
    return web.redirect(f"/admin/items/{item['id']}")


@router.post("/admin/items/{item_id}/delete")
@web.form_post
def delete(request: Request, form):
    _session, staff = web.signed_form(request, form)
    item = forms.writable_item(request, staff, request.path_params["item_id"])
    if (step := _confirmed(form, item["id"], "delete")) is not None:
        return step
    try:
        with request.app.state.engine.begin() as conn:
            items.withdraw(conn, request.app.state.settings, staff, item["id"])
    except HubError as exc:
        raise web.page_error(exc) from None
    return web.redirect(f"/admin/items/{item['id']}")


@router.post("/admin/items/{item_id}/restore")
@web.form_post
def restore(request: Request, form):
    """A withdrawn item's draft (its last published version when it has none) to the publish check."""
    _session, staff = web.signed_form(request, form)
    item = forms.writable_item(request, staff, request.path_params["item_id"])
    if item["deleted_at"] is None or (item["draft"] is None and item["published"] is None):
        raise web.PageError(409, N_("This could not be done now."))
    if item["draft"] is None:
        doc = {k: v for k, v in item["published"].items() if k != "updated_at"}
        try:
            with request.app.state.engine.begin() as conn:
                items.replace_draft(conn, staff, item["id"], doc)
        except HubError as exc:
            raise web.page_error(exc) from None
    return web.redirect(f"/admin/items/{item['id']}/publish-check")


def item_actions(request: Request, session: sessions.Session, item: dict, can_write: bool) -> dict:
    """What item.html's action bar shows: the edit link, and the confirmation asked for (if any)."""
    confirm = request.query_params.get("confirm")
    confirm = confirm if can_write and confirm in CONFIRMS and item["deleted_at"] is None else None
    if confirm == "urgent" and item["kind"] != "notice":
        confirm = None
    reach = audience(request, web.staff_of(request, session), item["target"]) if confirm == "urgent" else None
    return {"edit_url": edit_url(item), "confirm": confirm, "reach": reach,
            "deleted": item["deleted_at"] is not None}


def install(env) -> None:
    env.globals["item_actions"] = item_actions
