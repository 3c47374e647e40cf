"""Framing of the SAM serial protocol of 二代身份证 readers: build and parse, strictly.

Byte layout (checked against public write-ups of the 公安部 SAM(V) module protocol:
blog.csdn.net/zhangbijun1230/article/details/85242964 "公安部身份证阅读器模块SAM通讯协议",
eastcoms.com/service/downdrive/508.html "身份证阅读器模块SAM_V通讯协议", softs.im
"身份证阅读器通信协议", and the UART driver in github.com/Yangyuanxin/BearPi
10.ZKT_BearPi/ZKT_SDK/IDReader.c; they agree on everything below)::

    request  AA AA AA 96 69 | LEN1 LEN2 | CMD PARA DATA... | CHK
    reply    AA AA AA 96 69 | LEN1 LEN2 | SW1 SW2 SW3 DATA... | CHK

* The preamble is 5 bytes: ``AA AA AA`` (sync) then ``96 69`` (start of frame).
* LEN is big-endian (LEN1 = high byte) and counts every byte after itself, the checksum
  included: a request without data has LEN = 3 (CMD, PARA, CHK); a bare status reply LEN = 4.
* CHK is the XOR of every byte after the preamble except CHK itself, i.e. of LEN1, LEN2 and
  the payload. Worked example from softs.im: ``AA AA AA 96 69 00 04 00 00 41 45`` where
  ``00^04^00^00^41 = 45`` (a "read failed" reply).

Anything that is not exactly one well-formed frame raises a :class:`FrameError` subclass whose
``reason`` is a short code for logs and ``on_error``; the message says what was wrong in
lengths and counts only. No message quotes a byte that came from the reader, not even a
header or a checksum: after a reader stalls mid-reply, the next "header" is the tail of a
card's text, and a checksum is a function of the card's data.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
HEAD_LEN = len(PREAMBLE) + 2
# Longest reply we accept: 30 01 is 1288, and readers that also return fingerprints (30 10)
# send 256 + 1024 + 1024 of payload; anything longer is a garbled length, not a frame.
MAX_LEN = 4096
MIN_REQUEST_LEN = 3  # CMD PARA CHK
MIN_REPLY_LEN = 4    # SW1 SW2 SW3 CHK
_NO_PREAMBLE = "does not start with the AA AA AA 96 69 preamble"


class ReaderError(Exception):
    """Base of every failure the reader reports; ``reason`` is a short stable code."""

    reason = "reader_error"

    def __init__(self, detail: str = "", reason: str | None = None):
        if reason:
            self.reason = reason
        super().__init__(detail or self.reason)


class FrameError(ReaderError):
    reason = "bad_frame"


class BadHeader(FrameError):
    reason = "bad_header"


class BadLength(FrameError):
    reason = "bad_length"


class BadChecksum(FrameError):
    reason = "bad_checksum"


class TruncatedFrame(FrameError):
    reason = "truncated"


class TrailingGarbage(FrameError):
    reason = "trailing_garbage"


class ReaderTimeout(ReaderError):
    """Nothing at all came back within the timeout (reader silent, unplugged, wrong baud)."""

    reason = "timeout"


class ByteSource(Protocol):
    """What :func:`read_frame` needs from a transport."""

    def read(self, n: int, timeout: float) -> bytes: ...

    def pending(self) -> int: ...


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes = b""


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""


def checksum(body: bytes) -> int:
    """XOR of ``body`` (the two length bytes and the payload, without preamble and CHK)."""
    value = 0
    for b in body:
        value ^= b
    return value


def _frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > MAX_LEN:
        raise ValueError(f"payload of {len(payload)} bytes is longer than a frame can carry")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def build_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    return _frame(bytes([cmd, para]) + bytes(data))


def build_reply(sw1: int, sw2: int, sw3: int, data: bytes = b"") -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + bytes(data))


def _unframe(buf: bytes, minimum: int) -> bytes:
    """Check one complete frame and return its payload (between LEN and CHK)."""
    buf = bytes(buf)
    if buf[: len(PREAMBLE)] != PREAMBLE[: len(buf)]:
        raise BadHeader(_NO_PREAMBLE)
    if len(buf) < HEAD_LEN:
        raise TruncatedFrame(f"{len(buf)} bytes, shorter than preamble and length")
    length = int.from_bytes(buf[5:7], "big")
    if not minimum <= length <= MAX_LEN:
        raise BadLength(f"length field outside {minimum}..{MAX_LEN}")
    total = HEAD_LEN + length
    if len(buf) < total:
        raise TruncatedFrame(f"{len(buf)} of {total} bytes")
    if len(buf) > total:
        raise TrailingGarbage(f"{len(buf) - total} bytes after a {total}-byte frame")
    body, chk = buf[5:-1], buf[-1]
    if checksum(body) != chk:
        raise BadChecksum(f"checksum of a {len(buf)}-byte frame does not match")
    return body[2:]


def parse_request(buf: bytes) -> Request:
    payload = _unframe(buf, MIN_REQUEST_LEN)
    return Request(payload[0], payload[1], payload[2:])


def parse_reply(buf: bytes) -> Reply:
    payload = _unframe(buf, MIN_REPLY_LEN)
    return Reply(payload[0], payload[1], payload[2], payload[3:])


def read_frame(source: ByteSource, timeout: float) -> bytes:
    """Read exactly one frame: preamble, length, then that many bytes, within ``timeout``.

    Strict on purpose: the first byte must start the preamble (a reader that answers garbage
    is reported, not resynchronised silently), and bytes already waiting after the frame are
    trailing garbage. Callers discard pending input before the next request.
    """
    deadline = time.monotonic() + timeout
    head = source.read(HEAD_LEN, max(0.0, deadline - time.monotonic()))
    if not head:
        raise ReaderTimeout(f"no reply within {timeout:.2f} s")
    if head[: len(PREAMBLE)] != PREAMBLE[: len(head)]:
        raise BadHeader(_NO_PREAMBLE)
    if len(head) < HEAD_LEN:
        raise TruncatedFrame(f"reply stopped after {len(head)} bytes")
    length = int.from_bytes(head[5:7], "big")
    if not MIN_REPLY_LEN <= length <= MAX_LEN:
        raise BadLength(f"length field outside {MIN_REPLY_LEN}..{MAX_LEN}")
    body = source.read(length, max(0.0, deadline - time.monotonic()))
    if len(body) < length:
        raise TruncatedFrame(f"reply stopped after {HEAD_LEN + len(body)} of {HEAD_LEN + length} bytes")
    extra = source.pending()
    if extra:
        raise TrailingGarbage(f"{extra} bytes after a {HEAD_LEN + length}-byte reply")
    return head + body
