"""The files through which the sync process and the running app (another process) talk.

* `app-state.json` -- written by the app every APP_STATE_EVERY_S seconds (kiosk/screenshot_request.py):
  `{"pid", "written_at" (unix time), "started_at", "printer": {state, detail}, "reader": {state, detail}}`.
  The heartbeat takes the device states from it; an old file or a dead pid means the app is not
  running.
* `screenshot-request` -- written by the sync client when the hub asks for a screenshot (any
  stale `screenshot.png` is removed first). The app notices it within a second or two, saves
  what the window shows, scaled to SCREENSHOT_WIDTH pixels wide, as `screenshot.png`
  (atomically), and removes the request.
* `screenshot.png` -- present and no request pending: the answer, uploaded by the next
  heartbeat (or at once, when it comes within the heartbeat's short wait), then removed.
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from sync.files import FileProblem, read_json, write_atomic, write_json

__all__ = ["APP_STATE", "SCREENSHOT_REQUEST", "SCREENSHOT", "SCREENSHOT_WIDTH", "APP_STATE_EVERY_S",
           "running_app", "write_app_state", "request_screenshot", "screenshot_pending", "screenshot_ready",
           "close_request", "clear_screenshot"]

APP_STATE = "app-state.json"
SCREENSHOT_REQUEST = "screenshot-request"
SCREENSHOT = "screenshot.png"
SCREENSHOT_WIDTH = 540
APP_STATE_EVERY_S = 30
FRESH_S = 3 * APP_STATE_EVERY_S


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def running_app(data_dir: Path, now: float | None = None) -> dict | None:
    """The app's last state when it is running (a fresh file, a live pid); None otherwise."""
    try:
        found = read_json(Path(data_dir) / APP_STATE)
    except (OSError, FileProblem):
        return None
    written = found.get("written_at")
    now = time.time() if now is None else now
    if not isinstance(written, (int, float)) or not -5 < now - written < FRESH_S or not _alive(found.get("pid")):
        return None
    return found


def write_app_state(data_dir: Path, started_at: float, printer: tuple[str, str], reader: tuple[str, str]) -> None:
    """The app's side: its pid and device states (state, detail) as of now."""
    write_json(Path(data_dir) / APP_STATE, {
        "pid": os.getpid(), "written_at": time.time(), "started_at": started_at,
        "printer": {"state": printer[0], "detail": printer[1]},
        "reader": {"state": reader[0], "detail": reader[1]},
    }, mode=0o644)


def request_screenshot(data_dir: Path) -> None:
    """The sync side: ask the app for a screenshot (a pending request is left as it is)."""
    data_dir = Path(data_dir)
    if (data_dir / SCREENSHOT_REQUEST).exists():
        return
    clear_screenshot(data_dir)
    write_atomic(data_dir / SCREENSHOT_REQUEST, time.strftime("%Y-%m-%dT%H:%M:%S%z").encode() + b"\n", 0o644)


def screenshot_pending(data_dir: Path) -> bool:
    return (Path(data_dir) / SCREENSHOT_REQUEST).exists()


def screenshot_ready(data_dir: Path) -> Path | None:
    """The app's answer, when there is one and no newer request waits."""
    path = Path(data_dir) / SCREENSHOT
    if screenshot_pending(data_dir) or not path.is_file():
        return None
    return path


def close_request(data_dir: Path) -> bool:
    """The app's side, after writing screenshot.png: the request is answered. False: there was none."""
    try:
        os.unlink(Path(data_dir) / SCREENSHOT_REQUEST)
    except FileNotFoundError:
        return False
    return True


def clear_screenshot(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(Path(data_dir) / SCREENSHOT)
