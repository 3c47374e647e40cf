"""Preview an item as a terminal shows it: the terminal's own renderer, run in a subprocess.

`render(...)` builds a temporary content bundle (content.bundle's layout: manifest.json, items/,
blobs/) holding a centre's published content -- the items and files of its current manifest,
from the blob store -- with the previewed document replacing (or adding) its item, installs it
as the only version of a private terminal data dir (content.store.build_version), and runs
`python -m kiosk.cli screenshot --screen guide_detail|disclosure_detail|notice_detail --item ID`
with SDL's offscreen driver, a private KIVY_HOME and config, and a timeout. The hub never imports
the terminal (kiosk, screens: import-linter); a subprocess is how it uses the renderer.

Blobs are hard links into the blob store where the file system allows (a copy otherwise), so a
preview costs the item documents and a read of each file (the bundle check hashes them), not a
copy of the centre's files. Rendered PNGs are cached under `DATA_DIR/preview/cache`, keyed by
the document's sha256, the centre's manifest version, the size and the day; the newest
CACHE_KEEP files are kept. One render at a time per process (RENDER_SLOTS); a render that takes
longer than RENDER_TIMEOUT seconds is killed with its whole process group. A host that cannot
run the renderer (no Kivy, no OpenGL) gets a 503 naming what is missing, never a hang.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from content.bundle import MANIFEST, sha256_bytes
from content.schemas import ItemBase, aware, dump_item
from hub.blobstore import BlobStore
from hub.errors import HubError

log = logging.getLogger(__name__)

SIZES: dict[str, tuple[int, int]] = {"1080x1920": (1080, 1920), "1920x1080": (1920, 1080)}
SCREENS = {"guide": "guide_detail", "disclosure": "disclosure_detail", "notice": "notice_detail"}
RENDER_TIMEOUT = 60.0  # seconds; the subprocess is killed past it
CACHE_KEEP = 200       # newest cached PNGs kept
RENDER_SLOTS = threading.BoundedSemaphore(1)  # one render at a time in this process
GL_ENV_PREFIXES = ("LIBGL_", "MESA_", "GALLIUM_", "EGL_")  # the hub's OpenGL settings reach the renderer
STDERR_KEPT = 4000     # characters of the renderer's stderr kept for the log
_NOT_SHOWN = "is not in the content or not shown at that time"  # kiosk.screenshot's refusal


@dataclass(frozen=True)
class Centre:
    """The content a preview starts from: a centre and its current manifest (None: nothing published)."""
    id: str
    manifest: dict | None

    @property
    def version(self) -> str:
        return self.manifest["version"] if self.manifest else "none"


def unavailable(what: str) -> HubError:
    return HubError("preview_unavailable", f"the preview cannot be rendered on this hub: {what}", 503)


# ---- the cache -------------------------------------------------------------------------------

def preview_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "preview"


def cache_key(document: bytes, centre: Centre, size: str, today: dt.date) -> str:
    key = "\0".join([sha256_bytes(document), centre.id, centre.version, size, today.isoformat()])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def cached(data_dir: Path, key: str) -> bytes | None:
    path = preview_dir(data_dir) / "cache" / f"{key}.png"
    try:
        data = path.read_bytes()
        os.utime(path)  # recently used: pruned last
    except OSError:
        return None
    return data


def _store(data_dir: Path, key: str, png: bytes) -> None:
    folder = preview_dir(data_dir) / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    tmp.write_bytes(png)
    os.replace(tmp, folder / f"{key}.png")
    for old in _newest_first(folder)[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def _newest_first(folder: Path) -> list[Path]:
    """The cached PNGs, newest first (a file another worker removes meanwhile is skipped)."""
    dated = []
    for path in folder.glob("*.png"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    return [p for _t, p in sorted(dated, reverse=True)]


# ---- the bundle ------------------------------------------------------------------------------

def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: copy
        shutil.copyfile(src, dst)


def write_bundle(out: Path, blobs: BlobStore, centre: Centre, item: ItemBase, file_types: dict[str, str]) -> str:
    """The centre's published content with `item` in place of its published revision, as a bundle in
    `out`; returns the bundle's version. `file_types`: sha256 -> MIME of the files `item` shows."""
    (out / "items").mkdir(parents=True)
    (out / "blobs").mkdir()
    manifest = centre.manifest or {"items": [], "blobs": []}
    doc = dump_item(item)
    entries = [e for e in manifest["items"] if e["id"] != item.id]
    for e in entries:
        _link(blobs.path(e["sha256"]), out / "items" / f"{e['id']}.json")
    (out / "items" / f"{item.id}.json").write_bytes(doc)
    entries.append({"id": item.id, "kind": item.kind, "sha256": sha256_bytes(doc), "size": len(doc)})
    files = {e["sha256"]: e for e in manifest["blobs"]}
    for sha in item.blob_refs():
        if sha not in files:
            if sha not in file_types or not blobs.has(sha):
                raise HubError("invalid", f"the file {sha[:12]}… the item shows is not on the hub", 422)
            files[sha] = {"sha256": sha, "size": blobs.path(sha).stat().st_size, "mime": file_types[sha]}
    for sha in files:
        _link(blobs.path(sha), out / "blobs" / sha)
    listed = sorted(entries, key=lambda e: e["id"]), sorted(files.values(), key=lambda e: e["sha256"])
    version = "preview-" + hashlib.sha256(json.dumps(listed, sort_keys=True).encode()).hexdigest()[:16]
    body = {"format": 1, "version": version, "centre": centre.id,
            "created_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "items": listed[0], "blobs": listed[1]}
    (out / MANIFEST).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return version


def _link_blobs_into(data_dir: Path, bundle: Path) -> None:
    """Give the terminal data dir its files up front (links), so installing the bundle copies none."""
    target = data_dir / "blobs"
    target.mkdir(parents=True)
    for path in (bundle / "blobs").iterdir():
        _link(path, target / path.name)


def shown_at(item: ItemBase, now: dt.datetime) -> dt.datetime | None:
    """The time to render at: None (now) when the item is live now, else a moment it is live."""
    if item.is_live(now):
        return None
    if item.publish_at and aware(item.publish_at) > aware(now):
        return aware(item.publish_at)
    return aware(item.expire_at) - dt.timedelta(minutes=1)  # expired: just before it ended


# ---- the renderer ----------------------------------------------------------------------------

def project_root() -> Path:
    """The folder holding this hub's `hub` package, where the terminal's `kiosk` lives too."""
    return Path(__file__).resolve().parents[1]


def renderer_missing() -> str | None:
    """What this host lacks to run the terminal's renderer, or None."""
    for module in ("kivy", "kiosk", "screens"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return f"the terminal's renderer needs the Python package {module!r}, which is not installed"
    return None


def _env(tmp: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "LANG", "LC_ALL", "TZ", "LD_LIBRARY_PATH") or k.startswith(GL_ENV_PREFIXES)}
    env.update(HOME=str(tmp), XDG_CACHE_HOME=str(tmp / "cache"), KIOSK_CONFIG=str(config),
               SDL_VIDEODRIVER="offscreen", KIVY_HOME=str(tmp / "kivy"), KIVY_NO_ARGS="1",
               KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1", KIVY_LOG_MODE="PYTHON",
               PYTHONPATH=str(project_root()), PYTHONDONTWRITEBYTECODE="1")
    return env


def _why_failed(stderr: str) -> HubError:
    missing = re.search(r"No module named '([\w.]+)'", stderr)
    if missing:
        return unavailable(f"the terminal's renderer needs the Python package {missing.group(1)!r}")
    # no usable offscreen GL: SDL2's window is refused and Kivy falls back to X11 (exit 102)
    if re.search(r"OpenGL|GL version|\['window_sdl2'\] ignored|connect to X server|MESA-LOADER|"
                 r"Unable to (get|create) a Window|valuable Window provider|EGL", stderr):
        return unavailable("no OpenGL for an offscreen window (the renderer needs Mesa/EGL and SDL2)")
    return unavailable("the terminal's renderer failed (the hub's log has its output)")


def run_renderer(tmp: Path, screen: str, item_id: str, size: str, at: dt.datetime | None,
                 timeout: float = RENDER_TIMEOUT) -> bytes:
    """`kiosk screenshot` of `item_id` on `screen` with the data dir in `tmp/data`; the PNG bytes."""
    config = tmp / "kiosk.toml"
    config.write_text(f"data_dir = {json.dumps(str(tmp / 'data'))}\n", encoding="utf-8")
    out = tmp / "shots"
    cmd = [sys.executable, "-m", "kiosk.cli", "screenshot", "--size", size, "--out", str(out),
           "--screen", screen, "--item", item_id]
    if at is not None:
        cmd += ["--at", at.isoformat()]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=tmp, env=_env(tmp, config), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                            start_new_session=True)
    try:
        _stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        log.error("preview of %s timed out after %.0f s: killed", item_id, timeout)
        raise unavailable(f"rendering took longer than {timeout:.0f} s and was stopped") from None
    finally:
        if proc.poll() is None:  # an exception while waiting: never leave it running
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log.info("preview of %s on %s at %s: rendered in %.1f s (exit %s)", item_id, screen, size,
             time.monotonic() - started, proc.returncode)
    png = out / f"{screen}.png"
    if proc.returncode != 0 or not png.is_file():
        log.error("preview renderer failed (exit %s): %s", proc.returncode, stderr[-STDERR_KEPT:])
        if _NOT_SHOWN in stderr:
            raise HubError("not_shown", "the terminal would not show this item (check its dates)", 409)
        raise _why_failed(stderr)
    return png.read_bytes()


def render(data_dir: Path, blobs: BlobStore, centre: Centre, item: ItemBase, size: str,
           file_types: dict[str, str], now: dt.datetime | None = None) -> bytes:
    """The PNG of `item` on its detail screen at `size`, among `centre`'s published content."""
    if item.kind not in SCREENS:
        raise HubError("invalid", f"a {item.kind} has no detail screen to preview", 422)
    if size not in SIZES:
        raise HubError("invalid", f"size {size[:20]!r}: allowed {', '.join(SIZES)}", 422, "size")
    now = now or dt.datetime.now(dt.timezone.utc)
    key = cache_key(dump_item(item), centre, size, now.date())
    hit = cached(data_dir, key)
    if hit is not None:
        return hit
    missing = renderer_missing()
    if missing:
        raise unavailable(missing)
    if not RENDER_SLOTS.acquire(timeout=RENDER_TIMEOUT):
        raise HubError("busy", "another preview is being rendered: try again shortly", 503)
    try:
        hit = cached(data_dir, key)  # rendered while this one waited
        if hit is not None:
            return hit
        root = preview_dir(data_dir)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="render-", dir=root) as tmp_name:
            tmp = Path(tmp_name)
            write_bundle(tmp / "bundle", blobs, centre, item, file_types)
            _link_blobs_into(tmp / "data", tmp / "bundle")
            _install(tmp / "bundle", tmp / "data")
            png = run_renderer(tmp, SCREENS[item.kind], item.id, size, shown_at(item, now))
        _store(data_dir, key, png)
        return png
    finally:
        RENDER_SLOTS.release()


def _install(bundle: Path, data: Path) -> None:
    from content.store import BundleInvalid, build_version

    try:
        build_version(bundle, data)
    except BundleInvalid as exc:  # the centre's content with this document is not a valid bundle
        problems = "; ".join(str(p) for p in exc.result.problems[:3])
        raise HubError("invalid", f"the terminal would refuse this content: {problems}", 422) from None
