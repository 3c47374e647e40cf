"""The queue's HTTP API (DESIGN.md, "Lobby queue"): an ASGI app for kiosks, counters and displays.

Every refusal is a JSON body `{"error": CODE, "message": ..., "field": ...}` with a 4xx status;
bodies are capped at MAX_BODY bytes and must be one JSON object. Who may call what is decided by
`tickets.auth` (a kiosk token issues, a counter session calls).
"""
from __future__ import annotations

import asyncio
import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from tickets import help as help_calls
from tickets.auth import Accounts, Principal
from tickets.estimate import snapshot
from tickets.events import Broadcaster
from tickets.issuing import IssueWriter
from tickets.queue import CardSummary, Queue, QueueError
from tickets.stats import day_stats

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
COOKIE = "kiosk_counter"
TICKET_ACTIONS = ("done", "no-show", "transfer", "start", "cancel")


def _error(exc: QueueError) -> JSONResponse:
    body = {"error": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    body.update(exc.detail)
    headers = {"Retry-After": str(exc.detail["retry_after"])} if "retry_after" in exc.detail else None
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _body(request: Request) -> dict:
    """The request's JSON object, or QueueError naming what is wrong with it."""
    declared = request.headers.get("content-length")
    if declared and (not declared.isascii() or not declared.isdigit() or int(declared) > MAX_BODY):
        raise QueueError("too_large", f"request bodies are at most {MAX_BODY} bytes", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise QueueError("too_large", f"request bodies are at most {MAX_BODY} bytes", 413)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise QueueError("bad_json", "the body is not valid JSON", 400) from None
    if not isinstance(data, dict):
        raise QueueError("bad_json", "the body must be a JSON object", 400)
    return data


class _IssueFirst:
    """Answers POST /api/tickets ahead of FastAPI's exception, routing and dependency layers,
    with the same handler the route has: in a rush on a 2-core box those layers cost as much
    CPU as writing the ticket (docs/benchmarks.md, issue 12). Errors other than QueueError still
    reach the server-error layer (a 500, logged). Every other request goes on to the app."""

    def __init__(self, app, issue):
        self.app, self.issue = app, issue

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/api/tickets":
            response = await self.issue(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(queue: Queue, accounts: Accounts, *, pages_dir=None, lifespan_extra=None,
               secure_cookies: bool = False) -> FastAPI:
    broadcaster = Broadcaster(queue.engine)
    queue.listeners.append(broadcaster.poke)
    writer = IssueWriter(queue)

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app):
        await broadcaster.start()
        extra = lifespan_extra(queue) if lifespan_extra else None
        if extra is not None:
            await extra.__aenter__()
        try:
            yield
        finally:
            if extra is not None:
                await extra.__aexit__(None, None, None)
            await broadcaster.stop()
            await asyncio.to_thread(writer.close)

    app = FastAPI(title="lobby-kiosk queue", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.queue, app.state.accounts, app.state.broadcaster = queue, accounts, broadcaster

    @app.exception_handler(QueueError)
    async def _queue_error(_request, exc: QueueError):
        return _error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request, exc: RequestValidationError):
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in err["loc"][1:]) or None
        return _error(QueueError("bad_request", f"{field or 'request'}: {err['msg']}", 422, field))

    def who(request: Request) -> Principal | None:
        return accounts.principal(request.headers.get("authorization"), request.cookies.get(COOKIE))

    def need(request: Request, role: str, changes: bool = True) -> Principal:
        p = who(request)
        if p is None:
            raise QueueError("unauthorized", "sign in (counter) or send the kiosk's bearer token", 401)
        if p.role != role:
            raise QueueError("forbidden", f"a {p.role} may not do this", 403)
        if changes and p.csrf is not None and request.headers.get("x-csrf-token") != p.csrf:
            raise QueueError("csrf", "missing or wrong X-CSRF-Token: reload the page", 403)
        return p

    def at_window(p: Principal, counter: str | None) -> None:
        """A counter user limited to some windows acts only there (`kiosk tickets user add --window`)."""
        allowed = accounts.windows_of(p.user) if p.user else None
        if allowed is not None and counter is not None and counter not in allowed:
            raise QueueError("forbidden_window", f"{p.user} may call at {', '.join(allowed)[:100]} only", 403,
                             "counter")

    def is_staff(request: Request) -> bool:
        p = who(request)
        return p is not None and p.role == "counter"

    # ---- kiosks -------------------------------------------------------------------------

    async def issue(request: Request) -> JSONResponse:
        try:
            need(request, "kiosk")
            body = await _body(request)
            card = CardSummary.from_json(body["id_card"]) if body.get("id_card") is not None else None
            kiosk = body.get("kiosk")
            if kiosk is not None and (not isinstance(kiosk, str) or len(kiosk) > 64):
                raise QueueError("bad_request", "kiosk must be a name of at most 64 characters", 422, "kiosk")
            req = queue.issue_request(body.get("service"), body.get("idempotency_key"), card, kiosk)
            return JSONResponse(await writer.issue(req), status_code=201)
        except QueueError as exc:
            return _error(exc)

    app.post("/api/tickets", status_code=201)(issue)  # listed with the others; _IssueFirst answers it
    app.add_middleware(_IssueFirst, issue=issue)

    @app.post("/api/tickets/{ticket_id}/printed")
    async def printed(ticket_id: str, request: Request):
        need(request, "kiosk")
        return await run_in_threadpool(queue.mark_printed, ticket_id)

    @app.post("/api/help", status_code=201)
    async def help_request(request: Request):
        need(request, "kiosk")
        body = await _body(request)
        return await run_in_threadpool(help_calls.call_for_help, queue, body.get("terminal"), body.get("screen"))

    # ---- anyone -------------------------------------------------------------------------

    @app.get("/api/tickets/{ticket_id}")
    async def get_ticket(ticket_id: str, request: Request):
        ticket = await run_in_threadpool(queue.get, ticket_id)
        if not is_staff(request):
            ticket.pop("name_masked", None)
        return ticket

    @app.get("/api/queue")
    async def get_queue(request: Request):
        return await run_in_threadpool(snapshot, queue, is_staff(request))

    @app.get("/api/events")
    async def events(request: Request, last_event_id: int | None = None):
        header = request.headers.get("last-event-id")
        if header is not None:
            if not header.isascii() or not header.isdigit() or len(header) > 18:
                raise QueueError("bad_request", "Last-Event-ID must be an event id", 400, "Last-Event-ID")
            last_event_id = int(header)
        stream = broadcaster.stream(last_event_id, is_staff(request), request.is_disconnected)
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/healthz")
    async def health():
        return {"ok": True, "services": list(queue.services)}

    # ---- counters -----------------------------------------------------------------------

    @app.post("/api/login")
    async def login(request: Request):
        body = await _body(request)
        token, csrf = await run_in_threadpool(accounts.login, body.get("user"), body.get("password"))
        resp = JSONResponse({"user": body["user"], "csrf": csrf, "windows": accounts.windows_of(body["user"])})
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies, path="/")
        return resp

    @app.post("/api/logout")
    async def logout(request: Request):
        token = request.cookies.get(COOKIE)
        if token:
            await run_in_threadpool(accounts.logout, token)
        resp = JSONResponse({"ok": True})
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @app.get("/api/me")
    async def me(request: Request):
        p = need(request, "counter", changes=False)
        return {"user": p.user, "csrf": p.csrf, "windows": accounts.windows_of(p.user)}

    @app.get("/api/counters/{counter}/last-done")
    async def last_done(counter: str, request: Request):
        need(request, "counter", changes=False)
        ticket = await run_in_threadpool(queue.last_finished, counter)
        return {"ticket": ticket, "now": queue.clock.now().isoformat(timespec="seconds")}

    @app.post("/api/counters/{counter}/{action}")
    async def counter_action(counter: str, action: str, request: Request):
        p = need(request, "counter")
        at_window(p, counter)
        if action == "call-next":
            ticket = await run_in_threadpool(queue.call_next, counter, p.user)
            return {"ticket": ticket}
        if action == "recall":
            return {"ticket": await run_in_threadpool(queue.recall, counter)}
        if action in ("pause", "resume"):
            return await run_in_threadpool(queue.pause, counter, action == "pause", p.user)
        raise QueueError("not_found", f"unknown counter action {action[:20]!r}", 404)

    @app.post("/api/tickets/{ticket_id}/{action}")
    async def ticket_action(ticket_id: str, action: str, request: Request):
        if action == "rating":
            p = who(request)
            if p is None:
                raise QueueError("unauthorized", "sign in (counter) or send the kiosk's bearer token", 401)
            if p.csrf is not None and request.headers.get("x-csrf-token") != p.csrf:
                raise QueueError("csrf", "missing or wrong X-CSRF-Token: reload the page", 403)
            body = await _body(request)
            return await run_in_threadpool(queue.rate, ticket_id, body.get("level"), body.get("reason"))
        if action not in TICKET_ACTIONS:
            raise QueueError("not_found", f"unknown ticket action {action[:20]!r}", 404)
        p = need(request, "counter")
        at_window(p, (await run_in_threadpool(queue.get, ticket_id)).get("counter"))
        body = await _body(request)
        return await run_in_threadpool(queue.act, ticket_id, action, None, body.get("service"))

    @app.get("/api/stats")
    async def stats(request: Request, date: str | None = None):
        need(request, "counter", changes=False)
        day = date or await run_in_threadpool(queue.today)
        if len(day) != 10 or not day.replace("-", "").isdigit():
            raise QueueError("bad_request", "date must be YYYY-MM-DD", 422, "date")
        return await run_in_threadpool(day_stats, queue, day)

    @app.get("/api/help")
    async def open_help(request: Request):
        need(request, "counter", changes=False)
        return {"calls": await run_in_threadpool(help_calls.open_calls, queue)}

    @app.post("/api/help/{help_id}/take")
    async def take_help(help_id: int, request: Request):
        p = need(request, "counter")
        return await run_in_threadpool(help_calls.take, queue, help_id, p.user)

    if pages_dir is not None:
        from tickets.pages import mount_pages

        mount_pages(app, pages_dir)
    return app
