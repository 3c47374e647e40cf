"""`kiosk sim printer`: a network receipt printer (port 9100) that speaks real ESC/POS.

It decodes what it receives (devices.escpos_decode) into one PNG per job (a job ends at a cut,
or when the connection closes with something on the paper), and answers DLE EOT status
requests truthfully for its current state, which can be changed while it runs:

    ok          paper fine
    near-end    paper low (DLE EOT 4 bits 2-3): jobs still print
    out         paper out (DLE EOT 2 bit 5, DLE EOT 4 bits 5-6): jobs are not printed
    cover-open  DLE EOT 2 bit 2: jobs are not printed
    offline     DLE EOT 1 bit 3: jobs are not printed
    silent      receives but never answers a status request (a hung or non-ESC/POS device)
    garbled     answers status requests with a malformed byte (0x00: bits 1 and 4 clear)

`paper_mm` (optional) is the paper left on the roll: a job that needs more is cut off where the
paper ends, and the state becomes `out` (paper running out between or during jobs).

Faults of the link, on top of the state (`set_fault(name, delay=, after=, rate=)`):

    slow-status    each status reply comes `delay` s late (default 2.5: just under the default timeout)
    slow-read      takes at most `rate` bytes per second (default 2000): its TCP window fills up
    drop-mid-job   hangs up once `after` bytes arrived (0: at once): TCP FIN, the pty closes
    reset-mid-job  the same with a TCP reset (RST)
    extra-byte     after each job, sends its DLE EOT 4 byte once more, unasked, `delay` s later
    stall          stops reading once `after` bytes arrived (0: never reads) and answers nothing

The receive buffer is small (`RCVBUF`), like a printer's, so a printer that stops reading makes
the sender wait. `pty=True` serves the same printer on a pseudo-terminal instead of TCP: `url`
is then `serial:///dev/pts/N`, for the driver's serial link.
"""
from __future__ import annotations

import logging
import os
import select
import socket
import struct
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

from devices.escpos_decode import EscPosDecoder

log = logging.getLogger(__name__)

STATES = ("ok", "near-end", "out", "cover-open", "offline", "silent", "garbled")
FAULTS = ("none", "slow-status", "slow-read", "drop-mid-job", "reset-mid-job", "extra-byte", "stall")
DOTS_PER_MM = 8  # 203 dpi
RCVBUF = 8192  # bytes; Linux doubles it


@dataclass(frozen=True)
class Fault:
    name: str = "none"
    delay: float = 0.0  # slow-status, extra-byte: seconds
    after: int = 0  # drop-mid-job, reset-mid-job, stall: bytes received on the connection first
    rate: int = 2000  # slow-read: bytes per second


FAULT_DEFAULTS = {"slow-status": {"delay": 2.5}, "drop-mid-job": {"after": 200}, "reset-mid-job": {"after": 200}}


def status_byte(state: str, n: int) -> int:
    """The DLE EOT n reply for `state`: bits 1 and 4 always set, 0 and 7 clear."""
    value = 0x12
    if n == 1 and state == "offline":
        value |= 0x08
    if n == 2:
        if state == "cover-open":
            value |= 0x04
        if state == "out":
            value |= 0x20 | 0x40
    if n == 4:
        if state == "near-end":
            value |= 0x0C
        if state == "out":
            value |= 0x0C | 0x60
    return value


class PrinterSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 9100, out_dir: Path | None = None,
                 width_dots: int = 576, encoding: str = "gb18030", state: str = "ok", paper_mm: float | None = None,
                 fault: "str | Fault" = "none", pty: bool = False):
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        self.host, self.port, self.pty = host, port, pty
        self.fault = Fault()
        self.set_fault(fault)
        self.out_dir = Path(out_dir) if out_dir else None
        self.width, self.encoding = width_dots, encoding
        self.state = state
        self.paper_mm = paper_mm
        self.jobs: list[Path | None] = []  # PNG per printed job (None when not saved)
        self.texts: list[str] = []
        self.qr_payloads: list[str] = []
        self.received = bytearray()
        self.job_last_byte_at: list[float] = []  # time.perf_counter() when each job's last byte arrived
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._pty: _PtyConn | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.job_done = threading.Condition(self._lock)
        self._trip: tuple[int, str] | None = None

    def trip_after(self, nbytes: int, state: str) -> None:
        """Switch to `state` once `nbytes` more bytes have arrived (e.g. going offline mid-job)."""
        with self._lock:
            self._trip = (len(self.received) + nbytes, state)

    # ---- control ----------------------------------------------------------------------------

    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        with self._lock:
            log.info("simulated printer: %s -> %s", self.state, state)
            self.state = state

    def set_fault(self, fault: "str | Fault", **params) -> None:
        """Switch a link fault on (`none`: off) by name with params (delay, after, rate; see the
        module doc), or as a Fault. A connection already open picks it up within 50 ms."""
        if isinstance(fault, str):
            if fault not in FAULTS:
                raise ValueError(f"fault must be one of {', '.join(FAULTS)}")
            fault = Fault(fault, **{**FAULT_DEFAULTS.get(fault, {}), **params})
        log.info("simulated printer: fault %s", fault)
        self.fault = fault

    def start(self) -> "PrinterSimulator":
        if self.pty:
            self._pty = _PtyConn()
            self._thread = threading.Thread(target=self._handle, args=(self._pty,), name="sim-printer", daemon=True)
            self._thread.start()
            return self
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)  # before listen: accepted sockets inherit it
        srv.bind((self.host, self.port))
        srv.listen(4)
        srv.settimeout(0.2)
        self.port = srv.getsockname()[1]
        self._server = srv
        self._thread = threading.Thread(target=self._serve, name="sim-printer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=2)
        if self._server:
            self._server.close()

    def __enter__(self) -> "PrinterSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"serial://{self._pty.path}" if self._pty else f"tcp://{self.host}:{self.port}"

    def wait_jobs(self, count: int, timeout: float = 5.0) -> bool:
        with self.job_done:
            return self.job_done.wait_for(lambda: len(self.jobs) >= count, timeout)

    # ---- serving ----------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _addr = self._server.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn) -> None:
        decoder = EscPosDecoder(self.width, self.encoding)
        conn.settimeout(0.05)
        with conn:
            try:
                self._converse(conn, decoder)
            except OSError:  # the driver went away (or we dropped it): the connection is over
                pass
            leftover = decoder.flush_job()
            if leftover is not None:
                self._finish_job(leftover, decoder)

    def _converse(self, conn, decoder: EscPosDecoder) -> None:
        got = 0  # bytes received on this connection
        while not self._stopping.is_set():
            fault = self.fault
            size = 65536
            if fault.name in ("drop-mid-job", "reset-mid-job", "stall"):
                if got >= fault.after:
                    if fault.name == "stall":  # a hung printer: reads nothing, answers nothing
                        self._stopping.wait(0.05)
                        continue
                    log.info("simulated printer: %s after %d bytes", fault.name, got)
                    return _drop(conn, reset=fault.name == "reset-mid-job")
                size = fault.after - got
            elif fault.name == "slow-read":
                size = max(1, fault.rate // 20)
            try:
                data = conn.recv(size)
            except socket.timeout:
                continue
            if not data:
                return
            got += len(data)
            if fault.name == "slow-read":
                self._stopping.wait(len(data) / fault.rate)
            self._take(conn, decoder, data)

    def _take(self, conn, decoder: EscPosDecoder, data: bytes) -> None:
        arrived = time.perf_counter()
        self.received += data
        with self._lock:
            if self._trip and len(self.received) >= self._trip[0]:
                log.info("simulated printer: tripped to %s", self._trip[1])
                self.state, self._trip = self._trip[1], None
        for event in decoder.feed(data):
            if event[0] == "status":
                reply = self._status_reply(event[1])
                if reply is not None:
                    if self.fault.name == "slow-status":
                        self._stopping.wait(self.fault.delay)
                    conn.sendall(reply)
            elif event[0] == "job":
                self.job_last_byte_at.append(arrived)
                self._finish_job(event[1], decoder)
                if self.fault.name == "extra-byte":  # unasked: a late duplicate of its paper status
                    _send_later(conn, bytes([status_byte(self.state, 4)]), self.fault.delay)

    def _status_reply(self, n: int) -> bytes | None:
        with self._lock:
            if self.state == "silent":
                return None
            if self.state == "garbled":
                return b"\x00"
            return bytes([status_byte(self.state, n)])

    def _finish_job(self, image, decoder: EscPosDecoder) -> None:
        with self._lock:
            self.texts.extend(decoder.texts)
            self.qr_payloads.extend(decoder.qr_payloads)
            decoder.texts.clear()
            decoder.qr_payloads.clear()
            if self.state in ("out", "cover-open", "offline"):
                log.info("simulated printer (%s): job discarded", self.state)
                return
            if self.paper_mm is not None:
                need = image.height / DOTS_PER_MM
                if need > self.paper_mm:
                    image = image.crop((0, 0, image.width, int(self.paper_mm * DOTS_PER_MM)))
                    self.paper_mm = 0
                    self.state = "out"
                else:
                    self.paper_mm -= need
                    if self.paper_mm < 300 and self.state == "ok":
                        self.state = "near-end"
            path = None
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                path = self.out_dir / f"job-{len(self.jobs) + 1:04d}.png"
                image.save(path)
            self.jobs.append(path)
            self.job_done.notify_all()
            log.info("simulated printer: job %d (%d dots long)%s", len(self.jobs), image.height,
                     f" -> {path}" if path else "")


def _drop(conn, reset: bool) -> None:
    """Hang up: a pty closes; a socket sends RST (`reset`), or FIN and then reads and discards
    what still comes until the driver closes too, so the driver sees a clean end of file (a
    close with unread data would be a reset)."""
    if not isinstance(conn, socket.socket):
        return conn.close()
    if reset:  # linger 0: close() sends RST
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return conn.close()
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(5)
    while conn.recv(65536):
        pass


def _send_later(conn, data: bytes, delay: float) -> None:
    def send() -> None:
        try:
            conn.sendall(data)
        except OSError:  # the driver has closed the connection meanwhile
            pass

    if delay <= 0:
        send()
    else:
        threading.Timer(delay, send).start()


class _PtyConn:
    """The socket methods the simulator uses, on the master side of a pty (a serial printer).
    It keeps the slave open too, so the driver closing and reopening it is no hang-up."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo or newline translation before the driver configures it
        self.path = os.ttyname(self.slave)
        self.timeout: float | None = None
        self.closed = False

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout

    def recv(self, size: int) -> bytes:
        if self.closed:
            raise OSError("pty closed")
        if not select.select([self.master], [], [], self.timeout)[0]:
            raise socket.timeout
        return os.read(self.master, size)

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.closed:
                raise OSError("pty closed")
            view = view[os.write(self.master, view):]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.master)
            os.close(self.slave)

    def __enter__(self) -> "_PtyConn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
