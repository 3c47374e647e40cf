"""Validate a content bundle completely before anything is built from it.

Every problem is reported with where it is (the item id and field, or the blob) and what is
wrong, so `kiosk content check` tells a content editor exactly what to fix. Nothing here trusts
the bundle: names are checked before they become paths, sizes before anything is read, and
every file's sha256 is compared with the manifest.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.bundle import MANIFEST, BundleError, BundleSource, blob_name, item_name
from content.schemas import ID_PATTERN, KINDS, SHA256_PATTERN, Guide, ItemBase, TicketService, is_safe_id, parse_item

MAX_ITEM_BYTES = 1 << 20  # an item document is text; 1 MiB is far beyond any real one
MAX_BLOB_BYTES = 50 << 20  # a page render or photo; larger files are refused, not truncated
MAX_MANIFEST_BYTES = 16 << 20
ALLOWED_MIME = ("image/png", "image/jpeg", "image/webp", "application/pdf", "application/json")


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManifestItem(_M):
    id: str  # checked separately, so an unsafe name gets its own clear message
    kind: Literal["guide", "disclosure", "notice", "slide", "centre", "ticket_service"]
    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)]
    size: int = Field(ge=0)


class ManifestBlob(_M):
    sha256: str
    size: int = Field(ge=0)
    mime: str


class Manifest(_M):
    format: Literal[1] = 1
    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    created_at: dt.datetime
    centre: Annotated[str, Field(pattern=ID_PATTERN)]
    items: list[ManifestItem]
    blobs: list[ManifestBlob] = Field(default_factory=list)


@dataclass
class Problem:
    where: str  # "manifest", "item guide-dibao field materials.0.copies", "blob 3fa1…"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class CheckResult:
    manifest: Manifest | None = None
    items: list[ItemBase] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))


def check_bundle(path: Path, max_blob_bytes: int = MAX_BLOB_BYTES, max_item_bytes: int = MAX_ITEM_BYTES) -> CheckResult:
    result = CheckResult()
    try:
        src = BundleSource(Path(path))
    except (BundleError, FileNotFoundError) as exc:
        result.add("bundle", str(exc))
        return result
    with src:
        for name in src.unsafe_members:
            result.add(f"archive member {name!r}", "unsafe name (absolute, '..', link or device): refused")
        manifest = _read_manifest(src, result)
        if manifest is None:
            return result
        result.manifest = manifest
        _check_items(src, manifest, result, max_item_bytes)
        _check_blobs(src, manifest, result, max_blob_bytes)
    _check_references(manifest, result)
    return result


def _read_manifest(src: BundleSource, result: CheckResult) -> Manifest | None:
    try:
        raw = src.read(MANIFEST, limit=MAX_MANIFEST_BYTES)
    except BundleError as exc:
        result.add("manifest", str(exc))
        return None
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        result.add("manifest", "manifest.json is not UTF-8 text")
        return None
    except json.JSONDecodeError as exc:
        result.add("manifest", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
        return None
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            result.add(f"manifest field {_loc(err['loc'])}", err["msg"])
        return None


def _check_items(src: BundleSource, manifest: Manifest, result: CheckResult, limit: int) -> None:
    seen: set[str] = set()
    for entry in manifest.items:
        where = f"item {entry.id}"
        if not is_safe_id(entry.id):
            result.add(f"item {entry.id!r}", "unsafe name: ids are lowercase letters, digits, '.', '_', '-' (no '/', no '..')")
            continue
        if entry.id in seen:
            result.add(where, "listed twice in the manifest")
            continue
        seen.add(entry.id)
        name = item_name(entry.id)
        data = _read_verified(src, name, entry.sha256, entry.size, limit, where, result)
        if data is None:
            continue
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            detail = f"line {exc.lineno} column {exc.colno}: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text: truncated or saved in another encoding"
            result.add(where, f"malformed JSON in {name} ({detail})")
            continue
        try:
            item = parse_item(doc)
        except ValidationError as exc:
            for err in exc.errors():
                # drop the union tag pydantic puts first ("guide"), keep the field path
                loc = err["loc"][1:] if err["loc"] and err["loc"][0] in KINDS else err["loc"]
                result.add(f"{where} field {_loc(loc)}", err["msg"])
            continue
        if item.id != entry.id:
            result.add(where, f"document has id {item.id!r}, the manifest says {entry.id!r}")
        elif item.kind != entry.kind:
            result.add(where, f"document is a {item.kind}, the manifest says {entry.kind}")
        else:
            result.items.append(item)


def _check_blobs(src: BundleSource, manifest: Manifest, result: CheckResult, limit: int) -> None:
    seen: set[str] = set()
    for entry in manifest.blobs:
        where = f"blob {entry.sha256}"
        try:
            name = blob_name(entry.sha256)
        except BundleError:
            result.add(f"blob {entry.sha256!r}", "unsafe name: a blob is named by its sha256 (64 lowercase hex digits)")
            continue
        if entry.sha256 in seen:
            result.add(where, "listed twice in the manifest")
            continue
        seen.add(entry.sha256)
        if entry.mime not in ALLOWED_MIME:
            result.add(where, f"type {entry.mime!r} not allowed (allowed: {', '.join(ALLOWED_MIME)})")
        _verify_stream(src, name, entry.sha256, entry.size, limit, where, result)


def _read_verified(src, name, sha, size, limit, where, result) -> bytes | None:
    actual = src.size(name)
    if actual is None:
        result.add(where, f"{name} is missing")
        return None
    if actual > limit:
        result.add(where, f"{name} is {actual} bytes, over the limit of {limit}")
        return None
    data = src.read(name)
    if len(data) != size:
        result.add(where, f"{name} is {len(data)} bytes, the manifest says {size}")
        return None
    if hashlib.sha256(data).hexdigest() != sha:
        result.add(where, f"{name} does not match its sha256 (corrupted or edited after the manifest was made)")
        return None
    return data


def _verify_stream(src, name, sha, size, limit, where, result) -> bool:
    actual = src.size(name)
    if actual is None:
        result.add(where, f"{name} is missing")
        return False
    if actual > limit:
        result.add(where, f"{name} is {actual} bytes, over the limit of {limit}")
        return False
    if actual != size:
        result.add(where, f"{name} is {actual} bytes, the manifest says {size}")
        return False
    digest = hashlib.sha256()
    with src.open_stream(name) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != sha:
        result.add(where, f"{name} does not match its sha256 (corrupted or edited after the manifest was made)")
        return False
    return True


def _check_references(manifest: Manifest, result: CheckResult) -> None:
    blobs = {b.sha256 for b in manifest.blobs}
    guides = {i.id for i in result.items if isinstance(i, Guide)}
    services = {i.code for i in result.items if isinstance(i, TicketService)}
    centres = {i.id for i in result.items if i.kind == "centre"}
    for item in result.items:
        for sha in item.blob_refs():
            if sha not in blobs:
                result.add(f"item {item.id}", f"refers to blob {sha}, which the manifest does not list")
        if isinstance(item, TicketService):
            for gid in item.guide_ids:
                if gid not in guides:
                    result.add(f"item {item.id} field guide_ids", f"no guide with id {gid!r}")
        if isinstance(item, Guide) and item.ticket_service and item.ticket_service not in services:
            result.add(f"item {item.id} field ticket_service", f"no ticket service with code {item.ticket_service!r}")
    if manifest.centre not in centres and not any(p.where.startswith("item") for p in result.problems):
        result.add("manifest field centre", f"no centre item with id {manifest.centre!r}")


def _loc(loc) -> str:
    return ".".join(str(p) for p in loc) or "(document)"
