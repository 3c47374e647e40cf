"""`data_dir/showing`: the versions the terminal's app has open, so prune never removes them.

The app shows one version and may hold the next one open, waiting for the resident to return
home; meanwhile the sync client can install two more versions, and prune keeps only `current`
and the one before it -- plus whatever this file names. One version per line, the displayed one
first. The app writes it (content.store.claim_current / record_showing, atomically, under the
store lock); prune reads it under the same lock. Lines that are not a version name are ignored.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from content.bundle import write_file_atomic
from content.schemas import is_valid_version

log = logging.getLogger(__name__)

SHOWING = "showing"
_MAX_BYTES = 4096


def read_showing(data_dir: Path) -> list[str]:
    try:
        fd = os.open(Path(data_dir) / SHOWING, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("%s/%s cannot be read (%s)", data_dir, SHOWING, exc)
        return []
    try:
        text = os.read(fd, _MAX_BYTES).decode("ascii", "replace")
    finally:
        os.close(fd)
    return [line for line in text.split() if is_valid_version(line)]


def write_showing(data_dir: Path, versions: list[str]) -> None:
    """Replace the file (temp file, fsync, rename): call with the store lock held."""
    names = list(dict.fromkeys(v for v in versions if is_valid_version(v)))
    write_file_atomic(Path(data_dir) / SHOWING, "".join(f"{v}\n" for v in names).encode("ascii"))
