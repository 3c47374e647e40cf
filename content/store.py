"""The terminal's local content store (DESIGN.md, "Data on a terminal").

    blobs/<sha256>                      content-addressed files, shared by versions
    versions/<version>/content.sqlite   one published snapshot, read-only once complete
    current -> versions/<version>       switched atomically

`build_version()` checks a bundle, copies its blobs, writes the snapshot (items and the search
index) into a temporary folder, fsyncs it, renames it into place and only then points `current`
at it. A power cut at any moment leaves either the old or the new version current, never half of
one. The previous version is kept for rollback; older ones are pruned.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, select

from content.bundle import BundleSource, blob_name, fsync_dir
from content.check import CheckResult, check_bundle
from content.schemas import CST, Guide, ItemBase, parse_item
from content.search import SearchIndex, index_rows

log = logging.getLogger(__name__)

KEEP_VERSIONS = 2  # current and the one before it

metadata = MetaData()
meta_table = Table("meta", metadata, Column("key", String, primary_key=True), Column("value", Text, nullable=False))
items_table = Table(
    "items",
    metadata,
    Column("id", String, primary_key=True),
    Column("kind", String, nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("category", Text),
    Column("sort", Integer, nullable=False),
    Column("publish_at", String),
    Column("expire_at", String),
    Column("doc", Text, nullable=False),
)
blobs_table = Table(
    "blobs", metadata, Column("sha256", String, primary_key=True), Column("size", Integer), Column("mime", String)
)
search_table = Table(
    "search_entries",
    metadata,
    Column("item_id", String, nullable=False),
    Column("field", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("full", Text, nullable=False),
    Column("initials", Text, nullable=False),
)
search_cache_table = Table(
    "search_cache", metadata, Column("query", String, primary_key=True), Column("ids", Text, nullable=False)
)


class NoContent(Exception):
    """No content version is installed in the data dir."""


class BundleInvalid(Exception):
    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__("\n".join(str(p) for p in result.problems))


def _now() -> dt.datetime:
    return dt.datetime.now(CST)


def build_version(bundle: Path, data_dir: Path) -> str:
    """Check `bundle`, install it as a new version and make it current. Returns the version."""
    data_dir = Path(data_dir)
    result = check_bundle(bundle)
    if not result.ok:
        raise BundleInvalid(result)
    manifest = result.manifest
    assert manifest is not None
    versions = data_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    final = versions / manifest.version
    if not (final / "content.sqlite").exists():
        with BundleSource(bundle) as src:
            _copy_blobs(src, manifest, data_dir / "blobs")
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{manifest.version}-", dir=versions))
        try:
            _write_snapshot(tmp / "content.sqlite", manifest, result.items)
            fsync_dir(tmp)
            if final.exists():  # a leftover without content.sqlite: an interrupted earlier build
                shutil.rmtree(final)
            os.rename(tmp, final)
            fsync_dir(versions)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    switch_current(data_dir, manifest.version)
    prune(data_dir)
    log.info("content version %s is current (%d items)", manifest.version, len(result.items))
    return manifest.version


def _copy_blobs(src: BundleSource, manifest, blobs_dir: Path) -> None:
    blobs_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest.blobs:
        dest = blobs_dir / entry.sha256
        if dest.exists() and dest.stat().st_size == entry.size:
            continue
        tmp = blobs_dir / f".{entry.sha256}.{os.getpid()}.tmp"
        digest = hashlib.sha256()
        with src.open_stream(blob_name(entry.sha256)) as fh, open(tmp, "wb") as out:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != entry.sha256:  # changed between check and copy
            tmp.unlink()
            raise OSError(f"blob {entry.sha256} changed while it was copied")
        os.replace(tmp, dest)
    fsync_dir(blobs_dir)


def _write_snapshot(path: Path, manifest, items: list[ItemBase]) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        metadata.create_all(engine)
        rows, search_rows = [], []
        for item in items:
            rows.append(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "title": item.title,
                    "category": getattr(item, "category", None),
                    "sort": item.sort,
                    "publish_at": item.publish_at.isoformat() if item.publish_at else None,
                    "expire_at": item.expire_at.isoformat() if item.expire_at else None,
                    "doc": item.model_dump_json(),
                }
            )
            if isinstance(item, Guide):
                for r in index_rows(item.id, item.title, list(item.keywords), item.category):
                    search_rows.append(dict(zip(("item_id", "field", "text", "full", "initials"), r)))
        order = {i.id: (i.sort, len(i.title), i.title) for i in items if isinstance(i, Guide)}
        tuples = [tuple(r.values()) for r in search_rows]
        cache = SearchIndex(tuples, order).precompute() if tuples else {}
        meta = {
            "version": manifest.version,
            "created_at": manifest.created_at.isoformat(),
            "centre": manifest.centre,
            "built_at": _now().isoformat(),
        }
        with engine.begin() as conn:
            conn.execute(insert(meta_table), [{"key": k, "value": v} for k, v in meta.items()])
            if rows:
                conn.execute(insert(items_table), rows)
            if manifest.blobs:
                conn.execute(insert(blobs_table), [b.model_dump() for b in manifest.blobs])
            if search_rows:
                conn.execute(insert(search_table), search_rows)
            if cache:
                conn.execute(insert(search_cache_table), [{"query": q, "ids": json.dumps(ids)} for q, ids in cache.items()])
    finally:
        engine.dispose()
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
    os.chmod(path, 0o444)


def switch_current(data_dir: Path, version: str) -> None:
    """Point `current` at versions/<version> atomically (new symlink, fsync, rename over)."""
    link = data_dir / "current"
    tmp = data_dir / f".current.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(f"versions/{version}", tmp)
    os.replace(tmp, link)
    fsync_dir(data_dir)


def current_version(data_dir: Path) -> str | None:
    link = Path(data_dir) / "current"
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    if not (Path(data_dir) / target / "content.sqlite").exists():
        return None
    return target.name


def list_versions(data_dir: Path) -> list[str]:
    """Complete versions, newest first."""
    versions = Path(data_dir) / "versions"
    if not versions.is_dir():
        return []
    done = [p for p in versions.iterdir() if not p.name.startswith(".") and (p / "content.sqlite").exists()]
    return [p.name for p in sorted(done, key=lambda p: (p / "content.sqlite").stat().st_mtime, reverse=True)]


def prune(data_dir: Path, keep: int = KEEP_VERSIONS) -> None:
    """Remove old versions (never the current one), interrupted builds and unreferenced blobs."""
    data_dir = Path(data_dir)
    cur = current_version(data_dir)
    names = list_versions(data_dir)
    kept = ([cur] if cur else []) + [n for n in names if n != cur][: keep - 1]
    versions = data_dir / "versions"
    for p in versions.iterdir():
        if p.name not in kept:
            shutil.rmtree(p, ignore_errors=True)
    referenced: set[str] = set()
    for name in kept:
        engine = _ro_engine(versions / name / "content.sqlite")
        try:
            with engine.connect() as conn:
                referenced |= {r[0] for r in conn.execute(select(blobs_table.c.sha256))}
        finally:
            engine.dispose()
    blobs = data_dir / "blobs"
    if blobs.is_dir():
        for p in blobs.iterdir():
            if p.name not in referenced:
                p.unlink(missing_ok=True)


def _ro_engine(path: Path):
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def open_current(data_dir: Path) -> "ContentView":
    from content.view import ContentView

    data_dir = Path(data_dir)
    version = current_version(data_dir)
    if version is None:
        raise NoContent(f"no content installed in {data_dir} (run `kiosk sync once`, or start with the demo content)")
    return ContentView(data_dir, version)


def install_demo(data_dir: Path, today: dt.date | None = None) -> str:
    """Build the embedded demo centre into `data_dir` and make it current."""
    from content.demo import write_demo_bundle

    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        write_demo_bundle(Path(tmp), today=today)
        return build_version(Path(tmp), data_dir)
