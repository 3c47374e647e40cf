"""The receipt printer driver: our own ESC/POS bytes over a link chosen by URL
(devices.printer_url, devices.printer_link: tcp://, serial://, usb://, file://), real-time status before and after
every job, and one deadline per job.

A job ends `printed` only when the printer reported fine status after the job; otherwise it
ends `failed` with one reason: offline (refused, reset, closed by the printer, device missing),
cover_open, paper_out, timeout (no answer within the deadline), unknown (a malformed status
reply). An empty or malformed reply is never "fine" (python-escpos's paper_status() reports
"paper fine" for no reply at all: PITFALLS.md). `Job.detail` says what happened and where
(host:port or device, which step) for a maintainer.

The deadline (`timeout`, default 3 s) covers the whole job: connecting, the status before,
sending, the status after. Every read and write gets what is left of it, so a printer that
answers each byte just in time, takes data slowly or never answers still ends the job within
the timeout plus a few milliseconds.

DLE EOT replies carry no tag saying which query they answer, so a byte a printer sends unasked
(a late duplicate, an ASB byte, a real-time command found inside image data) could be taken as
the next reply: a printed job then reads "offline". So before each query we discard what has
already arrived, read exactly one byte per query, and after the round wait a moment: a byte
arriving then means an answer was stale, and the round is asked again (at most 3 times, then
`unknown`). Each job's state changes go through one method that logs them.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

from devices.escpos_encode import encode, status_request
from devices.printer_link import Deadline, PrinterError, open_link
from devices.printer_url import parse_printer_url
from devices.receipt import Receipt

log = logging.getLogger(__name__)

REASONS = ("offline", "cover_open", "paper_out", "timeout", "unknown")
STATUS_QUERIES = (1, 2, 4)  # DLE EOT n: printer, offline cause, paper sensor
STATUS_ROUNDS = 3  # rounds disturbed by unasked bytes before the status is `unknown`
QUIET_S = 0.02  # after a round, this long without a byte (or twice the last answer's time, if longer)


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
    state: str = "pending"  # pending -> connecting (the deadline starts) -> sending -> printed | failed
    reason: str | None = None
    history: list[tuple[float, str]] = field(default_factory=list)
    paper_near_end: bool = False
    detail: str = ""  # for a maintainer: what happened, where, at which step

    @property
    def printed(self) -> bool:
        return self.state == "printed"


class Printer:
    """One receipt printer. Thread-safe: one job at a time."""

    def __init__(self, url: str, encoding: str = "gb18030", paper_mm: int = 80, timeout: float = 3.0,
                 native_qr: bool = True):
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        self.target = parse_printer_url(url)  # ValueError with the reason for a bad URL
        self.url, self.encoding, self.paper_mm = url, encoding, paper_mm
        self.timeout, self.native_qr = float(timeout), native_qr
        self.has_status = self.target.kind != "file"
        self._lock = threading.Lock()
        self.last_reason: str | None = None  # the last status query's problem, if any
        self.last_error = ""  # why the last status was unknown, for a maintainer

    # ---- status -----------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 2, 4) within one timeout. Unknown when it cannot tell:
        then `last_reason` is offline / timeout / unknown and `last_error` says why ("cannot
        reach it: ..." when offline)."""
        with self._lock:
            link = open_link(self.target)
            deadline, step = Deadline(self.timeout), "connecting"
            try:
                link.open(deadline)
                if not link.has_status:
                    raise PrinterError("unknown", "file:// printers give no status")
                step = "asking its status"
                status = self._ask(link, deadline, quiet_check=True)
                self.last_reason, self.last_error = status.problem(), ""
                return status
            except PrinterError as exc:
                self.last_reason = exc.reason
                self.last_error = ("cannot reach it: " if exc.reason == "offline" else "") + self._where(step, exc)
                log.info("printer %s: status %s: %s", self.url, exc.reason, self.last_error)
                return PrinterStatus()
            finally:
                _close(link)

    def _ask(self, link, deadline: Deadline, quiet_check: bool) -> PrinterStatus:
        """One status round, asked again while unasked bytes make a reply doubtful (class doc).
        `quiet_check`: wait for quiet after a fine round too (after a job: the verdict)."""
        trouble = ""
        for _round in range(STATUS_ROUNDS):
            link.drain(0, "before asking DLE EOT 1")  # stale bytes: what came before we ask is no answer
            replies, last, trouble = [], 0.0, ""
            for n in STATUS_QUERIES:
                if replies and link.drain(0, f"before asking DLE EOT {n}"):
                    trouble = f"bytes nobody asked for arrived before DLE EOT {n}"
                    break
                asked = time.monotonic()
                link.write(status_request(n), deadline)
                byte = link.read_byte(deadline, f"waiting for the answer to DLE EOT {n}")
                last = time.monotonic() - asked
                if valid_status_byte(bytes([byte])) is None:
                    trouble = f"malformed answer 0x{byte:02x} to DLE EOT {n} (not an ESC/POS printer?)"
                    break
                replies.append(bytes([byte]))
            else:
                status = parse_status(*replies)
                if not (quiet_check or status.problem()):
                    return status
                if not link.drain(min(deadline.remaining(), max(QUIET_S, 2 * last)), "after the last answer"):
                    return status
                trouble = "a byte arrived after the last answer, so one answer was a stale byte"
            log.info("printer %s: %s; asking again", self.url, trouble)
        raise PrinterError("unknown", f"{trouble}; {STATUS_ROUNDS} rounds of DLE EOT gave no clean answer")

    # ---- jobs -------------------------------------------------------------------------------

    def print_receipt(self, receipt: Receipt, name: str = "receipt") -> Job:
        """Print within one deadline (`timeout`, from when this job has the printer)."""
        job = Job(name)
        payload = encode(receipt, self.encoding, self.native_qr)
        with self._lock:
            link = open_link(self.target)
            deadline, step = Deadline(self.timeout), "connecting"
            self._set(job, "connecting")
            try:
                link.open(deadline)
                if link.has_status:
                    step = "status before the job"
                    problem = self._ask(link, deadline, quiet_check=False).problem()
                    if problem:
                        raise PrinterError(problem, "reported by the printer; nothing sent")
                self._set(job, "sending")
                step = f"sending the job ({len(payload)} bytes)"
                link.write(payload, deadline)
                if link.has_status:
                    step = "status after the job"
                    after = self._ask(link, deadline, quiet_check=True)
                    if after.problem():
                        raise PrinterError(after.problem(), "reported by the printer")
                    job.paper_near_end = after.paper_near_end
                self._set(job, "printed")
            except PrinterError as exc:
                self._set(job, "failed", exc.reason, self._where(step, exc))
            except Exception as exc:  # a bug of ours, not the printer: the traceback goes to the log
                log.exception("printer %s: job %s crashed", self.url, job.name)
                self._set(job, "failed", "unknown", self._where(step, PrinterError("unknown", repr(exc))))
            finally:
                _close(link)
        return job

    def _where(self, step: str, exc: PrinterError) -> str:
        return f"{self.target.where}, {step}: {exc.detail}"

    def _set(self, job: Job, state: str, reason: str | None = None, detail: str = "") -> None:
        """The one place a job changes state (logged)."""
        job.state, job.reason, job.detail = state, reason, detail
        job.history.append((time.monotonic(), state))
        if state == "failed":
            log.warning("printer %s: job %s failed: %s (%s)", self.url, job.name, reason, detail)
        else:
            log.info("printer %s: job %s %s", self.url, job.name, state)


def _close(link) -> None:
    try:
        link.close()
    except Exception:  # closing a half-open link must not mask the job's outcome
        log.debug("closing the printer link failed", exc_info=True)
