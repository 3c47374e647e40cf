"""The frame of the staff web pages: the Jinja2 environment (autoescape everywhere, gettext
catalogs), the signed-in session of a request, CSRF checks, error pages, and `mount(app)`.

Words staff read are English msgids translated from the gettext domains in DOMAINS (hub/locale/
zh_CN/LC_MESSAGES/<domain>.mo), chained in order as fallbacks so any page can use any domain's
words. Recompile after editing a .po (babel is a test dependency)::

    .venv/bin/pybabel compile -D hub_admin -d hub/locale -l zh_CN
"""
from __future__ import annotations

import datetime as dt
import gettext
import inspect
import secrets
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from content.i18n import N_, load_catalog
from hub import items, perms
from hub.admin import sessions
from hub.errors import HubError

HERE = Path(__file__).resolve().parent
LOCALE_DIR = HERE.parent / "locale"
LOCALE = "zh_CN"
NAV = [("/admin/items", N_("Content")), ("/admin/terminals", N_("Terminals")),
       ("/admin/compliance", N_("Disclosure day")), ("/admin/audit", N_("Audit")),
       ("/admin/users", N_("Users"))]  # (path, msgid) of the header's links
ADMIN_ONLY = {"/admin/audit", "/admin/users"}  # links shown to admins only (the pages answer 403 to others)
SHOWN_ZONE = ZoneInfo("Asia/Shanghai")  # times are stored in UTC and shown in China's time
DOMAINS = ["hub_admin", "hub_admin_compliance", "hub_admin_fleet", "hub_admin_users",
           "hub_admin_preview", "hub_admin_guide", "hub_admin_files", "hub_admin_notice",
           "hub_admin_disclosure", "hub_admin_centre"]  # the pages' catalogs; the first that knows a msgid wins
NO_PAGE = {404: N_("There is no such page here."), 405: N_("This page does not take this kind of request.")}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def translations(locale: str = LOCALE) -> gettext.NullTranslations:
    """DOMAINS' catalogs chained; a missing one stops the app rather than showing English."""
    first = None
    for domain in DOMAINS:
        catalog = load_catalog(domain, LOCALE_DIR, locale)
        if first is None:
            first = catalog
        else:
            first.add_fallback(catalog)
    return first or gettext.NullTranslations()


def environment(locale: str = LOCALE) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined)
    env.install_gettext_translations(translations(locale), newstyle=True)
    env.filters["when"] = shown_time
    return env


def shown_time(value: str | None) -> str:
    """An ISO time (UTC) as `2026-12-02 15:30` in China's time; '' for None."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(SHOWN_ZONE).strftime("%Y-%m-%d %H:%M")


class PageError(Exception):
    """Shown as the error page with its status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class SignInNeeded(Exception):
    def __init__(self, next_url: str):
        super().__init__(next_url)
        self.next_url = next_url


def form_post(fn):
    """A POST handler `fn(request, form)` (plain, run in the thread pool) as FastAPI's endpoint:
    the form is read first, on the event loop, since reading it awaits the body."""
    async def endpoint(request: Request):
        form = await request.form()
        return await run_in_threadpool(fn, request, form)

    endpoint.__name__ = fn.__name__
    endpoint.__doc__ = fn.__doc__
    return endpoint


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def session_of(request: Request) -> sessions.Session | None:
    return sessions.find(request.app.state.engine, request.cookies.get(sessions.COOKIE))


def signed_in(request: Request) -> sessions.Session:
    """The request's session; otherwise a redirect to the sign-in page (FastAPI dependency)."""
    found = session_of(request)
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target if request.method == "GET" else "/admin/items")  # a form's POST is not replayed
    return found


def staff_of(request: Request, session: sessions.Session) -> perms.Staff:
    return perms.staff_named(request.app.state.engine, session.user)


def signed_form(request: Request, form) -> tuple[sessions.Session, perms.Staff]:
    """A POSTed form's session (else the sign-in page) with a right CSRF token (else 403), and its staff."""
    session = signed_in(request)
    check_csrf(session, form)
    return session, staff_of(request, session)


def check_csrf(session: sessions.Session | None, form) -> None:
    """403 unless the form's csrf field is the session's token."""
    sent = form.get("csrf") if form is not None else None
    if session is None or not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf):
        raise PageError(403, N_("This form has expired. Reload the page and try again."))


def render(request: Request, template: str, status: int = 200, session: sessions.Session | None = None,
           **context) -> HTMLResponse:
    env = request.app.state.admin_env
    try:
        is_admin = session is not None and perms.staff_named(request.app.state.engine, session.user).admin
    except Exception:  # noqa: BLE001  (an error page must render even when the database does not answer)
        is_admin = False
    links = [(href, label) for href, label in NAV if is_admin or href not in ADMIN_ONLY]
    html = env.get_template(template).render(session=session, request=request, path=request.url.path,
                                             nav_links=links, **context)
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store"})


def page_number(value: str | None) -> int:
    """A list's `page` parameter as 1 to 10,000 (anything else: 1)."""
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


def set_cookie(request: Request, response, raw: str) -> None:
    secure = request.url.scheme == "https"  # uvicorn's proxy_headers make it https behind a local proxy
    response.set_cookie(sessions.COOKIE, raw, max_age=int(sessions.ABSOLUTE.total_seconds()), path="/admin",
                        httponly=True, samesite="lax", secure=secure)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None) -> str:
    """Only a path of these pages: never another site."""
    if isinstance(value, str) and value.startswith("/admin/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin/items"


def mount(app) -> None:
    """The pages, their static files and their error pages on the hub's app."""
    from hub.admin import (
        pages_audit, pages_auth, pages_compliance, pages_edit, pages_files, pages_guide, pages_items, pages_preview,
        pages_terminals, pages_users,
    )
    from hub.admin import pages_centre, pages_disclosure, pages_publish, pages_slide, pages_ticket_service

    app.state.admin_env = environment()
    app.state.admin_translations = translations()  # for words outside templates (JSON answers)
    app.mount("/admin/static", StaticFiles(directory=HERE / "static"), name="admin-static")
    app.include_router(pages_auth.router)
    app.include_router(pages_items.router)
    app.include_router(pages_edit.router)
    app.include_router(pages_compliance.router)
    app.include_router(pages_terminals.router)
    app.include_router(pages_audit.router)
    app.include_router(pages_users.router)
    app.include_router(pages_guide.router)
    app.include_router(pages_preview.router)
    app.include_router(pages_files.router)
    app.include_router(pages_slide.router)
    app.include_router(pages_publish.router)
    app.include_router(pages_disclosure.router)
    app.include_router(pages_centre.router)
    app.include_router(pages_ticket_service.router)
    pages_preview.install(app.state.admin_env)
    pages_publish.install(app.state.admin_env)

    @app.exception_handler(PageError)
    def _page_error(request: Request, exc: PageError):
        return render(request, "error.html", exc.status, session_of_safe(request), message=exc.message)

    @app.exception_handler(SignInNeeded)
    def _sign_in(_request: Request, exc: SignInNeeded):
        return redirect("/admin/login?next=" + quote(exc.next_url, safe="/"))

    api_answer = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    @app.exception_handler(StarletteHTTPException)
    async def _no_such_page(request: Request, exc: StarletteHTTPException):
        """An unknown /admin path (404) or method (405) is the error page; elsewhere the API's answer."""
        path = request.url.path
        if exc.status_code in NO_PAGE and (path == "/admin" or path.startswith("/admin/")):
            return await run_in_threadpool(_no_page, request, exc)
        answer = api_answer(request, exc)
        return await answer if inspect.isawaitable(answer) else answer


def _no_page(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
    page = render(request, "error.html", exc.status_code, session_of_safe(request), message=NO_PAGE[exc.status_code])
    page.headers.update(exc.headers or {})  # a 405's Allow
    return page


def session_of_safe(request: Request) -> sessions.Session | None:
    try:
        return session_of(request)
    except Exception:  # noqa: BLE001  (an error page must render even when the database does not answer)
        return None


def field_of(exc: HubError) -> str:
    """The form field a refusal names: the document-wide check of the two times is the expiry's;
    "(document)" when it names none."""
    if exc.field == "(document)" and "expire_at" in exc.message:
        return "expire_at"
    return exc.field or "(document)"


def save_draft(request: Request, staff: perms.Staff, item_id: str, doc: dict) -> str | None:
    """Replace the item's draft with `doc` (hub.items.replace_draft: its checks, rights, audit).
    None when saved; when the document is refused (422), the field to mark as the form comes back;
    any other refusal (404, 403, 409) is raised as its error page."""
    try:
        with request.app.state.engine.begin() as conn:
            items.replace_draft(conn, staff, item_id, doc)
    except HubError as exc:
        if exc.status != 422:
            raise page_error(exc) from None
        return field_of(exc)
    return None


def page_error(exc: HubError) -> PageError:
    """A HubError from the API's functions as a page: 404 / 403 / 409 / 422 with a staff message."""
    messages = {404: N_("Not found, or not yours to see."), 403: N_("You may read this but not change it."),
                409: N_("This could not be done now."), 422: N_("Something in the form is not right.")}
    return PageError(exc.status, messages.get(exc.status, N_("The request was refused.")))
