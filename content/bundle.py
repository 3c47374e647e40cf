"""The content bundle: a directory (or .tar.gz of one) holding a manifest, item documents and blobs.

Layout (the same shape the hub serves over the wire, see DESIGN.md "Hub <-> terminal wire")::

    manifest.json       {format, version, created_at, centre, items:[{id, kind, sha256, size}],
                         blobs:[{sha256, size, mime}]}
    items/<id>.json     one item document; its sha256/size are listed in the manifest
    blobs/<sha256>      images and page renders, content-addressed

A .tar.gz may hold that layout at its root or inside a single top-level folder.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from content.schemas import ItemBase, dump_item, is_safe_id

BUNDLE_FORMAT = 1
MANIFEST = "manifest.json"


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


class BundleSource:
    """Read access to a bundle directory or .tar.gz, by relative names.

    Names are checked before use: an absolute path or one with `..` is refused, so a hostile
    bundle cannot make us read (or later write) outside it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tar: tarfile.TarFile | None = None
        self._members: dict[str, tarfile.TarInfo] = {}
        self.unsafe_members: list[str] = []
        if self.path.is_dir():
            return
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no such file or directory")
        try:
            self._tar = tarfile.open(self.path, "r:*")
            members = self._tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BundleError(f"{self.path}: not a bundle directory nor a readable .tar.gz ({exc})") from exc
        prefix = _common_prefix([m.name for m in members if m.isfile()])
        for m in members:
            if not _safe_name(m.name) or m.issym() or m.islnk() or m.isdev():
                self.unsafe_members.append(m.name)
                continue
            if m.isfile():
                self._members[m.name[len(prefix):]] = m

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()

    def __enter__(self) -> "BundleSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def size(self, name: str) -> int | None:
        """Size in bytes, or None when the file is missing."""
        _check_name(name)
        if self._tar is None:
            p = self.path / name
            return p.stat().st_size if p.is_file() else None
        m = self._members.get(name)
        return m.size if m else None

    def read(self, name: str, limit: int | None = None) -> bytes:
        """The whole file; BundleError when missing or larger than `limit`."""
        size = self.size(name)
        if size is None:
            raise BundleError(f"{name}: missing")
        if limit is not None and size > limit:
            raise BundleError(f"{name}: {size} bytes, over the limit of {limit}")
        if self._tar is None:
            return (self.path / name).read_bytes()
        fh = self._tar.extractfile(self._members[name])
        assert fh is not None  # a regular member always has a file object
        return fh.read()

    def open_stream(self, name: str) -> io.BufferedIOBase:
        if self._tar is None:
            return open(self.path / name, "rb")
        fh = self._tar.extractfile(self._members[name])
        assert fh is not None
        return fh  # type: ignore[return-value]


class BundleError(Exception):
    """A bundle that cannot be read at all (not a schema problem of one item)."""


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name


def _check_name(name: str) -> None:
    if not _safe_name(name):
        raise BundleError(f"unsafe name {name!r}")


def _common_prefix(names: list[str]) -> str:
    """'root/' when every file sits in one top-level folder (a tarred directory), else ''."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def item_name(item_id: str) -> str:
    if not is_safe_id(item_id):
        raise BundleError(f"unsafe item id {item_id!r}")
    return f"items/{item_id}.json"


def blob_name(sha: str) -> str:
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise BundleError(f"unsafe blob name {sha!r}")
    return f"blobs/{sha}"
