"""Validate a content bundle completely before anything is built from it.

Every problem is reported with where it is (the item id and field, or the blob) and what is
wrong, so `kiosk content check` tells a content editor exactly what to fix. Nothing here trusts
the bundle: names are checked before they become paths, counts and sizes before anything is read
(`content.bundle.Limits`; archives are read by content.archive), JSON is parsed with limits
(content.jsonload), and every file's sha256 is compared with the manifest. Whatever a bundle
holds ends as a Problem in the CheckResult: checking never raises for a bundle's content.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Iterator, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from content.archive import TarSource
from content.bundle import MANIFEST, BundleError, Limits, blob_name, item_name
from content.jsonload import JSONRefused, load_json
from content.schemas import (
    ID_PATTERN, KINDS, SHA256_PATTERN, Guide, ItemBase, TicketService, is_safe_id, is_valid_version, parse_item,
)
from content.source import BlobDirSource, ContentSource, DirSource, as_source

log = logging.getLogger(__name__)

ALLOWED_MIME = ("image/png", "image/jpeg", "image/webp", "application/pdf", "application/json")
MAX_PROBLEMS = 100  # listed one by one; past that, a count (a hostile bundle can have millions)
VERSION_RULE = "1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit (never '.' or '..')"
Source = Union[DirSource, TarSource, BlobDirSource]


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
    version: str  # becomes a folder name in the data dir: see is_valid_version
    created_at: dt.datetime
    centre: Annotated[str, Field(pattern=ID_PATTERN)]
    items: list[ManifestItem]
    blobs: list[ManifestBlob] = Field(default_factory=list)

    @field_validator("version")
    @classmethod
    def _safe_version(cls, value: str) -> str:
        if not is_valid_version(value):
            raise ValueError(f"a version is {VERSION_RULE}")
        return value


@dataclass
class Problem:
    where: str  # "manifest", "item guide-dibao field materials.0.copies", "blob 3fa1…", "archive"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class CheckResult:
    manifest: Manifest | None = None
    items: list[ItemBase] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0  # problems past MAX_PROBLEMS, counted only

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, message))
        else:
            self.unlisted += 1

    def finish(self) -> None:
        if self.unlisted:
            self.problems.append(Problem("bundle", f"{self.unlisted} more problems not listed"))
            self.unlisted = 0


def check_bundle(path: Path, max_blob_bytes: int | None = None, max_item_bytes: int | None = None,
                 limits: Limits | None = None) -> CheckResult:
    """Every problem of the bundle at `path`; nothing is written anywhere."""
    limits = _limits(limits, max_blob_bytes, max_item_bytes)
    with checked_bundle(path, limits) as (result, _src):
        return result


def _limits(limits: Limits | None, max_blob_bytes: int | None, max_item_bytes: int | None) -> Limits:
    limits = limits or Limits()
    if max_blob_bytes is not None:
        limits = replace(limits, max_blob_bytes=max_blob_bytes)
    if max_item_bytes is not None:
        limits = replace(limits, max_item_bytes=max_item_bytes)
    return limits


@contextmanager
def checked_bundle(path: "Path | ContentSource", limits: Limits) -> Iterator[tuple[CheckResult, Source | None]]:
    """The check of the bundle at `path` (or any ContentSource, content.source) and, while open, the
    source it was read from (None when it could not be opened at all), so a build copies from
    exactly what was checked."""
    result = CheckResult()
    try:
        src = as_source(path).open(limits)
    except BundleError as exc:
        result.add(exc.where, str(exc))
        yield result, None
        return
    try:
        _check_source(src, limits, result)
        result.finish()
        yield result, src
    finally:
        src.close()


def _check_source(src: Source, limits: Limits, result: CheckResult) -> None:
    try:
        for where, message in src.problems:
            result.add(where, message)
        manifest = _read_manifest(src, limits, result)
        if manifest is None or not _within_limits(manifest, limits, result):
            return
        result.manifest = manifest
        _check_items(src, manifest, result, limits)
        _check_blobs(src, manifest, result, limits)
        _check_references(manifest, result)
    except Exception as exc:  # a bug here must still end as a refusal, never install anything
        log.exception("checking %s failed", getattr(src, "path", "?"))
        result.add("bundle", f"could not be checked ({type(exc).__name__}: {_shown(str(exc))}); "
                             "this is a bug: please report it with the log")


def _read_manifest(src: Source, limits: Limits, result: CheckResult) -> Manifest | None:
    try:
        raw = src.read(MANIFEST, limits.max_manifest_bytes)
        data = load_json(raw, limits.max_json_depth, limits.max_int_digits)
    except (BundleError, OSError) as exc:
        result.add("manifest", _reason(exc))
        return None
    except JSONRefused as exc:
        result.add("manifest", f"malformed JSON in {MANIFEST} ({exc.detail})")
        return None
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            result.add(f"manifest field {_loc(err['loc'])}", err["msg"])
        return None


def _within_limits(manifest: Manifest, limits: Limits, result: CheckResult) -> bool:
    """The counts and sizes the manifest declares; every file is held to its declared size."""
    entries = len(manifest.items) + len(manifest.blobs)
    docs = sum(e.size for e in manifest.items)
    total = docs + sum(e.size for e in manifest.blobs)
    for actual, limit, what in ((entries, limits.max_entries, "items and blobs listed"),
                                (docs, limits.max_docs_bytes, "bytes of item documents"),
                                (total, limits.max_total_bytes, "bytes of files in all")):
        if actual > limit:
            result.add("manifest", f"{actual} {what}, over the limit of {limit}: refused")
            return False
    return True


def _check_items(src: Source, manifest: Manifest, result: CheckResult, limits: Limits) -> None:
    seen: set[str] = set()
    for entry in manifest.items:
        where = f"item {entry.id}"
        if not is_safe_id(entry.id):
            result.add(f"item {_shown(entry.id)!r}", "unsafe name: ids are lowercase letters, digits, '.', '_', '-' (no '/', no '..')")
            continue
        if entry.id in seen:
            result.add(where, "listed twice in the manifest")
            continue
        seen.add(entry.id)
        name = item_name(entry.id)
        if not _present(src, name, entry.size, limits.max_item_bytes, where, result):
            continue
        try:
            data = src.read(name, limits.max_item_bytes)
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                result.add(where, f"{name} does not match its sha256 (corrupted or edited after the manifest was made)")
                continue
            doc = load_json(data, limits.max_json_depth, limits.max_int_digits)
        except (BundleError, OSError) as exc:
            result.add(where, _reason(exc))
            continue
        except JSONRefused as exc:
            result.add(where, f"malformed JSON in {name} ({exc.detail})")
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
            result.add(where, f"document has id {_shown(item.id)!r}, the manifest says {entry.id!r}")
        elif item.kind != entry.kind:
            result.add(where, f"document is a {item.kind}, the manifest says {entry.kind}")
        else:
            result.items.append(item)


def _check_blobs(src: Source, manifest: Manifest, result: CheckResult, limits: Limits) -> None:
    seen: set[str] = set()
    for entry in manifest.blobs:
        where = f"blob {entry.sha256}"
        try:
            name = blob_name(entry.sha256)
        except BundleError:
            result.add(f"blob {_shown(entry.sha256)!r}", "unsafe name: a blob is named by its sha256 (64 lowercase hex digits)")
            continue
        if entry.sha256 in seen:
            result.add(where, "listed twice in the manifest")
            continue
        seen.add(entry.sha256)
        if entry.mime not in ALLOWED_MIME:
            result.add(where, f"type {_shown(entry.mime)!r} not allowed (allowed: {', '.join(ALLOWED_MIME)})")
        if not _present(src, name, entry.size, limits.max_blob_bytes, where, result):
            continue
        try:
            digest = src.digest(name, limits.max_blob_bytes)
        except (BundleError, OSError) as exc:
            result.add(where, _reason(exc))
            continue
        if digest != entry.sha256:
            result.add(where, f"{name} does not match its sha256 (corrupted or edited after the manifest was made)")


def _present(src: Source, name: str, size: int, limit: int, where: str, result: CheckResult) -> bool:
    """The file exists, is within `limit` and has the size the manifest says (nothing read yet)."""
    try:
        actual = src.size(name)
    except (BundleError, OSError) as exc:
        result.add(where, _reason(exc))
        return False
    if actual is None:
        result.add(where, f"{name} is missing")
    elif actual > limit:
        result.add(where, f"{name} is {actual} bytes, over the limit of {limit}")
    elif actual != size:
        result.add(where, f"{name} is {actual} bytes, the manifest says {size}")
    else:
        return True
    return False


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"cannot be read ({exc.strerror or exc})"
    return str(exc)


def _shown(text: str, most: int = 80) -> str:
    """A hostile value, cut short for a report line."""
    return text if len(text) <= most else text[:most] + "…"


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
