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
    """Replace the file: a temp file in versions/ (where prune clears what a killed writer left:
    the store removes nothing outside versions/ and blobs/), fsync, rename. Hold the store lock."""
    data_dir = Path(data_dir)
    names = list(dict.fromkeys(v for v in versions if is_valid_version(v)))
    (data_dir / "versions").mkdir(exist_ok=True)
    tmp = data_dir / "versions" / f".{SHOWING}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write("".join(f"{v}\n" for v in names).encode("ascii"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, data_dir / SHOWING)
