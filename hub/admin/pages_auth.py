"""Signing in and out, and changing one's own password (`/admin/login`, `/admin/logout`,
`/admin/password`).

Wrong names and wrong passwords get the same message; a locked name or address is told how many
minutes to wait (hub.accounts.verify_login and hub.limits). The sign-in form is protected against
cross-site posting by a token in a short-lived cookie that the form sends back (there is no
session yet); every other form carries the session's CSRF token.
"""
from __future__ import annotations

import math
import re
import secrets

from fastapi import APIRouter, Depends, Request

from content.i18n import N_
from hub import accounts
from hub.admin import sessions, web
from hub.errors import HubError

router = APIRouter()
LOGIN_COOKIE = "khub_login"
_WAIT_RE = re.compile(r"in (\d+) s")


@router.get("/admin")
@router.get("/admin/")
def home():
    return web.redirect("/admin/items")


def _login_page(request: Request, status: int = 200, error: str | None = None, minutes: int | None = None,
                user: str = ""):
    token = request.cookies.get(LOGIN_COOKIE)
    fresh = not token or len(token) > 100
    token = secrets.token_urlsafe(24) if fresh else token
    response = web.render(request, "login.html", status, None, error=error, minutes=minutes, user=user,
                          login_token=token, next=web.safe_next(request.query_params.get("next")))
    if fresh:
        response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/admin", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


@router.get("/admin/login")
def login_form(request: Request):
    if web.session_of(request) is not None:
        return web.redirect(web.safe_next(request.query_params.get("next")))
    return _login_page(request)


@router.post("/admin/login")
@web.form_post
def login(request: Request, form):
    token, sent = request.cookies.get(LOGIN_COOKIE), form.get("login_token")
    if not token or not isinstance(sent, str) or not secrets.compare_digest(token, sent):
        raise web.PageError(403, N_("This form has expired. Reload the page and try again."))
    user, password = str(form.get("user") or "").strip(), str(form.get("password") or "")
    engine = request.app.state.engine
    try:
        accounts.verify_login(engine, user, password, web.client_of(request))
    except HubError as exc:
        if exc.status == 429:
            match = _WAIT_RE.search(exc.message)
            minutes = max(1, math.ceil(int(match.group(1)) / 60)) if match else 15
            return _login_page(request, 429, "locked", minutes, user[:64])
        return _login_page(request, 401, "bad_login", None, user[:64])
    raw = sessions.start(engine, user, web.client_of(request))
    response = web.redirect(web.safe_next(form.get("next")))
    web.set_cookie(request, response, raw)
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


@router.post("/admin/logout")
@web.form_post
def logout(request: Request, form):
    session = web.session_of(request)
    if session is None:
        return web.redirect("/admin/login")
    web.check_csrf(session, form)
    sessions.end(request.app.state.engine, session)
    response = web.redirect("/admin/login")
    response.delete_cookie(sessions.COOKIE, path="/admin")
    return response


@router.get("/admin/password")
def password_form(request: Request, session: sessions.Session = Depends(web.signed_in)):
    return web.render(request, "password.html", session=session, error=None, done=False)


@router.post("/admin/password")
@web.form_post
def change_password(request: Request, form):
    session = web.signed_in(request)
    web.check_csrf(session, form)
    old, new, again = (str(form.get(k) or "") for k in ("old", "new", "again"))
    engine = request.app.state.engine
    error = None
    if new != again:
        error = N_("The two new passwords differ.")
    else:
        try:
            accounts.check_password(new)
        except HubError:
            error = N_("A password is 10 to 200 characters, without spaces at either end.")
    if error is None:
        try:
            accounts.verify_login(engine, session.user, old, web.client_of(request))
        except HubError as exc:
            error = N_("Too many failed attempts: try again later.") if exc.status == 429 \
                else N_("The current password is wrong.")
    if error is not None:
        return web.render(request, "password.html", 422, session=session, error=error, done=False)
    sessions.change_password(engine, session, new)
    return web.render(request, "password.html", session=session, error=None, done=True)
