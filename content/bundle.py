"""The content bundle: a directory (or .tar.gz of one) holding a manifest, item documents and blobs.

Layout (the same shape the hub serves over the wire, see DESIGN.md "Hub <-> terminal wire")::

    manifest.json       {format, version, created_at, centre, items:[{id, kind, sha256, size}],
                         blobs:[{sha256, size, mime}]}
    items/<id>.json     one item document; its sha256/size are listed in the manifest
    blobs/<sha256>      images and page renders, content-addressed

A .tar.gz may hold that layout at its root or inside a single top-level folder. Reading a bundle
(content.source for directories, content.archive for .tar.gz) is bounded by `Limits`: a hostile
bundle is refused by rule, early, in bounded time and memory.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Protocol
from pathlib import Path

from content.schemas import ItemBase, dump_item, is_safe_id, is_sha256

BUNDLE_FORMAT = 1
_CONTROL_OR_BACKSLASH = re.compile(r"[\x00-\x1f\x7f\\]")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold. Everything past a limit is refused, never truncated.

    The defaults are far above a real centre's content (the demo: 72 items, 113 KB of item
    documents; 5,000 generated guides: 4 MB of documents, a 0.7 MB manifest) and low enough that
    checking the worst bundle takes seconds and tens of MB on a terminal (docs/content.md).
    """

    max_item_bytes: int = 1 << 20  # one item document: text, 1 MiB is far beyond any real one
    max_blob_bytes: int = 50 << 20  # one page render or photo
    max_manifest_bytes: int = 8 << 20
    max_docs_bytes: int = 64 << 20  # manifest and item documents together (they are held in memory)
    max_total_bytes: int = 1 << 30  # everything: a .tar.gz unpacked, or the files a manifest lists
    max_entries: int = 20_000  # manifest items + blobs
    max_headers: int = 50_000  # tar headers (a member with a pax header counts twice)
    max_header_bytes: int = 8 << 10  # one pax, GNU long-name or long-link header
    max_name_chars: int = 255  # one archive member's path
    max_json_depth: int = 64
    max_int_digits: int = 18  # any JSON integer; keeps every value inside SQLite's 64-bit INTEGER


class BundleError(Exception):
    """A bundle, or one file in it, that cannot be read; `where` names the place for the report."""

    def __init__(self, message: str, where: str = "bundle"):
        super().__init__(message)
        self.where = where


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_file_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write via a temp file in the same folder, fsync, then os.replace (never a torn file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class BundleWriter:
    """Collects items and blobs, then writes a bundle directory."""

    centre: str = "demo-centre"
    items: list[ItemBase] = field(default_factory=list)
    blobs: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def add_blob(self, data: bytes, mime: str) -> str:
        sha = sha256_bytes(data)
        self.blobs[sha] = (data, mime)
        return sha

    def add_item(self, item: ItemBase) -> ItemBase:
        if any(i.id == item.id for i in self.items):
            raise ValueError(f"duplicate item id {item.id!r}")
        self.items.append(item)
        return item

    def manifest(self, version: str | None = None, created_at: dt.datetime | None = None) -> dict:
        docs = {item.id: dump_item(item) for item in self.items}
        created_at = created_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        body = {
            "format": BUNDLE_FORMAT,
            "centre": self.centre,
            "created_at": created_at.isoformat(),
            "items": [
                {"id": item.id, "kind": item.kind, "sha256": sha256_bytes(docs[item.id]), "size": len(docs[item.id])}
                for item in self.items
            ],
            "blobs": [{"sha256": sha, "size": len(data), "mime": mime} for sha, (data, mime) in sorted(self.blobs.items())],
        }
        # the version names the content, so the same content gives the same version
        body["version"] = version or sha256_bytes(json.dumps(body["items"] + body["blobs"], sort_keys=True).encode())[:16]
        return body

    def write_dir(self, out: Path, version: str | None = None, created_at: dt.datetime | None = None) -> dict:
        out = Path(out)
        (out / "items").mkdir(parents=True, exist_ok=True)
        (out / "blobs").mkdir(parents=True, exist_ok=True)
        for item in self.items:
            (out / "items" / f"{item.id}.json").write_bytes(dump_item(item))
        for sha, (data, _mime) in self.blobs.items():
            (out / "blobs" / sha).write_bytes(data)
        manifest = self.manifest(version, created_at)
        (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return manifest


class Reader(Protocol):
    def read(self, n: int) -> bytes: ...


def file_kind(mode: int) -> str:
    """'a FIFO', 'a device', … for messages about files that are not regular files."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(name: str | Path, dir_fd: int | None = None, follow: bool = False,
                 label: str | None = None) -> tuple[int, os.stat_result]:
    """Open a regular file for reading; BundleError for anything else, which is never opened.

    The stat comes first, so a FIFO or a device is refused without the open that could block or
    reach hardware; O_NONBLOCK and the fstat afterwards cover a file swapped in between.
    """
    label = label or str(name)
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=follow)
    if not stat.S_ISREG(st.st_mode):
        raise BundleError(f"{label} is {file_kind(st.st_mode)}, not a regular file: refused")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(name, flags, dir_fd=dir_fd)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise BundleError(f"{label} is {file_kind(st.st_mode)}, not a regular file: refused")
    return fd, st


class OpenBundle:
    """A bundle source owns one open descriptor (its folder or its file) until close()."""

    _fd = -1
    problems: list[tuple[str, str]]  # (where, message) found while opening, e.g. refused archive members

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class FdReader:
    """Reads exactly `size` bytes of an open file; BundleError when the file grew or shrank."""

    def __init__(self, fd: int, size: int, name: str):
        self.fd, self.left, self.name = fd, size, name

    def read(self, n: int) -> bytes:
        if self.left == 0:
            if os.read(self.fd, 1):
                raise BundleError(f"{self.name} changed while it was read")
            return b""
        data = os.read(self.fd, min(n, self.left))
        if not data:
            raise BundleError(f"{self.name} changed while it was read")
        self.left -= len(data)
        return data


def read_all(reader: Reader, size: int) -> bytes:
    """All `size` bytes of a reader (which itself refuses more or fewer)."""
    parts = []
    while chunk := reader.read(1 << 20):
        parts.append(chunk)
    data = b"".join(parts)
    if len(data) != size:
        raise BundleError(f"read {len(data)} bytes where {size} were expected")
    return data


def hash_reader(reader: Reader) -> str:
    digest = hashlib.sha256()
    while chunk := reader.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def item_name(item_id: str) -> str:
    if not is_safe_id(item_id):
        raise BundleError(f"unsafe item id {item_id!r}")
    return f"items/{item_id}.json"


def blob_name(sha: str) -> str:
    if not is_sha256(sha):
        raise BundleError(f"unsafe blob name {sha!r}")
    return f"blobs/{sha}"


def unsafe_path_reason(name: str, max_chars: int) -> str | None:
    """Why a relative path from a bundle may not be used, or None when it is safe."""
    if not name:
        return "empty name"
    if len(name) > max_chars:
        return f"name longer than {max_chars} characters"
    if _CONTROL_OR_BACKSLASH.search(name):
        return "unsafe name (control character or backslash)"
    if name.startswith("/") or ".." in name.split("/"):
        return "unsafe name (absolute, or with '..')"
    return None
