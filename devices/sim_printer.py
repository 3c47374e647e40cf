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
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

from devices.escpos_decode import EscPosDecoder

log = logging.getLogger(__name__)

STATES = ("ok", "near-end", "out", "cover-open", "offline", "silent", "garbled")
DOTS_PER_MM = 8  # 203 dpi


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
                 width_dots: int = 576, encoding: str = "gb18030", state: str = "ok", paper_mm: float | None = None):
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        self.host, self.port = host, port
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

    def start(self) -> "PrinterSimulator":
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
        return f"tcp://{self.host}:{self.port}"

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

    def _handle(self, conn: socket.socket) -> None:
        decoder = EscPosDecoder(self.width, self.encoding)
        conn.settimeout(0.2)
        with conn:
            while not self._stopping.is_set():
                try:
                    data = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
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
                            try:
                                conn.sendall(reply)
                            except OSError:
                                break
                    elif event[0] == "job":
                        self.job_last_byte_at.append(arrived)
                        self._finish_job(event[1], decoder)
            leftover = decoder.flush_job()
            if leftover is not None:
                self._finish_job(leftover, decoder)

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
