"""Which content a `kiosk` command shows: the data dir's current version, else the demo centre.

With no content installed at all (a new machine, no hub yet) the embedded demo centre applies,
so a terminal is useful before any hub exists. Commands that may write (run, demo) install it
into the data dir; read-only commands (content search, screenshot) build it into a per-user
cache instead of touching the data dir.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path

from content.store import build_version, current_version, open_current
from content.view import ContentView

log = logging.getLogger(__name__)


def demo_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lobby-kiosk" / "demo"


def ensure_demo(data_dir: Path, today: dt.date | None = None) -> str:
    """Make today's demo centre the current version of `data_dir` (cheap when it already is)."""
    from content.bundle import BundleWriter
    from content.demo import DEMO_CENTRE_ID, build_demo

    today = today or dt.date.today()
    version = f"demo-{today.isoformat()}"  # the duty roster and 公示期 follow the date
    if current_version(data_dir) == version:
        return version
    writer = BundleWriter(centre=DEMO_CENTRE_ID)
    build_demo(writer, today)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        writer.write_dir(Path(tmp), version=version)
        return build_version(Path(tmp), data_dir)


def _writable(path: Path) -> bool:
    probe = path if path.exists() else path.parent
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK)


def open_view(data_dir: Path, install: bool) -> ContentView:
    """The content to show. `install`: put the demo into `data_dir` when it has none."""
    data_dir = Path(data_dir)
    if current_version(data_dir) is None:
        if install and _writable(data_dir):
            log.warning("no content in %s: installing the demo centre until the hub sends content", data_dir)
            ensure_demo(data_dir)
        else:
            cache = demo_cache_dir()
            log.info("no content in %s: showing the demo centre (built in %s)", data_dir, cache)
            ensure_demo(cache)
            return open_current(cache)
    return open_current(data_dir)
