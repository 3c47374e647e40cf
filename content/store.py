"""The terminal's local content store (DESIGN.md, "Data on a terminal").

    blobs/<sha256>                      content-addressed files, shared by versions
    versions/<version>/content.sqlite   one published snapshot, read-only once complete
    current -> versions/<version>       switched atomically

`build_version()` checks a source (a bundle, or the sync client's manifest and blob folder:
content.source), copies its blobs, writes the snapshot (items and the search
index) into a temporary folder, fsyncs it, renames it into place and only then points `current`
at it. A power cut at any moment leaves either the old or the new version current, never half of
one. The previous version is kept for rollback, and the versions the app has open (`showing`);
older ones are pruned. Build, switch and prune hold the data dir's lock (content.lock), so the
sync client and a first-start demo build can both write.

Nothing outside versions/ and blobs/ is ever removed, and inside them only what the store makes:
every function here refuses a version name that is not `[0-9A-Za-z][0-9A-Za-z._-]{0,63}`, even
when called directly (a sync client), never follows a symlink, and reads a `current` that points
anywhere but `versions/<version>` as no content.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from content.bundle import BundleError, Limits, file_kind, fsync_dir
from content.check import VERSION_RULE, CheckResult, checked_bundle
from content.lock import DEFAULT_TIMEOUT_S, StoreLocked, store_lock  # noqa: F401 - StoreLocked re-exported
from content.showing import read_showing, write_showing
from content.source import BlobDir, BundlePath, ContentSource  # noqa: F401 - the sync client imports these here
from content.store_blobs import copy_blobs
from content.schemas import CST, Guide, ItemBase, is_sha256, is_valid_version
from content.search import SearchIndex, index_rows

log = logging.getLogger(__name__)

KEEP_VERSIONS = 2  # current and the one before it
# what an interrupted build leaves: tempfile.mkdtemp(prefix=".build-<version>-"), a blob's temp file
_BUILD_DIR = re.compile(r"\.build-[0-9A-Za-z][0-9A-Za-z._-]{0,63}-[0-9a-z_]+")
_BLOB_TMP = re.compile(r"\.[0-9a-f]{64}\.[0-9]+\.tmp")
# made in versions/ and renamed into data_dir: the next `current` link, the next `showing` file
_CURRENT_TMP = re.compile(r"\.current\.[0-9]+\.tmp")
_SHOWING_TMP = re.compile(r"\.showing\.[0-9]+\.tmp")

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


class StoreError(Exception):
    """A refused store operation: an unsafe version name, or a data dir not as the store left it."""


def _require_version(version: object) -> str:
    if not is_valid_version(version):
        raise StoreError(f"unsafe version name {str(version)[:80]!r}: a version is {VERSION_RULE}")
    return version  # type: ignore[return-value]


def _own_dir(data_dir: Path, name: str, create: bool = False) -> Path:
    """data_dir/versions or data_dir/blobs: a real folder, never a link the store would write through."""
    path = data_dir / name
    if create:
        path.mkdir(parents=True, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{path} is {file_kind(st.st_mode)}, not a folder: the store will not use it")
    return path


def _is_complete(versions: Path, version: str) -> bool:
    """versions/<version> is a real folder holding a regular content.sqlite."""
    try:
        folder = os.lstat(versions / version)
        snapshot = os.lstat(versions / version / "content.sqlite")
    except OSError:
        return False
    return stat.S_ISDIR(folder.st_mode) and stat.S_ISREG(snapshot.st_mode)


def _now() -> dt.datetime:
    return dt.datetime.now(CST)


def build_version(source: ContentSource | Path | str, data_dir: Path, limits: Limits | None = None,
                  lock_timeout: float = DEFAULT_TIMEOUT_S) -> str:
    """Check `source`, install it as a new version and make it current. Returns the version.

    `source`: a bundle path (folder or .tar.gz), `BundlePath(path)`, or `BlobDir(manifest_bytes,
    [folders])` -- the sync client's verified download (content.source). The whole build holds
    the data dir's lock (StoreLocked after `lock_timeout` seconds of waiting for another writer).
    BundleInvalid when the check finds any problem (nothing is written then); BundleError when
    the source changes between the check and the copy; StoreError for an unsafe data dir.
    """
    data_dir = Path(data_dir)
    with store_lock(data_dir, lock_timeout), checked_bundle(source, limits or Limits()) as (result, src):
        if not result.ok:
            raise BundleInvalid(result)
        manifest = result.manifest
        assert manifest is not None and src is not None
        version = _require_version(manifest.version)
        versions = _own_dir(data_dir, "versions", create=True)
        blobs = _own_dir(data_dir, "blobs", create=True)
        copy_blobs(src, manifest, blobs)  # also for a version installed before: a blob may be damaged since
        if not _is_complete(versions, version):
            _install_snapshot(versions, version, manifest, result.items)
        switch_current(data_dir, version)
        prune(data_dir)
    log.info("content version %s is current (%d items)", version, len(result.items))
    return version


def _install_snapshot(versions: Path, version: str, manifest, items: list[ItemBase]) -> None:
    final = versions / version
    tmp = Path(tempfile.mkdtemp(prefix=f".build-{version}-", dir=versions))
    try:
        _write_snapshot(tmp / "content.sqlite", manifest, items)
        fsync_dir(tmp)
        if os.path.lexists(final):  # a leftover without content.sqlite: an interrupted earlier build
            if not stat.S_ISDIR(os.lstat(final).st_mode):
                raise StoreError(f"{final} is {file_kind(os.lstat(final).st_mode)}, not a version folder: remove it by hand")
            shutil.rmtree(final)
        os.rename(tmp, final)
        fsync_dir(versions)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


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
    """Point `current` at versions/<version> atomically (new symlink, fsync, rename over).

    StoreError for an unsafe name or a version that is not completely installed."""
    data_dir = Path(data_dir)
    _require_version(version)
    with store_lock(data_dir):
        if not _is_complete(_own_dir(data_dir, "versions"), version):
            raise StoreError(f"version {version} is not completely installed in {data_dir / 'versions'}")
        # made in versions/ (where prune clears what a killed writer left), renamed into place;
        # the link's text is relative to where it ends up, data_dir
        tmp = data_dir / "versions" / f".current.{os.getpid()}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(f"versions/{version}", tmp)
        os.replace(tmp, data_dir / "current")
        fsync_dir(data_dir)


def current_version(data_dir: Path) -> str | None:
    """The current version; None when there is none or `current` points anywhere but a complete
    versions/<version> (an absolute path, `..`, another folder): such a link is never followed."""
    data_dir = Path(data_dir)
    try:
        target = os.readlink(data_dir / "current")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # EINVAL: `current` is not a symlink
        log.debug("%s/current is not a symlink (%s): no content", data_dir, exc)
        return None
    folder, _, version = target.partition("/")
    if folder != "versions" or not is_valid_version(version):
        log.debug("%s/current points at %r, not versions/<version>: no content", data_dir, target)
        return None
    try:
        versions = _own_dir(data_dir, "versions")
    except (OSError, StoreError):
        return None
    return version if _is_complete(versions, version) else None


def list_versions(data_dir: Path) -> list[str]:
    """Complete versions, newest first."""
    try:
        versions = _own_dir(Path(data_dir), "versions")
    except (OSError, StoreError):
        return []
    done = [e.name for e in os.scandir(versions) if is_valid_version(e.name) and _is_complete(versions, e.name)]
    return sorted(done, key=lambda n: os.lstat(versions / n / "content.sqlite").st_mtime, reverse=True)


def prune(data_dir: Path, keep: int = KEEP_VERSIONS) -> None:
    """Remove old versions, interrupted builds and unreferenced blobs, under the store lock.

    Kept: `current`, the `keep - 1` newest others (the previous one, for rollback) and every
    version named in `showing` (what the app has open: content.showing).

    Only what the store makes is removed, and only direct children of versions/ and blobs/: real
    folders named as a version or `.build-<version>-…`, regular files named by a sha256 or its
    `.<sha256>.<pid>.tmp`. Links and other names are left alone; nothing is followed.
    """
    data_dir = Path(data_dir)
    if not os.path.lexists(data_dir / "versions"):
        return
    with store_lock(data_dir):
        _prune(data_dir, keep)


def _prune(data_dir: Path, keep: int) -> None:
    versions = _own_dir(data_dir, "versions")
    cur = current_version(data_dir)
    done = list_versions(data_dir)
    kept = ([cur] if cur else []) + [n for n in done if n != cur][: keep - 1]
    kept += [n for n in read_showing(data_dir) if n in done and n not in kept]
    _remove_own(versions, kept, _own_in_versions)
    referenced = _referenced_blobs(versions, kept)
    if referenced is None or not os.path.lexists(data_dir / "blobs"):
        return
    _remove_own(_own_dir(data_dir, "blobs"), referenced, lambda e: e.is_file(follow_symlinks=False)
                and (is_sha256(e.name) or _BLOB_TMP.fullmatch(e.name) is not None))


def _own_in_versions(e: os.DirEntry) -> bool:
    """A version or interrupted build folder, or a temp `current` link / `showing` file of a killed
    writer (the lock is held: no live writer is between making and renaming one)."""
    if e.is_dir(follow_symlinks=False):
        return is_valid_version(e.name) or _BUILD_DIR.fullmatch(e.name) is not None
    if e.is_symlink():
        return _CURRENT_TMP.fullmatch(e.name) is not None
    return e.is_file(follow_symlinks=False) and _SHOWING_TMP.fullmatch(e.name) is not None


def _remove_own(folder: Path, keep, is_own) -> None:
    """Remove the direct children of `folder` for which is_own(entry) holds, except `keep`."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        for entry in os.scandir(fd):
            if entry.name in keep:
                continue
            if not is_own(entry):
                log.info("prune: leaving %s/%s alone (not made by the store)", folder, entry.name)
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.name, dir_fd=fd)
                else:
                    os.unlink(entry.name, dir_fd=fd)
            except OSError as exc:
                log.warning("prune: cannot remove %s/%s: %s", folder, entry.name, exc)
    finally:
        os.close(fd)


def _referenced_blobs(versions: Path, kept: list[str]) -> set[str] | None:
    """Blobs the kept versions use; None when one cannot be read (then no blob is removed)."""
    referenced: set[str] = set()
    for name in kept:
        engine = _ro_engine(versions / name / "content.sqlite")
        try:
            with engine.connect() as conn:
                referenced |= {r[0] for r in conn.execute(select(blobs_table.c.sha256))}
        except SQLAlchemyError as exc:
            log.warning("prune: version %s cannot be read (%s): keeping every blob", name, exc)
            return None
        finally:
            engine.dispose()
    return referenced


def _ro_engine(path: Path):
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def claim_current(data_dir: Path, showing: list[str], timeout: float = 0.0) -> str | None:
    """For the app: the current version, recorded in `showing` with the versions in `showing`
    (the ones it has open), under the store lock -- so no prune removes it between this call and
    the app opening it. None when there is no content. StoreLocked when another process holds the
    lock for more than `timeout` (0: a build is running; ask again at the next poll)."""
    data_dir = Path(data_dir)
    with store_lock(data_dir, timeout):
        version = current_version(data_dir)
        if version is not None:
            write_showing(data_dir, [*showing, version])
        return version


def record_showing(data_dir: Path, versions: list[str], timeout: float = 0.0) -> None:
    """For the app: the versions it has open now (displayed first); older ones may be pruned.
    StoreLocked as claim_current."""
    with store_lock(Path(data_dir), timeout):
        write_showing(Path(data_dir), versions)


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
