"""Files in the staff pages: `POST /admin/files` (an image or PDF from an edit form's upload field,
sent by static/upload.js with the session's CSRF token as a form field) and `GET /admin/files/{sha}`
(a stored file or page render, for the forms' previews; any signed-in staff member).

The upload is the staff API's (hub.routes_files): streamed, sniffed, limited while it arrives,
re-encoded or rendered, stored by hash and audited. The answer is JSON for the script:
`{sha256, mime, size, width, height, url}` for an image, `{sha256, mime, size, pages: [sha...],
page_urls: [...]}` for a PDF, or `{message}` (Chinese, for staff) with a 4xx status. An upload has
no effect on any item until the form that holds its hash is saved."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from content.i18n import N_
from hub import routes_files
from hub.admin import sessions, web
from hub.errors import HubError

router = APIRouter()

MESSAGES = {  # HubError status -> what staff read
    401: N_("You are signed out. Sign in again in another tab, then upload again."),
    403: N_("You may not upload files."),
    413: N_("The file is too large: images up to 20 MB, PDF files up to 50 MB."),
    415: N_("Only images (JPEG, PNG, WebP, GIF) and PDF files can be uploaded."),
    422: N_("The file is damaged or incomplete and could not be read."),
}
CSRF_EXPIRED = N_("This form has expired. Reload the page and try again.")


def file_url(sha: str) -> str:
    return f"/admin/files/{sha}"


def _answer(request: Request, status: int, msgid: str) -> JSONResponse:
    """A refusal for the script, closing the connection so an unread body is not read on."""
    text = request.app.state.admin_translations.gettext(msgid)
    return JSONResponse({"message": text}, status_code=status, headers={"Connection": "close"})


@router.post("/admin/files")
async def upload(request: Request):
    session = await run_in_threadpool(web.session_of, request)
    if session is None:
        return _answer(request, 401, MESSAGES[401])
    staff = await run_in_threadpool(web.staff_of, request, session)
    if not (staff.admin or staff.editor_of):
        return _answer(request, 403, MESSAGES[403])
    try:
        tmp, field = await routes_files.receive(request)
    except HubError as exc:
        return _answer(request, exc.status, MESSAGES.get(exc.status, MESSAGES[422]))
    try:
        try:
            web.check_csrf(session, field.fields)
        except web.PageError:
            return _answer(request, 403, CSRF_EXPIRED)
        try:
            result = await run_in_threadpool(routes_files.store, request.app.state, staff.name, Path(tmp), field)
        except HubError as exc:
            return _answer(request, exc.status, MESSAGES.get(exc.status, MESSAGES[422]))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    result["url"] = file_url(result["sha256"])
    if "pages" in result:
        result["page_urls"] = [file_url(p) for p in result["pages"]]
    return JSONResponse(result)


@router.get("/admin/files/{sha256}")
def stored_file(sha256: str, request: Request, _session: sessions.Session = Depends(web.signed_in)):
    try:
        return routes_files.file_response(request, sha256)
    except HubError as exc:
        raise web.page_error(exc) from None
