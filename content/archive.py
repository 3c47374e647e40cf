"""A .tar.gz bundle, read by rule in bounded time and memory.

Python's tarfile reads a pax header or a GNU long name whole, whatever size it declares, walks
every member before anything can be refused, and picks gzip, bzip2 or xz by content whatever the
file is called. So the stream is read here instead:

- the file must be gzip data (seen from its first bytes); bzip2, xz, zstd, zip and a plain tar
  are named and refused before anything is decompressed;
- decompression stops with a refusal past `Limits.max_total_bytes` (a gzip bomb);
- each 512-byte tar header is checked (ustar magic, checksum, numbers) before its size is
  believed; a pax, GNU long-name or long-link header over `max_header_bytes` is refused unread;
- at most `max_headers` headers; members are regular files and folders only: links, devices,
  FIFOs, sparse files and unknown types are named and refused, as are unsafe or repeated names;
- only the manifest and item documents are kept in memory (at most `max_docs_bytes`); blobs are
  hashed as they stream by, and streamed again when a version is built (`TarSource.stream`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from content.bundle import (
    MANIFEST, BundleError, Limits, OpenBundle, hash_reader, open_regular, read_all, unsafe_path_reason,
)
from content.gunzip import CHUNK, GunzipReader, archive_error, sniff
from content.schemas import is_sha256

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
REGULAR_TYPES = (b"0", b"\0", b"7")
EXTENDED_TYPES = {b"x": "pax", b"g": "pax global", b"L": "GNU long-name", b"K": "GNU long-link"}
NO_DATA_TYPES = {b"1": "a hard link", b"2": "a symbolic link", b"3": "a character device",
                 b"4": "a block device", b"6": "a FIFO"}  # their size field is not followed by data
OTHER_TYPES = {b"S": "a GNU sparse file", b"D": "a GNU dump folder", b"M": "a multi-volume part",
               b"V": "a volume label"}  # followed by `size` bytes of data, skipped
REFUSED = "refused (a bundle holds only regular files and folders)"


@dataclass
class _Header:
    name: bytes
    size: int
    type: bytes


def _number(field: bytes, what: str) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256; 0xff starts a negative number
        if field[0] == 0xFF:
            raise archive_error(f"damaged tar header: negative {what}")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    text = field.split(b"\0", 1)[0].strip(b" ")
    if text.strip(b"01234567"):
        raise archive_error(f"damaged tar header: {what} field {field!r} is not a number")
    return int(text, 8) if text else 0


def _parse_header(block: bytes, index: int) -> _Header:
    magic = block[257:265]
    if magic[:6] not in (b"ustar\x00", b"ustar "):
        where = "at the start" if index == 0 else f"at header {index + 1}"
        raise archive_error(f"not a tar archive (no ustar, pax or GNU tar header {where})")
    stored = _number(block[148:156], "checksum")
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32  # the checksum field counts as spaces
    if stored != unsigned:  # some old tars summed signed bytes
        high = sum(1 for b in block[:148] + block[156:] if b >= 128)
        if stored != unsigned - 256 * high:
            raise archive_error(f"damaged tar header {index + 1} (wrong checksum)")
    name = block[:100].split(b"\0", 1)[0]
    prefix = block[345:500].split(b"\0", 1)[0] if magic[:6] == b"ustar\x00" else b""
    return _Header(prefix + b"/" + name if prefix else name, _number(block[124:136], "size"), block[156:157])


def _parse_pax(data: bytes) -> dict[str, bytes]:
    """Records `<length> <key>=<value>\\n` of a pax header (already bounded in size)."""
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:
        space = data.find(b" ", pos, pos + 12)
        end = pos + int(data[pos:space]) if space > pos and data[pos:space].isdigit() else -1
        if end <= space + 1 or end > len(data) or data[end - 1:end] != b"\n" or b"=" not in data[space + 1:end]:
            raise archive_error("damaged pax header")
        key, _, value = data[space + 1:end - 1].partition(b"=")
        out[key.decode("utf-8", "replace")] = value
        pos = end
    return out


class TarScanner:
    """Walks the tar stream header by header; yields (name, size, reader) for each safe regular file.

    Refused members are collected in `problems` as (where, message); anything that makes the
    rest of the archive untrustworthy or too costly raises BundleError("archive").
    """

    def __init__(self, stream: GunzipReader, limits: Limits):
        self.stream, self.limits = stream, limits
        self.problems: list[tuple[str, str]] = []
        self.headers = 0
        self._data_left = self._pad_left = 0

    def __iter__(self) -> Iterator[tuple[str, int, "_MemberReader"]]:
        pax: dict[str, bytes] = {}
        longname: bytes | None = None
        while True:
            self._skip()
            block = self._read_exact(BLOCK, at_boundary=True)
            if block is None or block == ZERO_BLOCK:
                return  # end-of-archive marker (or the stream ends exactly at a header boundary)
            hdr = _parse_header(block, self.headers)
            self.headers += 1
            if self.headers > self.limits.max_headers:
                raise archive_error(f"more than {self.limits.max_headers} tar headers: refused")
            if hdr.type in EXTENDED_TYPES:
                data = self._extended(hdr)
                if hdr.type == b"x":
                    pax = _parse_pax(data)
                elif hdr.type == b"g":
                    if {"path", "linkpath", "size"} & _parse_pax(data).keys():
                        raise archive_error("a pax global header that sets path, linkpath or size: refused")
                elif hdr.type == b"L":
                    longname = data.split(b"\0", 1)[0]
                continue  # a long link only matters for links, which are refused anyway
            size = self._pax_size(pax, hdr.size)
            raw = pax["path"] if "path" in pax else longname if longname is not None else hdr.name
            sparse = any(k.startswith("GNU.sparse.") for k in pax)
            pax, longname = {}, None
            name = self._member_name(raw)
            if hdr.type in REGULAR_TYPES and not sparse:
                if size > self.limits.max_total_bytes:
                    raise archive_error(f"member {name or raw!r} declares {size} bytes, more than a whole bundle "
                                        f"may unpack to ({self.limits.max_total_bytes}): refused")
                self._start_data(size)
                if name is not None:
                    yield name, size, _MemberReader(self)
            elif hdr.type == b"5":
                continue  # a folder: its name was checked, it carries no data
            else:
                kind = "a sparse file" if sparse else NO_DATA_TYPES.get(hdr.type) or OTHER_TYPES.get(
                    hdr.type, f"an unsupported member type {hdr.type!r}")
                self.problems.append((f"archive member {name or raw.decode('utf-8', 'backslashreplace')!r}", f"{kind}: {REFUSED}"))
                if hdr.type not in NO_DATA_TYPES:
                    self._start_data(size)

    def finish(self) -> None:
        """Read to the end of the gzip stream, so its checksum and the size limit are verified."""
        self._skip()
        while self.stream.read(CHUNK):
            pass

    def _extended(self, hdr: _Header) -> bytes:
        kind = EXTENDED_TYPES[hdr.type]
        if hdr.size > self.limits.max_header_bytes:
            raise archive_error(f"a {kind} header of {hdr.size} bytes (at most {self.limits.max_header_bytes}): refused")
        self._start_data(hdr.size)
        data = self._read_exact(hdr.size)
        self._data_left = 0
        return data

    def _pax_size(self, pax: dict[str, bytes], size: int) -> int:
        if "size" not in pax:
            return size
        value = pax["size"]
        if not value.isdigit() or len(value) > 20:
            raise archive_error(f"damaged pax header: size {value[:40]!r}")
        return int(value)

    def _member_name(self, raw: bytes) -> str | None:
        """The member's name when it is safe to use; else None and a problem."""
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.problems.append((f"archive member {raw.decode('utf-8', 'backslashreplace')!r}", "name is not UTF-8: refused"))
            return None
        reason = unsafe_path_reason(name.rstrip("/") if name != "/" else name, self.limits.max_name_chars)
        if reason:
            shown = name if len(name) <= 80 else name[:80] + "…"
            self.problems.append((f"archive member {shown!r}", f"{reason}: refused"))
            return None
        return name

    def _start_data(self, size: int) -> None:
        self._data_left, self._pad_left = size, -size % BLOCK

    def _skip(self) -> None:
        while self._data_left or self._pad_left:
            take = self._data_left or self._pad_left
            chunk = self.stream.read(min(take, CHUNK))
            if not chunk:
                raise archive_error("the archive is truncated (it ends inside a member)")
            if self._data_left:
                self._data_left -= len(chunk)
            else:
                self._pad_left -= len(chunk)

    def _read_exact(self, n: int, at_boundary: bool = False) -> bytes | None:
        parts, got = [], 0
        while got < n:
            chunk = self.stream.read(n - got)
            if not chunk:
                if at_boundary and got == 0:
                    return None
                raise archive_error("the archive is truncated (it ends inside a header)")
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def read_data(self, n: int) -> bytes:
        if not self._data_left:
            return b""
        chunk = self.stream.read(min(n, self._data_left))
        if not chunk:
            raise archive_error("the archive is truncated (it ends inside a member)")
        self._data_left -= len(chunk)
        return chunk


class _MemberReader:
    def __init__(self, scanner: TarScanner):
        self._scanner = scanner

    def read(self, n: int) -> bytes:
        return self._scanner.read_data(n)


@dataclass
class _Entry:
    size: int
    data: bytes | None = None
    sha256: str | None = None
    note: str = "not read"


def _role(name: str) -> str | None:
    """'doc' (manifest or item document) or 'blob' for a name at the root or under one folder."""
    candidates = [name] + ([name.split("/", 1)[1]] if "/" in name else [])
    for rel in candidates:
        folder, _, base = rel.partition("/")
        if rel == MANIFEST or (folder == "items" and base.endswith(".json") and "/" not in base):
            return "doc"
        if folder == "blobs" and is_sha256(base):
            return "blob"
    return None


class TarSource(OpenBundle):
    """A .tar.gz bundle: scanned once when opened, read by relative names afterwards."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits = Path(path), limits
        self._fd, _ = open_regular(self.path, follow=True)
        try:
            sniff(self._fd)
            self._entries, self._prefix, self.problems = self._scan()
        except BaseException:
            self.close()
            raise

    def _scan(self) -> tuple[dict[str, _Entry], str, list[tuple[str, str]]]:
        limits = self.limits
        entries: dict[str, _Entry] = {}
        seen: set[str] = set()
        tops: set[str] = set()
        nested, kept = True, 0
        scanner = TarScanner(GunzipReader(self._fd, limits.max_total_bytes), limits)
        for name, size, reader in scanner:
            top, slash, _ = name.partition("/")
            nested = nested and bool(slash)
            tops.add(top)
            if name in seen:
                scanner.problems.append((f"archive member {name!r}", "appears twice: refused"))
                continue
            seen.add(name)
            role = _role(name)
            if role is None:
                continue
            entry = entries[name] = _Entry(size)
            if role == "blob":
                if size <= limits.max_blob_bytes:
                    entry.sha256 = hash_reader(reader)
            elif size > limits.max_manifest_bytes:
                pass  # refused by size when the manifest or item is checked
            elif kept + size > limits.max_docs_bytes:
                entry.note = f"not read: the manifest and item documents together are over {limits.max_docs_bytes} bytes"
            else:
                entry.data = read_all(reader, size)
                kept += size
        scanner.finish()
        prefix = tops.pop() + "/" if nested and len(tops) == 1 else ""
        return entries, prefix, scanner.problems

    def size(self, name: str) -> int | None:
        entry = self._entries.get(self._prefix + name)
        return entry.size if entry else None

    def read(self, name: str, limit: int) -> bytes:
        entry = self._present(name, limit)
        if entry.data is None:
            raise BundleError(f"{name}: {entry.note}")
        return entry.data

    def digest(self, name: str, limit: int) -> str:
        entry = self._present(name, limit)
        if entry.sha256 is None:
            raise BundleError(f"{name}: {entry.note}")
        return entry.sha256

    def _present(self, name: str, limit: int) -> _Entry:
        entry = self._entries.get(self._prefix + name)
        if entry is None:
            raise BundleError(f"{name}: missing")
        if entry.size > limit:
            raise BundleError(f"{name}: {entry.size} bytes, over the limit of {limit}")
        return entry

    def stream(self, names: list[str]) -> Iterator[tuple[str, "_MemberReader"]]:
        """(name, reader) for each of `names`, in archive order: one more pass over the stream."""
        wanted = {self._prefix + n: n for n in names}
        scanner = TarScanner(GunzipReader(self._fd, self.limits.max_total_bytes), self.limits)
        for name, _size, reader in scanner:
            if not wanted:
                return
            if name in wanted:
                yield wanted.pop(name), reader
