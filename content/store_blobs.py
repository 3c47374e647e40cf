"""Blob files of the store: `data_dir/blobs/<sha256>`, shared by versions.

A blob already in the store is reused only when its bytes hash to its name: a file with the right
size but other bytes (a bad SD card sector, a copy cut short and padded, a hand edit) is replaced
from the source, never carried into a new version. Hashing only the blobs that are reused keeps a
build that brings new blobs as fast as before; figures in docs/benchmarks.md.
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path

from content.bundle import BundleError, Reader, blob_name, fsync_dir

log = logging.getLogger(__name__)


def copy_blobs(src, manifest, blobs_dir: Path) -> None:
    """Copy the blobs `blobs_dir` lacks (or holds damaged) from the checked source, hashing again."""
    wanted = {blob_name(e.sha256): e for e in manifest.blobs if not blob_intact(blobs_dir, e.sha256, e.size)}
    copied = set()
    for name, reader in src.stream(list(wanted)):
        copy_blob(reader, wanted[name].sha256, blobs_dir)
        copied.add(name)
    if len(copied) != len(wanted):
        raise BundleError(f"{len(wanted) - len(copied)} blobs were gone when they were copied (the bundle changed after the check)")
    fsync_dir(blobs_dir)


def blob_intact(blobs_dir: Path, sha: str, size: int) -> bool:
    """blobs_dir/<sha> is a regular file of `size` bytes whose sha256 is `sha` (never follows a link)."""
    try:
        fd = os.open(blobs_dir / sha, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:  # missing, a link (ELOOP), unreadable: copy it again
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return False
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
    except OSError as exc:
        log.warning("blob %s cannot be read (%s): copying it again", sha, exc)
        return False
    finally:
        os.close(fd)
    if digest.hexdigest() != sha:
        log.warning("blob %s in %s does not match its sha256: replacing it", sha, blobs_dir)
        return False
    return True


def copy_blob(reader: Reader, sha: str, blobs_dir: Path) -> None:
    tmp = blobs_dir / f".{sha}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)  # a leftover of this pid; O_EXCL|O_NOFOLLOW below never write through a link
    digest = hashlib.sha256()
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644), "wb") as out:
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != sha:
        tmp.unlink()
        raise BundleError(f"blob {sha} changed after the check (while it was copied)")
    os.replace(tmp, blobs_dir / sha)
