"""The hub's HTTP app: `GET /healthz` and the staff API's first endpoint, `GET /api/staff/whoami`.

Every refusal is a JSON body `{"error": CODE, "message": ..., "field": ...}` with its status,
unknown paths included; no exception text reaches a client (the log gets the traceback). Staff
authenticate with `Authorization: Bearer <token>` from `kiosk-hub token --user U`. Handlers that
touch the database are plain functions: FastAPI runs them in its thread pool, off the event loop.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import accounts, db, migrate
from hub.errors import HubError
from hub.settings import HubSettings

log = logging.getLogger(__name__)


def _error(exc: HubError, headers: dict | None = None) -> JSONResponse:
    body = {"error": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _bearer(request: Request) -> str | None:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def create_app(settings: HubSettings) -> FastAPI:
    engine = db.make_engine(settings.database)
    head = migrate.head()

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app):
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="lobby-kiosk hub", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine

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
    def whoami(request: Request):
        token = _bearer(request)
        name = accounts.user_for_token(engine, token) if token else None
        if name is None:
            raise HubError("unauthorized", "send Authorization: Bearer <token> from kiosk-hub token --user U", 401)
        return {"user": name, "roles": [{"role": r, "node": n} for r, n in accounts.roles_of(engine, name)]}

    return app
