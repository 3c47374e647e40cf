"""The byte links under the printer driver (one per URL kind: devices.printer_url), every
operation bounded by one job deadline.

    tcp://    python-escpos Network opens the socket
    serial:// python-escpos Serial opens the port (pyserial)
    usb://    python-escpos Usb finds and configures it (pyusb)
    file://   opened here: a file, FIFO or device node; no status (for development)

python-escpos's `_raw`/`_read` take no timeout (its Network gives each read the whole timeout
again, so a slow printer stretched one job to 6x it), so python-escpos only opens the device;
then the link reads and writes the socket's or port's file descriptor non-blocking, waiting in
poll() for what is left of the job's `Deadline`, or calls pyusb with that many milliseconds.
What cannot be bounded: USB `find`, `set_configuration` and `reset` (pyusb takes no timeout);
a host name's lookup is bounded, but the resolver thread runs on until the resolver gives up.
`file://` is opened by us with O_NONBLOCK: python-escpos's File blocks forever on a FIFO nobody
reads.

Failures are `PrinterError(reason, message)`: connection refused, reset, closed by the printer
(EOF, EPIPE, ECONNRESET), a device that is missing or went away -> `offline`; nothing within the
deadline -> `timeout`.
"""
from __future__ import annotations

import errno
import ipaddress
import math
import os
import select
import socket
import stat
import threading
import time

from devices.printer_url import Target, parse_printer_url  # noqa: F401  (kiosk.config imports it from here)


class PrinterError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class Deadline:
    """The time one job (or one status query) may take, from its start."""

    def __init__(self, seconds: float):
        self.total = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def left(self, doing: str) -> float:
        """What is left, or PrinterError('timeout') when nothing is."""
        left = self.remaining()
        if left <= 0:
            raise self.expired(doing)
        return left

    def expired(self, doing: str) -> PrinterError:
        return PrinterError("timeout", f"{doing}: not done within the {self.total:g} s deadline")


def explain(exc: BaseException) -> str:
    """An OS error in words a maintainer can act on."""
    words = {
        errno.ECONNREFUSED: "connection refused (nothing listens there: printer off, or wrong port)",
        errno.ECONNRESET: "the printer reset the connection",
        errno.EPIPE: "the printer closed the connection",
        errno.EHOSTUNREACH: "host unreachable (printer off or on another network)",
        errno.ENETUNREACH: "network unreachable",
        errno.ENOENT: "no such device or file",
        errno.EACCES: "permission denied",
        errno.ENODEV: "the device went away (unplugged?)",
        errno.EIO: "input/output error (device unplugged?)",
    }
    code = getattr(exc, "errno", None)
    return words.get(code) or f"{type(exc).__name__}: {exc}"


def open_link(target: Target):
    """The link for a target (not opened yet). Call it before the deadline starts: the first
    call imports python-escpos (about 0.5 s: its printer profiles), which is no printer's delay."""
    if target.kind != "file":
        import escpos.printer  # noqa: F401
    return {"tcp": TcpLink, "serial": SerialLink, "usb": UsbLink, "file": FileLink}[target.kind](target)


class FdLink:
    """Reads and writes a non-blocking file descriptor, waiting in poll() for what is left."""

    has_status = True
    hangup = "the printer closed the connection"
    fd: int | None = None

    def write(self, data: bytes, deadline: Deadline) -> None:
        view, sent = memoryview(data), 0
        while sent < len(data):
            try:
                sent += os.write(self.fd, view[sent:sent + 65536])
            except BlockingIOError:  # the printer is not taking data (buffer full): wait what is left
                doing = f"sending ({sent} of {len(data)} bytes taken)"
                if not _ready(self.fd, select.POLLOUT, deadline.left(doing)):
                    raise deadline.expired(doing) from None
            except OSError as exc:
                raise PrinterError("offline", f"{explain(exc)} ({sent} of {len(data)} bytes taken)") from None

    def read_byte(self, deadline: Deadline, doing: str) -> int:
        while True:
            self._ack_at_once()
            if not _ready(self.fd, select.POLLIN, deadline.left(doing)):
                raise deadline.expired(doing)
            data = self._read(1, doing)
            if data:
                return data[0]

    def drain(self, wait: float, doing: str) -> int:
        """Discard what the printer already sent, waiting up to `wait` s for a first byte."""
        count, end = 0, time.monotonic() + wait
        self._ack_at_once()
        while _ready(self.fd, select.POLLIN, 0 if count else end - time.monotonic()):
            count += len(self._read(4096, doing))
        return count

    def _ack_at_once(self) -> None:
        """Nothing to do but on TCP (below)."""

    def _read(self, size: int, doing: str) -> bytes:
        """Up to `size` bytes when poll() said readable; b'' only when there was nothing after all."""
        try:
            data = os.read(self.fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise PrinterError("offline", f"{doing}: {explain(exc)}") from None
        if not data:  # readable and empty: end of file, the other side is gone
            raise PrinterError("offline", f"{doing}: {self.hangup}")
        return data


def _ready(fd: int, event: int, seconds: float) -> bool:
    """Whether `fd` is ready (or hung up / in error: the next read or write says which) within
    `seconds`. poll(), not select(): an app with many files open may have fds above 1024."""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(math.ceil(max(0.0, seconds) * 1000)))


class TcpLink(FdLink):
    def __init__(self, target: Target):
        self.target, self.sock = target, None

    def open(self, deadline: Deadline) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Network

        host = _resolve(self.target.host, deadline)
        dev = Network(host, port=self.target.port, timeout=deadline.left("connecting"))
        try:
            dev.open()
        except DeviceNotFoundError as exc:
            cause = exc.__context__ or exc
            if isinstance(cause, TimeoutError):
                raise deadline.expired("connecting") from None
            raise PrinterError("offline", explain(cause)) from None
        self.sock = _take_device(dev)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a 3-byte query goes out at once
        self.fd = self.sock.fileno()

    def _ack_at_once(self) -> None:
        """Acknowledge each answer byte at once. A printer's stack holds a small segment while its
        previous one is unacknowledged (Nagle), and ours delays that acknowledgement up to 40 ms:
        the answer to the last query then came after the quiet check. Linux resets the flag."""
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.sock = self.fd = None


def _take_device(dev):
    """The opened socket or port, now ours: python-escpos objects close their device when garbage
    collected (`Escpos.__del__`), which would cut the connection in the middle of a job."""
    device, dev._device = dev.device, False
    return device


def _resolve(host: str, deadline: Deadline) -> str:
    """An address for `host`, the lookup bounded by the deadline (getaddrinfo takes no timeout)."""
    try:
        ipaddress.IPv4Address(host)
        return host
    except ValueError:
        pass
    found: list = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])
        except OSError as exc:
            found.append(exc)

    worker = threading.Thread(target=lookup, name="printer-resolve", daemon=True)
    worker.start()
    worker.join(deadline.left(f"resolving {host}"))
    if not found:
        raise deadline.expired(f"resolving {host}")
    if isinstance(found[0], OSError):
        raise PrinterError("offline", f"cannot resolve {host}: {found[0]}")
    return found[0]


class SerialLink(FdLink):
    """python-escpos (pyserial) opens and configures the port; I/O goes to its non-blocking fd."""

    hangup = "the serial device hung up (unplugged?)"

    def __init__(self, target: Target):
        self.target, self.port = target, None

    def open(self, deadline: Deadline) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Serial

        path = self.target.path
        if not os.path.exists(path):
            raise PrinterError("offline", f"{path} does not exist (unplugged, or another name: ls /dev/ttyUSB* /dev/ttyACM*)")
        if not stat.S_ISCHR(os.stat(path).st_mode):
            raise PrinterError("offline", f"{path} is not a serial device")
        dev = Serial(path, baudrate=self.target.baud, timeout=deadline.left("opening the port"))
        try:
            dev.open()  # pyserial opens with O_NONBLOCK: this does not wait for the device
        except DeviceNotFoundError as exc:
            cause = exc.__context__ or exc
            hint = " (add the kiosk user to group dialout)" if "ermission" in str(cause) else ""
            raise PrinterError("offline", f"cannot open {path}: {cause}{hint}") from None
        self.port = _take_device(dev)
        self.fd = self.port.fileno()
        os.set_blocking(self.fd, False)

    def close(self) -> None:
        # not python-escpos's close(): it flushes (tcdrain), which waits forever on a stalled port,
        # and a tty's close() waits up to closing_wait (30 s) for pending output: drop it first.
        if self.port is not None:
            try:
                self.port.reset_output_buffer()
            except Exception:  # a port that went away: closing is all that is left
                pass
            self.port.close()
            self.port = self.fd = None


class UsbLink:
    """pyusb with a timeout per call (milliseconds; 0 would mean forever there, so at least 1)."""

    has_status = True

    def __init__(self, target: Target):
        self.target, self.dev, self.buf = target, None, bytearray()

    def open(self, deadline: Deadline) -> None:
        from escpos.printer import Usb

        dev = Usb(self.target.vid, self.target.pid, timeout=_ms(deadline.left("opening USB")))
        try:
            dev.open()  # find, set_configuration, reset: pyusb cannot bound these
        except Exception as exc:  # DeviceNotFoundError, or RuntimeError when pyusb is missing
            raise PrinterError("offline", f"cannot open {self.target.where}: {exc}") from None
        self.dev = dev

    def write(self, data: bytes, deadline: Deadline) -> None:
        self._call(lambda ms: self.dev.device.write(self.dev.out_ep, data, ms), deadline, f"sending {len(data)} bytes")

    def read_byte(self, deadline: Deadline, doing: str) -> int:
        while not self.buf:
            self.buf += bytes(self._call(lambda ms: self.dev.device.read(self.dev.in_ep, 16, ms), deadline, doing))
        return self.buf.pop(0)

    def drain(self, wait: float, doing: str) -> int:
        count = len(self.buf)
        self.buf.clear()
        window = Deadline(max(wait, 0.001))
        while True:
            try:
                got = self._call(lambda ms: self.dev.device.read(self.dev.in_ep, 16, ms), window, doing)
            except PrinterError as exc:
                if exc.reason == "timeout":
                    return count
                raise
            count += len(got)
            if count:
                window = Deadline(0.001)

    def _call(self, fn, deadline: Deadline, doing: str):
        import usb.core

        try:
            return fn(_ms(deadline.left(doing)))
        except usb.core.USBTimeoutError:
            raise deadline.expired(doing) from None
        except usb.core.USBError as exc:
            if exc.errno == errno.ETIMEDOUT:
                raise deadline.expired(doing) from None
            raise PrinterError("offline", f"{doing}: {exc}") from None

    def close(self) -> None:
        if self.dev is not None:
            self.dev.close()
            self.dev = None


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class FileLink(FdLink):
    """No status: what is written is all there is (development, or a printer behind a spooler)."""

    has_status = False

    def __init__(self, target: Target):
        self.target = target

    def open(self, deadline: Deadline) -> None:
        path = self.target.path
        try:  # O_NONBLOCK: a FIFO nobody reads fails with ENXIO instead of blocking in open()
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                raise PrinterError("offline", f"{path}: a FIFO that nothing reads") from None
            raise PrinterError("offline", f"cannot open {path}: {explain(exc)}") from None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
