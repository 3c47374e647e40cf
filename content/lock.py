"""The data dir's writer lock: `data_dir/.lock`, an exclusive `flock` around build, switch and prune.

Two processes write the content store of a terminal: the sync client (new versions from the hub)
and the UI's first-start demo build, plus `kiosk content` commands run by a technician. Each
takes this lock for its writes, so one build's prune never removes what another is copying.

`flock` locks belong to an open file description: the kernel drops them when the process dies
(kill -9, power cut), so a crashed writer never leaves the store locked. Inside one process the
lock is re-entrant per thread (build_version holds it while it calls switch_current and prune);
another thread of the same process waits like another process would.
"""
from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

LOCK_NAME = ".lock"
DEFAULT_TIMEOUT_S = 300.0  # a large centre's build takes tens of seconds on a Pi; then give up
_POLL_S = 0.05

_held = threading.local()  # per thread: {resolved data dir: depth}


class StoreLocked(Exception):
    """Another process kept the data dir's lock for longer than the timeout."""


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "another process"
    return f"process {text}" if text.isdigit() else "another process"


@contextmanager
def store_lock(data_dir: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Hold the exclusive lock of `data_dir` (created when missing) for the `with` block.

    Waits up to `timeout` seconds (0: try once), then raises StoreLocked naming the holder's pid.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(data_dir)
    depths = _held.__dict__.setdefault("depths", {})
    if depths.get(key):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    # O_NOFOLLOW: a link planted at .lock is refused, never followed to truncate another file
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        _acquire(fd, data_dir, timeout)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        depths[key] = 1
        try:
            yield
        finally:
            depths.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, data_dir: Path, timeout: float) -> None:
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            raise StoreLocked(f"the content store in {data_dir} is locked by {_holder(fd)} (a build, switch "
                              f"or prune) for more than {timeout:g} s; try again later")
        time.sleep(_POLL_S)
