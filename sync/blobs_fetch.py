"""Downloading one blob (or item document) of a manifest: `GET /api/v1/blobs/{sha256}`.

The bytes are streamed into `<folder>/.<sha256>.part`, never more than the manifest's `size`;
a transfer cut short keeps the part file and the next attempt asks for the rest with `Range`.
A complete file is hashed: the right sha256 and size make it `<folder>/<sha256>` (fsynced, then
renamed), anything else deletes the part file and is a `BlobRejected` -- the version that lists
it is not built. A full disk (ENOSPC) deletes the part file and is a `DiskFull`.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.structures import CaseInsensitiveDict

from sync.http import CHUNK, UNREACHABLE, Answer, HubHttp, HubProblem

__all__ = ["BlobRejected", "DiskFull", "Fetched", "fetch_blob", "part_path"]

BLOB_TIMEOUT = (5.0, 30.0)
_CONTENT_RANGE = re.compile(r"bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)")


class BlobRejected(Exception):
    """The hub (or something in between) sent bytes that are not the blob the manifest names."""


class DiskFull(Exception):
    """No room for a download; the part file was removed."""


@dataclass
class Fetched:
    path: Path
    received: int   # bytes that came over the wire this time


def part_path(folder: Path, sha256: str) -> Path:
    return Path(folder) / f".{sha256}.part"


def fetch_blob(http: HubHttp, sha256: str, size: int, folder: Path, *, timeout=BLOB_TIMEOUT) -> Fetched:
    """`folder/<sha256>`, downloaded and verified. HubProblem (retry) when the transfer failed or
    was cut short (the part file is kept for a Range request); BlobRejected / DiskFull otherwise."""
    folder = Path(folder)
    part = part_path(folder, sha256)
    try:
        have = os.lstat(part).st_size
    except FileNotFoundError:
        have = 0
    if have > size:
        part.unlink()
        have = 0
    received = 0
    if have < size:
        received = _download(http, sha256, size, part, have, timeout)
    _verify(part, sha256, size)
    final = folder / sha256
    os.replace(part, final)
    return Fetched(final, received)


def _download(http: HubHttp, sha256: str, size: int, part: Path, have: int, timeout) -> int:
    headers = {"Range": f"bytes={have}-"} if have else {}
    url = f"{http.base}/api/v1/blobs/{sha256}"
    received = 0
    try:
        with http.session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False) as resp:
            if resp.status_code == 206 and _range_start(resp.headers.get("Content-Range")) == have:
                mode = "ab"
            elif resp.status_code == 200:
                mode, have = "wb", 0
            else:
                body = resp.raw.read(64 * 1024, decode_content=True) or b""
                raise http.refusal(Answer(resp.status_code, body, CaseInsensitiveDict(resp.headers)))
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if mode == "ab" else os.O_TRUNC),
                         0o644)
            with os.fdopen(fd, mode) as out:
                for chunk in resp.iter_content(CHUNK):
                    if have + received + len(chunk) > size:
                        raise BlobRejected(f"blob {sha256[:12]}…: the hub sent more than the {size} bytes "
                                           "the manifest gives")
                    out.write(chunk)
                    received += len(chunk)
                out.flush()
                os.fsync(out.fileno())
    except BlobRejected:
        part.unlink(missing_ok=True)
        raise
    except requests.RequestException as exc:  # an OSError too: before the ENOSPC clause
        raise HubProblem(f"blob {sha256[:12]}…: the download broke off after {have + received} of {size} bytes "
                         f"({type(exc).__name__}); it resumes next time", code=UNREACHABLE, retry=True) from None
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        part.unlink(missing_ok=True)
        raise DiskFull(f"the disk of {part.parent} is full: blob {sha256[:12]}… ({size} bytes) not stored; "
                       "free some space") from None
    if have + received < size:
        raise HubProblem(f"blob {sha256[:12]}…: the download was cut short at {have + received} of {size} bytes; "
                         "it resumes next time", code=UNREACHABLE, retry=True)
    return received


def _range_start(header: str | None) -> int | None:
    m = _CONTENT_RANGE.fullmatch((header or "").strip())
    return int(m.group(1)) if m else None


def _verify(part: Path, sha256: str, size: int) -> None:
    digest, total = hashlib.sha256(), 0
    with open(part, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            total += len(chunk)
    if total != size or digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise BlobRejected(f"blob {sha256[:12]}…: the bytes received ({total}) do not match the manifest's "
                           f"sha256 and size ({size}): deleted, version rejected")
