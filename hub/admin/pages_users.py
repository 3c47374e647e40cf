"""The 用户 page (`/admin/users`, admins only): every user with their roles and whether disabled;
creating a user (name, initial password twice, role, node for an editor or viewer) through
hub.accounts.create_user; adding and removing a role grant; disabling and enabling a user (their
sessions and tokens are refused at once). Every POST carries the session's CSRF token; a mistake is
shown in Chinese next to its field, with the page answering 422 (409 for a taken name)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import accounts, nodes
from hub.admin import sessions, web
from hub.admin.pages_audit import require_admin
from hub.admin.pages_compliance import KIND_LABELS
from hub.errors import HubError

router = APIRouter()
ROLE_LABELS = {"admin": N_("Administrator"), "editor": N_("Editor"), "viewer": N_("Viewer")}
FIELD_ERRORS = {  # a HubError's field -> the message shown next to that field
    "user": N_("A user name is 1 to 64 letters, digits, '.', '_' or '-', not taken yet."),
    "password": N_("A password is 10 to 200 characters, without spaces at either end."),
    "role": N_("Choose a role."),
    "node": N_("An administrator has no organisation; an editor or viewer needs one."),
}
NOTES = {"created": N_("The user is created."), "granted": N_("The role is granted."),
         "revoked": N_("The role is removed."), "disabled": N_("The user is disabled and signed out."),
         "enabled": N_("The user is enabled.")}


def _page(request: Request, session: sessions.Session, status: int = 200, errors: dict | None = None,
          form: dict | None = None, note: str | None = None, grant_errors: dict | None = None):
    staff = require_admin(request, session)
    with request.app.state.engine.connect() as conn:
        tree = nodes.readable_nodes(conn, staff)
    return web.render(request, "users.html", status, session=session, users=accounts.list_users(
        request.app.state.engine), nodes=tree, roles=ROLE_LABELS, kinds=KIND_LABELS, errors=errors or {},
        form=form or {}, note=note, grant_errors=grant_errors or {})


@router.get("/admin/users")
def users_page(request: Request, session: sessions.Session = Depends(web.signed_in)):
    return _page(request, session, note=NOTES.get(request.query_params.get("done") or ""))


def _text(form, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _role_and_node(form) -> tuple[str, str | None]:
    role = _text(form, "role", 20)
    return role, (None if role == "admin" else (_text(form, "node", 64) or None))


def _admin_form(request: Request, form):
    session, staff = web.signed_form(request, form)
    if not staff.admin:
        raise web.PageError(403, N_("This page is for administrators."))
    return session, staff


@router.post("/admin/users")
@web.form_post
def create_user(request: Request, form):
    session, staff = _admin_form(request, form)
    name, password, again = _text(form, "name", 100).strip(), _text(form, "password"), _text(form, "again")
    role, node = _role_and_node(form)
    shown = {"name": name, "role": role, "node": node or ""}
    if password != again:
        return _page(request, session, 422, {"again": N_("The two passwords differ.")}, shown)
    try:
        accounts.create_user(request.app.state.engine, staff.name, name, password, role, node)
    except HubError as exc:
        field = exc.field if exc.field in FIELD_ERRORS else "user"
        return _page(request, session, 409 if exc.status == 409 else 422, {field: FIELD_ERRORS[field]}, shown)
    return web.redirect("/admin/users?done=created")


def _change(request: Request, form, change) -> tuple:
    """Run `change(engine, actor, user)` for the form's user; the page with the error next to the user."""
    session, staff = _admin_form(request, form)
    user = _text(form, "user", 64)
    try:
        change(request.app.state.engine, staff.name, user)
    except HubError as exc:
        if exc.status == 404 and exc.field == "user":
            raise web.page_error(exc) from None
        message = N_("You cannot do this to your own account.") if exc.status == 409 else \
            FIELD_ERRORS.get(exc.field or "", N_("Something in the form is not right."))
        return session, _page(request, session, exc.status if exc.status in (404, 409) else 422,
                              grant_errors={user: message})
    return session, None


@router.post("/admin/users/grant")
@web.form_post
def grant(request: Request, form):
    role, node = _role_and_node(form)
    _session, failed = _change(request, form, lambda engine, actor, user: accounts.grant(engine, actor, user, role, node))
    return failed or web.redirect("/admin/users?done=granted")


@router.post("/admin/users/revoke")
@web.form_post
def revoke(request: Request, form):
    role, node = _role_and_node(form)
    _session, failed = _change(request, form,
                               lambda engine, actor, user: accounts.revoke_grant(engine, actor, user, role, node))
    return failed or web.redirect("/admin/users?done=revoked")


@router.post("/admin/users/disable")
@web.form_post
def disable(request: Request, form):
    _session, failed = _change(request, form, lambda e, actor, user: accounts.set_disabled(e, actor, user, True))
    return failed or web.redirect("/admin/users?done=disabled")


@router.post("/admin/users/enable")
@web.form_post
def enable(request: Request, form):
    _session, failed = _change(request, form, lambda e, actor, user: accounts.set_disabled(e, actor, user, False))
    return failed or web.redirect("/admin/users?done=enabled")
