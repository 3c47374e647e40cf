"""The hub's HTTP app: `GET /healthz`, the staff API (`/api/staff/...`) and the terminal wire
(`/api/v1/...`); the endpoints themselves are in the `hub.routes_*` modules.

Every refusal is a JSON body `{"error": CODE, "message": ..., "field": ...}` with its status,
unknown paths included; no exception text reaches a client (the log gets the traceback). Staff
authenticate with `Authorization: Bearer <token>` from `kiosk-hub token --user U`. Handlers that
touch the database are plain functions: FastAPI runs them in its thread pool, off the event loop.
"""
from __future__ import annotations

import logging

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import (
    db, migrate, routes_audit, routes_compliance, routes_files, routes_items, routes_preview, routes_terminals,
    routes_wire,
)
from hub.admin import web as admin_web
from hub.blobstore import BlobStore
from hub.errors import HubError
from hub.http import current_staff
from hub.notify import Waiters, Watcher, follow_local_commits
from hub.perms import Staff
from hub.settings import HubSettings
from hub.wire_cache import WireCache

log = logging.getLogger(__name__)


def _error(exc: HubError, headers: dict | None = None) -> JSONResponse:
    body = {"error": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=exc.status, headers={**(exc.headers or {}), **(headers or {})} or None)


def create_app(settings: HubSettings) -> FastAPI:
    engine = db.make_engine(settings.database)
    head = migrate.head()

    from contextlib import asynccontextmanager

    wire, waiters = WireCache(engine), Waiters()
    watcher = Watcher(engine, wire, waiters)
    follow_local_commits(engine, wire)

    @asynccontextmanager
    async def lifespan(_app):
        await watcher.start()  # follows hub_events: wire caches and long-poll wake-ups (hub.notify)
        try:
            yield
        finally:
            await watcher.stop()
            engine.dispose()

    app = FastAPI(title="lobby-kiosk hub", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.settings = settings
    app.state.blobs = BlobStore(settings.blobs_dir)
    app.state.wire, app.state.waiters = wire, waiters
    app.add_middleware(routes_wire.NotModified, wire=wire)  # a 304 without FastAPI's routing

    @app.exception_handler(HubError)
    async def _hub_error(_request, exc: HubError):
        return _error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {404: "no such endpoint", 405: "method not allowed here"}.get(exc.status_code, "request refused")
        return _error(HubError(code, message, exc.status_code), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request, exc: RequestValidationError):
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in err["loc"][1:]) or None
        return _error(HubError("bad_request", f"{field or 'request'}: {err['msg']}", 422, field))

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(_request, exc: SQLAlchemyError):
        log.error("database error", exc_info=exc)
        return _error(HubError("unavailable", "the hub's database does not answer: try again shortly", 503))

    @app.get("/healthz")
    def healthz():
        """200 when the database answers at this program's schema; 503 otherwise (for the proxy)."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = migrate.current(engine)
        if revision != head:
            raise HubError("schema", f"the database is at schema {revision}, this program's is {head}", 503)
        return {"status": "ok", "schema": revision}

    @app.get("/api/staff/whoami")
    def whoami(staff: Staff = Depends(current_staff)):
        roles = [{"role": "admin", "node": None}] if staff.admin else []
        roles += [{"role": "editor", "node": n} for n in sorted(staff.editor_of)]
        roles += [{"role": "viewer", "node": n} for n in sorted(staff.viewer_of)]
        return {"user": staff.name, "roles": roles}

    for module in (routes_items, routes_files, routes_terminals, routes_wire, routes_audit, routes_compliance,
                   routes_preview):
        app.include_router(module.router)
    admin_web.mount(app)  # the staff web pages at /admin/ (HTML, signed in with a browser session)

    return app
