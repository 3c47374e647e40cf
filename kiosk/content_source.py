"""Which content a `kiosk` command shows: the data dir's current version, else the demo centre.

With no content installed at all (a new machine, no hub yet) the embedded demo centre applies,
so a terminal is useful before any hub exists. Commands that may write (run, demo) install it
into the data dir; read-only commands (content search, screenshot) build it into a per-user
cache instead of touching the data dir.

Every build runs in a child process (content.build): `kiosk run` on an empty data dir opens the
window at once on an `EmptyView` and shows the demo when the child has made it current (the
content watcher picks it up like a version from the sync client), so the UI never stalls on the
build nor keeps the index builder's memory.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.pool import StaticPool

from content.build import ChildBuild, demo_version, run_build, start_build
from content.schemas import CST
from content.lock import StoreLocked
from content.store import claim_current, current_version, meta_table, metadata, open_current
from content.view import ContentView

log = logging.getLogger(__name__)


def demo_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lobby-kiosk" / "demo"


def ensure_demo(data_dir: Path, today: dt.date | None = None) -> str:
    """Make today's demo centre the current version of `data_dir` (cheap when it already is),
    built in a child process; content.build.BuildFailed says why when it cannot be."""
    today = today or dt.date.today()
    version = demo_version(today)
    if current_version(data_dir) == version:
        return version
    return run_build("demo", data_dir, "--today", today.isoformat())


class EmptyView(ContentView):
    """No content yet: the same questions as a ContentView, answered from an empty in-memory
    snapshot. `build` is the child process installing the demo (the app's watcher reaps it)."""

    def __init__(self, data_dir: Path, build: ChildBuild | None = None):
        self.data_dir, self.version, self.path, self.build = Path(data_dir), "", None, build
        self._engine = create_engine("sqlite://", poolclass=StaticPool,
                                     connect_args={"check_same_thread": False})
        metadata.create_all(self._engine)
        self.meta = {"version": "", "created_at": dt.datetime.now(CST).isoformat(), "centre": ""}
        with self._engine.begin() as conn:
            conn.execute(insert(meta_table), [{"key": k, "value": v} for k, v in self.meta.items()])
        self._lock = threading.Lock()
        self._by_kind, self._index, self._live_map, self._live = {}, None, None, {}


def _writable(path: Path) -> bool:
    probe = path if path.exists() else path.parent
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK)


def open_view(data_dir: Path, install: bool) -> ContentView:
    """The content to show. `install`: put the demo into `data_dir` when it has none -- built by a
    child process while the app shows an EmptyView (the app's watcher opens the demo when ready)."""
    data_dir = Path(data_dir)
    if current_version(data_dir) is None:
        if install and _writable(data_dir):
            log.warning("no content in %s: installing the demo centre until the hub sends content", data_dir)
            data_dir.mkdir(parents=True, exist_ok=True)
            today = dt.date.today().isoformat()
            return EmptyView(data_dir, build=start_build("demo", data_dir, "--today", today))
        else:
            cache = demo_cache_dir()
            log.info("no content in %s: showing the demo centre (built in %s)", data_dir, cache)
            ensure_demo(cache)
            return open_current(cache)
    if install:  # the terminal app: record its version in `showing` before opening it
        try:
            version = claim_current(data_dir, [], timeout=1.0)
            if version is not None:
                return ContentView(data_dir, version)
        except (StoreLocked, OSError) as exc:  # a long build; a read-only dir: the watcher records it later
            log.info("content version not recorded as shown yet: %s", exc)
    return open_current(data_dir)
