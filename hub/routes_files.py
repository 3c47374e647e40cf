"""Staff files: `POST /api/staff/files` (one image or PDF, multipart field `file`) and
`GET /api/staff/files/{sha256}` (DESIGN.md, "Staff API").

The upload is read as it arrives and never beyond its limit: a Content-Length above the largest
allowed body is refused before a byte is read, and the body is counted while it streams -- the
first bytes of the file decide its kind (`uploads.sniff`), and with it the limit (MAX_IMAGE_BYTES
or MAX_PDF_BYTES) past which the answer is 413 at once. The multipart body is parsed here with
python-multipart's streaming parser (Starlette's form parser would spool any size to a temp
file first); the file goes to a temp file in the blob folder, removed whatever happens (and swept
by `BlobStore.sweep_temp` after a crash). Only the bytes we re-encode -- or, for a PDF, the PDF and
its page renders -- are stored, named by their hash; the client's file name and content type are
ignored.

The handler is `async` because it waits for the body; the processing and the database work run in
the thread pool.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from content.schemas import is_sha256
from hub import audit, blobstore, db, uploads
from hub.blobstore import BlobStore, TooLarge
from hub.errors import HubError
from hub.http import current_staff
from hub.perms import Staff

FORM_OVERHEAD = 64 * 1024                         # boundaries, part headers and small fields
MAX_BODY = uploads.MAX_PDF_BYTES + FORM_OVERHEAD  # refused on its Content-Length alone
MAX_PARTS = 8
SMALL_FIELD = 1024                                 # bytes of a form field other than the file (a CSRF token)
SNIFF_BYTES = 16
PDF_MIME = "application/pdf"

router = APIRouter()


def _bad(message: str) -> HubError:
    return HubError("bad_upload", message, 422, "file")


class _FileField:
    """python-multipart callbacks: the part named `file` goes to `out` (hashed, counted and
    limited as it comes); other fields are kept in `fields` (name -> text) up to SMALL_FIELD bytes."""

    def __init__(self, out: BinaryIO):
        self.out, self.size, self.kind, self.head = out, 0, None, b""
        self.digest = hashlib.sha256()
        self.parts = self.files = 0
        self.header_field = self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = self.ended = False
        self.name = b""
        self.fields: dict[str, str] = {}
        self._small: dict[bytes, bytes] = {}

    def callbacks(self) -> dict:
        return {"on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end, "on_end": self._end}

    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _bad(f"more than {MAX_PARTS} form fields")
        self.headers, self.in_file = {}, False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field = self.header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition"))
        self.name = options.get(b"name", b"")
        self.in_file = self.name == b"file"
        self.files += self.in_file
        if self.files > 1:
            raise _bad("one file per upload")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file:
            value = self._small.get(self.name, b"") + data[start:end]
            if len(value) > SMALL_FIELD:
                raise _bad(f"a form field other than file is longer than {SMALL_FIELD} bytes")
            self._small[self.name] = value
            return
        chunk = data[start:end]
        if self.kind is None:
            self.head += chunk[:SNIFF_BYTES]
            if len(self.head) >= SNIFF_BYTES:
                self._decide()
        self.size += len(chunk)
        if self.size > uploads.limit_for(self.kind):
            raise TooLarge(uploads.limit_for(self.kind))
        self.digest.update(chunk)
        self.out.write(chunk)

    def _decide(self) -> None:
        self.kind = uploads.sniff(self.head)
        if self.kind is None:
            raise uploads.unsupported() if self.head else _bad("the file is empty")

    def _part_end(self) -> None:
        if self.in_file and self.kind is None:
            self._decide()

    def _end(self) -> None:
        self.ended = True
        self.fields = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in self._small.items()}


def _boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary", b"")
    if kind != b"multipart/form-data" or not 1 <= len(boundary) <= 200:
        raise HubError("unsupported_type", "send multipart/form-data with one file field: file", 415)
    return boundary


def _check_length(value: str | None) -> None:
    if value is None:
        return  # chunked: counted as it streams
    if not value.isdigit():
        raise HubError("bad_request", "Content-Length is not a number", 400)
    if int(value) > MAX_BODY:
        raise TooLarge(uploads.MAX_PDF_BYTES)


async def _receive(request: Request, boundary: bytes, out: BinaryIO) -> _FileField:
    field = _FileField(out)
    parser = MultipartParser(boundary, field.callbacks())
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > MAX_BODY:
                raise TooLarge(uploads.MAX_PDF_BYTES)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise _bad("the multipart body is malformed") from None
    if not field.files:
        raise _bad("no file: send it in the form field named file")
    if not field.ended:
        raise _bad("the upload was cut short")
    return field


@router.post("/api/staff/files")
async def upload_file(request: Request):
    """An image or PDF -> {sha256, mime, size, width, height} or {sha256, mime, size, pages}."""
    tmp = None
    try:
        staff = await run_in_threadpool(current_staff, request)  # here, not a dependency: see below
        if not (staff.admin or staff.editor_of):
            raise HubError("forbidden", "uploading files needs the editor or admin role", 403)
        tmp, field = await receive(request)
    except HubError as exc:  # answered closing the connection (see receive)
        exc.headers = {**(exc.headers or {}), "Connection": "close"}
        raise
    try:
        return await run_in_threadpool(store, request.app.state, staff.name, Path(tmp), field)
    finally:
        _remove(tmp)


async def receive(request: Request) -> tuple[str, _FileField]:
    """The request's multipart body read into a temp file in the blob folder (its path, and the
    parsed field with kind, size, digest and the small fields). The caller removes the file; on a
    HubError (malformed, too large, unsupported) nothing is left behind."""
    blobs: BlobStore = request.app.state.blobs
    tmp = None
    try:
        boundary = _boundary(request.headers.get("content-type"))
        _check_length(request.headers.get("content-length"))
        blobs.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-upload-", dir=blobs.root)
        with os.fdopen(fd, "wb") as out:
            field = await _receive(request, boundary, out)
    except HubError as exc:
        _remove(tmp)
        # answered closing the connection: the rest of the body is then never read (uvicorn would
        # otherwise read and drop it to keep the connection, and the client would send all of it)
        exc.headers = {**(exc.headers or {}), "Connection": "close"}
        raise
    except BaseException:
        _remove(tmp)
        raise
    return tmp, field


def _remove(path: str | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def store(state, actor: str, path: Path, field: _FileField) -> dict:
    """The received file re-encoded (an image) or rendered (a PDF), stored, recorded and audited."""
    blobs: BlobStore = state.blobs
    if field.kind == "image":
        image = uploads.prepare_image(path)
        sha = blobs.put_bytes(image.data)
        rows = [(sha, len(image.data), image.mime, None)]
        result = {"sha256": sha, "mime": image.mime, "size": len(image.data),
                  "width": image.width, "height": image.height}
    else:
        pages, page_rows = _pages(state, path, field.digest.hexdigest())
        with open(path, "rb") as fh:
            sha, size = blobs.put_stream(fh, uploads.MAX_PDF_BYTES)
        rows = [*page_rows, (sha, size, PDF_MIME, pages)]
        result = {"sha256": sha, "mime": PDF_MIME, "size": size, "pages": pages}
    with state.engine.begin() as conn:
        for row in rows:  # (sha256, size, mime, pages)
            blobstore.record(conn, *row[:3], actor, row[3])
        after = {k: result[k] for k in ("sha256", "mime", "size")}
        after.update({"pages": len(result["pages"])} if "pages" in result else
                     {"width": result["width"], "height": result["height"]})
        audit.record(conn, actor, "file.upload", f"blob:{result['sha256']}", None, after)
    return result


def _pages(state, path: Path, sha: str) -> tuple[list[str], list[tuple]]:
    """The PDF's page images, stored: rendered now, or those of the same PDF uploaded before."""
    blobs: BlobStore = state.blobs
    with state.engine.connect() as conn:
        known = conn.execute(select(db.blobs.c.pages).where(db.blobs.c.sha256 == sha)).scalar()
    if known and all(blobs.has(p) for p in known):
        return known, []
    pages, rows = [], []
    with uploads.render_pdf(path) as rendered:  # the render process ends here, whatever happens
        for page in rendered:
            pages.append(blobs.put_bytes(page.data))
            rows.append((pages[-1], len(page.data), page.mime, None))
    if len(pages) != rendered.count:
        raise HubError("pdf_unreadable", "the PDF could not be rendered completely", 422, "file")
    return pages, rows


@router.get("/api/staff/files/{sha256}")
def get_file(sha256: str, request: Request, staff: Staff = Depends(current_staff)):
    """A stored file's bytes with its type, for any signed-in staff member (previews)."""
    return file_response(request, sha256)


def file_response(request: Request, sha256: str) -> FileResponse:
    """A stored file (by its hash) with its type; HubError 404 when there is none."""
    blobs: BlobStore = request.app.state.blobs
    mime = None
    if is_sha256(sha256):
        with request.app.state.engine.connect() as conn:
            mime = conn.execute(select(db.blobs.c.mime).where(db.blobs.c.sha256 == sha256)).scalar()
    if mime is None or not blobs.has(sha256):
        raise HubError("not_found", "no such file", 404)
    headers = {"Cache-Control": "private, max-age=31536000, immutable",  # named by its hash: never changes
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'"}
    if mime == PDF_MIME:  # a PDF is saved, not opened in the browser (its pages are the previews)
        headers["Content-Disposition"] = f'attachment; filename="{sha256}.pdf"'
    return FileResponse(blobs.path(sha256), media_type=mime, headers=headers)
