"""The receipt printer driver: python-escpos transports chosen by URL, our own ESC/POS bytes,
real-time status before and after every job.

    tcp://host:9100                      network (python-escpos Network)
    serial:///dev/ttyUSB0?baud=9600      serial (python-escpos Serial)
    usb://VID:PID                        USB (python-escpos Usb; needs a udev rule, group lp)
    file:///path                         a file or device node (no status: for development)

A job ends `printed` only when the printer reported fine status after the job; otherwise it
ends `failed` with one reason: offline, cover_open, paper_out, timeout, unknown. An empty or
malformed status reply is `unknown`, never "fine" (python-escpos's paper_status() reports
"paper fine" for no reply at all: PITFALLS.md). Each job's state changes go through one method
that logs them.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from devices.escpos_encode import encode, status_request
from devices.receipt import Receipt

log = logging.getLogger(__name__)

REASONS = ("offline", "cover_open", "paper_out", "timeout", "unknown")


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None = None  # None: unknown (no or malformed reply)
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    error: bool = False

    @property
    def known(self) -> bool:
        return self.online is not None

    def problem(self) -> str | None:
        """The reason a job cannot print now, or None when the printer is fine."""
        if not self.known:
            return "unknown"
        if self.paper_out:
            return "paper_out"
        if self.cover_open:
            return "cover_open"
        if not self.online or self.error:
            return "offline"
        return None


def valid_status_byte(reply: bytes) -> int | None:
    """The status byte, or None unless the reply is exactly one byte with bits 1, 4 set and 0, 7 clear."""
    if len(reply) != 1:
        return None
    b = reply[0]
    if b & 0x12 != 0x12 or b & 0x81:
        return None
    return b


def parse_status(r1: bytes, r2: bytes, r4: bytes) -> PrinterStatus:
    b1, b2, b4 = valid_status_byte(r1), valid_status_byte(r2), valid_status_byte(r4)
    if b1 is None or b2 is None or b4 is None:
        return PrinterStatus()
    return PrinterStatus(
        online=not b1 & 0x08,
        cover_open=bool(b2 & 0x04),
        paper_out=bool(b2 & 0x20) or bool(b4 & 0x60),
        paper_near_end=bool(b4 & 0x0C),
        error=bool(b2 & 0x40) and not (b2 & 0x20),
    )


@dataclass
class Job:
    name: str
    state: str = "pending"  # pending -> sending -> printed | failed
    reason: str | None = None
    history: list[tuple[float, str]] = field(default_factory=list)
    paper_near_end: bool = False

    @property
    def printed(self) -> bool:
        return self.state == "printed"


class PrinterError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def open_transport(url: str, timeout: float):
    """A python-escpos printer object for `url` (not opened yet). ValueError for a bad URL."""
    u = urlparse(url)
    if u.scheme == "tcp":
        from escpos.printer import Network

        if not u.hostname:
            raise ValueError(f"{url}: tcp:// needs a host, e.g. tcp://192.0.2.20:9100")
        return Network(u.hostname, port=u.port or 9100, timeout=timeout)
    if u.scheme == "serial":
        from escpos.printer import Serial

        query = parse_qs(u.query)
        baud = int(query.get("baud", ["9600"])[0])
        return Serial(u.path, baudrate=baud, timeout=timeout)
    if u.scheme == "usb":
        from escpos.printer import Usb

        try:
            vid, pid = (int(x, 16) for x in (u.netloc or u.path.strip("/")).split(":"))
        except ValueError:
            raise ValueError(f"{url}: usb:// needs VID:PID in hex, e.g. usb://0416:5011") from None
        return Usb(vid, pid, timeout=int(timeout * 1000))
    if u.scheme == "file":
        from escpos.printer import File

        return File(u.path)
    raise ValueError(f"{url}: unknown printer URL (use tcp://, serial://, usb:// or file://)")


class Printer:
    """One receipt printer. Thread-safe: one job at a time."""

    def __init__(self, url: str, encoding: str = "gb18030", paper_mm: int = 80, timeout: float = 3.0,
                 native_qr: bool = True):
        self.url, self.encoding, self.paper_mm = url, encoding, paper_mm
        self.timeout, self.native_qr = timeout, native_qr
        self.has_status = not url.startswith("file:")
        self._lock = threading.Lock()
        self.last_error = ""  # why the last status was unknown, for a maintainer
        open_transport(url, timeout)  # fail early on a malformed URL

    # ---- status -----------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 2, 4). Unknown when it cannot be reached or answers badly."""
        with self._lock:
            dev = open_transport(self.url, self.timeout)
            try:
                dev.open()
                return self._status(dev)
            except Exception as exc:  # any transport failure means: we do not know
                log.info("printer %s: status unknown (%s)", self.url, exc)
                self.last_error = f"cannot reach it ({type(exc).__name__}: {str(exc).splitlines()[-1] if str(exc) else ''})"
                return PrinterStatus()
            finally:
                _close(dev)

    def _status(self, dev) -> PrinterStatus:
        if not self.has_status:
            return PrinterStatus()
        replies = []
        for n in (1, 2, 4):
            dev._raw(status_request(n))
            reply = self._read_reply(dev)
            if valid_status_byte(reply) is None:  # no or garbled answer: stop asking, it is unknown
                log.info("printer %s: DLE EOT %d answered %r", self.url, n, reply)
                self.last_error = f"no valid answer to DLE EOT {n} (got {reply!r}): not an ESC/POS printer, or hung"
                return PrinterStatus()
            replies.append(reply)
        return parse_status(*replies)

    def _read_reply(self, dev) -> bytes:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                data = dev._read()
            except (socket.timeout, TimeoutError):
                return b""
            if data:
                return bytes(data)
            time.sleep(0.01)  # serial/usb reads return empty instead of blocking
        return b""

    # ---- jobs -------------------------------------------------------------------------------

    def print_receipt(self, receipt: Receipt, name: str = "receipt") -> Job:
        job = Job(name)
        payload = encode(receipt, self.encoding, self.native_qr)
        with self._lock:
            dev = open_transport(self.url, self.timeout)
            try:
                try:
                    dev.open()
                except Exception as exc:
                    raise PrinterError("offline", f"cannot connect: {exc}") from None
                if self.has_status:
                    before = self._status(dev)
                    if before.problem():
                        raise PrinterError(before.problem(), "before the job")
                self._set(job, "sending")
                dev._raw(payload)
                if self.has_status:
                    after = self._status(dev)
                    if after.problem():
                        raise PrinterError(after.problem(), "after the job")
                    job.paper_near_end = after.paper_near_end
                self._set(job, "printed")
            except PrinterError as exc:
                self._set(job, "failed", exc.reason, exc.detail)
            except (socket.timeout, TimeoutError) as exc:
                self._set(job, "failed", "timeout", str(exc))
            except Exception as exc:  # a transport error mid-job: the printer went away
                self._set(job, "failed", "offline", f"{type(exc).__name__}: {exc}")
            finally:
                _close(dev)
        return job

    def _set(self, job: Job, state: str, reason: str | None = None, detail: str = "") -> None:
        """The one place a job changes state (logged)."""
        job.state, job.reason = state, reason
        job.history.append((time.monotonic(), state))
        if state == "failed":
            log.warning("printer %s: job %s failed: %s %s", self.url, job.name, reason, detail)
        else:
            log.info("printer %s: job %s %s", self.url, job.name, state)


def _close(dev) -> None:
    try:
        dev.close()
    except Exception:  # closing a half-open transport must not mask the job's outcome
        log.debug("closing the printer transport failed", exc_info=True)
