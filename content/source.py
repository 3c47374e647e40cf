"""Opening a bundle for reading: a directory (here) or a .tar.gz (content.archive).

Both kinds answer the same calls by relative name (`size`, `read`, `digest`, `stream`), so the
check and the store do not care which one they have.

The path a person names may itself be a symlink to the bundle. Inside a directory bundle nothing
may be one: every folder and file is looked at with lstat and opened relative to its folder with
O_NOFOLLOW, and must be a regular file, so a bundle cannot make the terminal read a file outside
it, a FIFO or a device. The bundle path must be a folder or a regular file: a FIFO, device or
socket is refused from its stat, before any open that could block.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Iterator, Union

from content.archive import TarSource
from content.bundle import BundleError, FdReader, Limits, OpenBundle, file_kind, hash_reader, open_regular, read_all

SUBDIRS = ("items", "blobs")


def open_bundle(path: Path, limits: Limits) -> Union["DirSource", TarSource]:
    """A source for the bundle at `path`; BundleError when it cannot be one."""
    path = Path(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return DirSource(path, limits)
        if stat.S_ISREG(st.st_mode):
            return TarSource(path, limits)
    except FileNotFoundError:
        raise BundleError(f"{path}: no such file or directory") from None
    except OSError as exc:  # permission, I/O error, a name too long: say which
        raise BundleError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    raise BundleError(f"{path} is {file_kind(st.st_mode)}: a bundle is a folder or a .tar.gz file")


class DirSource(OpenBundle):
    """A bundle folder. Only files the manifest names are opened (a folder is never walked)."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits = Path(path), limits
        self.problems = []
        self._fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for sub in SUBDIRS:
                self._check_folder(sub)
        except BaseException:
            self.close()
            raise

    def _check_folder(self, sub: str) -> None:
        try:
            st = os.stat(sub, dir_fd=self._fd, follow_symlinks=False)
        except FileNotFoundError:
            return  # a bundle without blobs is fine; missing items show per item
        if not stat.S_ISDIR(st.st_mode):
            raise BundleError(f"{sub}/ is {file_kind(st.st_mode)}, not a folder: refused (no links in a bundle)")

    def _open(self, name: str) -> tuple[int, int] | None:
        """(fd, size) of a regular file at `name`, None when it does not exist."""
        parts = name.split("/")
        folders: list[int] = []
        try:
            at = self._fd
            for part in parts[:-1]:
                st = os.stat(part, dir_fd=at, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    raise BundleError(f"{name}: {part} is {file_kind(st.st_mode)}, not a folder: refused")
                at = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=at)
                folders.append(at)
            fd, st = open_regular(parts[-1], dir_fd=at, label=name)
            return fd, st.st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # swapped for a symlink after the lstat
                raise BundleError(f"{name} is a symbolic link: refused") from None
            raise BundleError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
        finally:
            for folder in folders:
                os.close(folder)

    def size(self, name: str) -> int | None:
        opened = self._open(name)
        if opened is None:
            return None
        os.close(opened[0])
        return opened[1]

    def _reader(self, name: str, limit: int) -> tuple[int, FdReader]:
        opened = self._open(name)
        if opened is None:
            raise BundleError(f"{name}: missing")
        fd, size = opened
        if size > limit:
            os.close(fd)
            raise BundleError(f"{name}: {size} bytes, over the limit of {limit}")
        return fd, FdReader(fd, size, name)

    def read(self, name: str, limit: int) -> bytes:
        fd, reader = self._reader(name, limit)
        try:
            return read_all(reader, reader.left)
        finally:
            os.close(fd)

    def digest(self, name: str, limit: int) -> str:
        fd, reader = self._reader(name, limit)
        try:
            return hash_reader(reader)
        finally:
            os.close(fd)

    def stream(self, names: list[str]) -> Iterator[tuple[str, FdReader]]:
        for name in names:
            fd, reader = self._reader(name, self.limits.max_blob_bytes)
            try:
                yield name, reader
            finally:
                os.close(fd)
