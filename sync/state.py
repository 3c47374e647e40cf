"""`sync-state.json` in the data dir: what the sync side remembers between runs.

    {"last_error": text | null,        # the content sync's last failure (a rejected version...)
     "last_error_at": iso time,
     "report_error": text | null,      # heartbeat / stats / screenshot trouble of the last run
     "last_heartbeat_at": iso time,    # the last heartbeat the hub accepted
     "latest_version": text | null,    # the hub's latest version as of that heartbeat
     "stats_sent": {batch_id: sha256}, # stats batches the hub has (their body's hash)
     "stats_rejected": {batch_id: {sha256, reason}}}

Read-modify-write goes through `update`, under an flock on `.sync-state.lock`, so the heartbeat
and the content sync (separate processes) never lose each other's changes; the file is
replaced atomically (sync.files). A damaged file is set aside as `sync-state.json.damaged` and
the state starts empty (stats are then resent: the hub answers them as duplicates).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path

from sync.files import FileProblem, read_json, write_json

__all__ = ["STATE_FILE", "read", "update", "record_error", "now_iso"]

log = logging.getLogger(__name__)

STATE_FILE = "sync-state.json"
LOCK_FILE = ".sync-state.lock"
MAX_TEXT = 1000


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def read(data_dir: Path) -> dict:
    path = Path(data_dir) / STATE_FILE
    try:
        return read_json(path)
    except FileNotFoundError:
        return {}
    except FileProblem as exc:
        log.warning("%s is damaged (%s): set aside, starting afresh", path, exc)
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(STATE_FILE + ".damaged"))
        return {}
    except OSError as exc:
        log.warning("%s cannot be read: %s", path, exc)
        return {}


@contextlib.contextmanager
def _locked(data_dir: Path):
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(Path(data_dir) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def update(data_dir: Path, change: Callable[[dict], None]) -> dict:
    """Apply `change` to the state in place and write it back; the new state."""
    with _locked(data_dir):
        state = read(data_dir)
        change(state)
        write_json(Path(data_dir) / STATE_FILE, state, mode=0o644)
        return state


def record_error(data_dir: Path, key: str, text: str | None) -> None:
    """Set (or, with None, clear) `key` ("last_error" or "report_error") and its time."""
    def change(state: dict) -> None:
        state[key] = text[:MAX_TEXT] if text else None
        if text:
            state[key + "_at"] = now_iso()
    update(data_dir, change)
