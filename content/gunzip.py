"""gzip data from a bundle file, decompressed in bounded memory and never past a total.

`sniff` refuses anything but gzip from the first bytes, naming the known formats a bundle file
might be instead; `GunzipReader` inflates on demand, CHUNK bytes at a time, and refuses the
stream once it has produced more than its limit (a gzip bomb costs what the limit costs).
Several gzip members in a row and zero padding after the last are valid gzip and accepted.
"""
from __future__ import annotations

import os
import zlib

from content.bundle import BundleError

CHUNK = 1 << 16
SNIFF_BYTES = 512
GZIP_MAGIC = b"\x1f\x8b"
OTHER_FORMATS = ((b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"),
                 (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!", "rar"), (b"\x5d\x00\x00", "lzma"))


def archive_error(message: str) -> BundleError:
    return BundleError(message, where="archive")


def sniff(fd: int) -> None:
    """Refuse anything but gzip data, naming what it is when it is a known format."""
    head = os.pread(fd, SNIFF_BYTES, 0)
    if head[:2] == GZIP_MAGIC:
        return
    if not head:
        raise archive_error("an empty file, not a .tar.gz")
    for magic, name in OTHER_FORMATS:
        if head.startswith(magic):
            raise archive_error(f"{name} data: a bundle archive must be gzip-compressed (.tar.gz), nothing else")
    if len(head) == SNIFF_BYTES and head[257:262] == b"ustar":
        raise archive_error("an uncompressed tar: a bundle archive must be gzip-compressed (tar czf)")
    raise archive_error("not a bundle directory nor a readable .tar.gz (not gzip data)")


class GunzipReader:
    """gzip data from a file descriptor, decompressed as asked and never past `limit` bytes in all."""

    def __init__(self, fd: int, limit: int):
        self.fd, self.limit, self.total = fd, limit, 0
        self._obj: zlib._Decompress | None = zlib.decompressobj(31)
        self._pending = b""  # compressed input not yet decompressed
        self._out, self._pos = b"", 0  # decompressed, not yet read
        self._done = False
        os.lseek(fd, 0, os.SEEK_SET)

    def read(self, n: int) -> bytes:
        """Up to `n` bytes; b"" at the end of the last gzip member."""
        if self._pos == len(self._out):
            self._out, self._pos = self._inflate(), 0
        data = self._out[self._pos:self._pos + n]
        self._pos += len(data)
        return data

    def _inflate(self) -> bytes:
        """The next CHUNK (or less) of decompressed data; b"" at the end."""
        while not self._done:
            if self._obj is None and not self._next_member():
                break
            if not self._pending:
                self._pending = os.read(self.fd, CHUNK)
                if not self._pending:
                    raise archive_error(f"the gzip stream is truncated (the file ends after {self.total} unpacked bytes)")
            assert self._obj is not None
            try:
                out = self._obj.decompress(self._pending, CHUNK)
            except zlib.error as exc:
                raise archive_error(f"corrupt gzip data after {self.total} unpacked bytes ({exc})") from exc
            if self._obj.eof:
                self._pending, self._obj = self._obj.unused_data, None
            else:
                self._pending = self._obj.unconsumed_tail
            if out:
                self.total += len(out)
                if self.total > self.limit:
                    raise archive_error(f"unpacks to more than {self.limit} bytes, the limit for a bundle: refused")
                return out
        return b""

    def _next_member(self) -> bool:
        """Between gzip members: True when another one follows, False at the end (zero padding allowed)."""
        while not self._pending.lstrip(b"\0"):
            self._pending = os.read(self.fd, CHUNK)
            if not self._pending:
                self._done = True
                return False
        self._pending = self._pending.lstrip(b"\0")
        if len(self._pending) < 2:
            self._pending += os.read(self.fd, CHUNK)
        if self._pending[:2] != GZIP_MAGIC:
            raise archive_error("unexpected data after the end of the gzip stream")
        self._obj = zlib.decompressobj(31)
        return True
