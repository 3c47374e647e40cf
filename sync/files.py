"""Small files of the terminal's data dir, written whole or not at all.

`write_atomic` writes a temp file in the same folder (created by `mkstemp`, so mode 0600 from the
first byte: a token never sits world-readable, even for a moment), fsyncs it, renames it over the
target and fsyncs the folder, so a power cut leaves the old file or the new one, never a torn
one. `read_json` reads a small JSON object with a cap on its size.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic", "write_json", "read_json", "FileProblem"]

MAX_STATE_BYTES = 256 * 1024


class FileProblem(ValueError):
    """A file that is there but cannot be used (not JSON, too large, not an object)."""


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode != 0o600:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_json(path: Path, value: dict, mode: int = 0o600) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n", mode)


def read_json(path: Path, limit: int = MAX_STATE_BYTES) -> dict:
    """The JSON object in `path`; FileNotFoundError when missing, FileProblem when unusable."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileProblem(f"larger than {limit // 1024} KB")
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FileProblem("not JSON (a torn or hand-edited file)") from None
    if not isinstance(value, dict):
        raise FileProblem("not a JSON object")
    return value
