"""Where a version is built from: a bundle (a directory, or a .tar.gz: content.archive) or the sync
client's blob directory plus the hub's manifest.

`build_version` and `checked_bundle` take a `ContentSource`: anything with `label` and
`open(limits) -> OpenBundle`. `BundlePath(path)` is a bundle (a plain path means that too);
`BlobDir(manifest, dirs)` is what the sync client has: the manifest's exact bytes and folders of
files named by their sha256, holding the item documents (JSON, addressed by hash on the wire) and
the blobs. All of them answer the same calls by relative name (`size`, `read`, `digest`, `stream`), so the
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
from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence, Union, runtime_checkable

from content.archive import TarSource
from content.bundle import (
    MANIFEST, BundleError, FdReader, Limits, OpenBundle, file_kind, hash_reader, open_regular, read_all,
)
from content.jsonload import JSONRefused, load_json
from content.schemas import is_safe_id, is_sha256

SUBDIRS = ("items", "blobs")


@runtime_checkable
class ContentSource(Protocol):
    """What a version is built from; `open` returns a source the check and the store read by name
    (`manifest.json`, `items/<id>.json`, `blobs/<sha256>`)."""

    label: str

    def open(self, limits: Limits) -> OpenBundle: ...


@dataclass(frozen=True)
class BundlePath:
    """A bundle folder or .tar.gz file."""

    path: Path

    @property
    def label(self) -> str:
        return str(self.path)

    def open(self, limits: Limits) -> OpenBundle:
        return open_bundle(Path(self.path), limits)


@dataclass(frozen=True)
class BlobDir:
    """The sync client's download: the manifest's exact bytes (as signed by the hub) and the
    folders holding its files, each named by its sha256 -- item documents and blobs alike. The
    first folder holding a name wins, so ``(downloads, data_dir / "blobs")`` builds a version
    from the new files plus the blobs the terminal already has."""

    manifest: bytes
    dirs: Sequence[Path]

    @property
    def label(self) -> str:
        return ", ".join(str(d) for d in self.dirs) or "(no folder)"

    def open(self, limits: Limits) -> OpenBundle:
        return BlobDirSource(self.manifest, [Path(d) for d in self.dirs], limits)


def as_source(source: "ContentSource | Path | str") -> ContentSource:
    """A plain path is a bundle; a ContentSource is used as it is."""
    if isinstance(source, (str, os.PathLike)):
        return BundlePath(Path(source))
    if isinstance(source, ContentSource):
        return source
    raise TypeError(f"not a content source: {type(source).__name__} (a bundle path, BundlePath or BlobDir)")


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


class _Files(OpenBundle):
    """`size`, `read`, `digest`, `stream` over `_open(name) -> (fd, size) | None`."""

    limits: Limits

    def _open(self, name: str) -> tuple[int, int] | None:
        raise NotImplementedError

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


class DirSource(_Files):
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



class BlobDirSource(_Files):
    """A manifest held in memory and folders of files named by sha256 (see BlobDir).

    `items/<id>.json` is the file named by the item's sha256 in the manifest, `blobs/<sha>` the
    file of that name. Files are opened like a bundle folder's: lstat first, O_NOFOLLOW, regular
    files only, relative to an open folder.
    """

    def __init__(self, manifest: bytes, dirs: list[Path], limits: Limits):
        self.manifest, self.limits, self.problems = bytes(manifest), limits, []
        self.path = dirs[0] if dirs else Path(".")
        self._fds: list[int] = []
        try:
            for folder in dirs:
                try:
                    st = os.lstat(folder)
                except FileNotFoundError:
                    raise BundleError(f"{folder}: no such folder") from None
                if not stat.S_ISDIR(st.st_mode):
                    raise BundleError(f"{folder} is {file_kind(st.st_mode)}, not a folder of blobs: refused")
                self._fds.append(os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC))
        except BaseException:
            self.close()
            raise
        self._item_sha = self._item_hashes()

    def close(self) -> None:
        while self._fds:
            os.close(self._fds.pop())

    def _item_hashes(self) -> dict[str, str]:
        """id -> sha256 from the manifest; {} when it is not readable (the check reports why)."""
        if len(self.manifest) > self.limits.max_manifest_bytes:
            return {}
        try:
            data = load_json(self.manifest, self.limits.max_json_depth, self.limits.max_int_digits)
        except JSONRefused:
            return {}
        entries = data.get("items") if isinstance(data, dict) else None
        found: dict[str, str] = {}
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, dict) and is_safe_id(e.get("id")) and is_sha256(e.get("sha256")):
                found.setdefault(e["id"], e["sha256"])
        return found

    def _file_name(self, name: str) -> str | None:
        folder, _, rest = name.partition("/")
        if folder == "blobs" and is_sha256(rest):
            return rest
        if folder == "items" and rest.endswith(".json"):
            return self._item_sha.get(rest[: -len(".json")])
        return None

    def _open(self, name: str) -> tuple[int, int] | None:
        sha = self._file_name(name)
        if sha is None:
            return None
        for dir_fd in self._fds:
            try:
                fd, st = open_regular(sha, dir_fd=dir_fd, label=name)
            except FileNotFoundError:
                continue
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise BundleError(f"{name} is a symbolic link: refused") from None
                raise BundleError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
            return fd, st.st_size
        return None

    def size(self, name: str) -> int | None:
        return len(self.manifest) if name == MANIFEST else super().size(name)

    def read(self, name: str, limit: int) -> bytes:
        if name != MANIFEST:
            return super().read(name, limit)
        if len(self.manifest) > limit:
            raise BundleError(f"{MANIFEST}: {len(self.manifest)} bytes, over the limit of {limit}")
        return self.manifest
