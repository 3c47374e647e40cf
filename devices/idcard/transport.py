"""Byte transports for the ID-card reader, separate from the framing (PITFALLS: some readers
are USB bulk devices, e.g. 0400:C35A, carrying the same frames; a ``UsbBulkTransport`` with the
same four methods can follow without touching frames/protocol/reader).

This is the only module that imports pyserial. ``open_transport`` is the factory: a device
path opens the serial port; ``virtual`` / ``virtual:CARD.json`` gives an in-process simulated
reader (devices.idcard.sim) behind the same pyserial-shaped object, for demos without a pty.
"""
from __future__ import annotations

import logging
import os
import stat
import time

from .frames import ReaderError

log = logging.getLogger("devices.idcard.transport")

BAUDRATE = 115200  # SAM module UART default, 8N1 (the module can be switched to 9600..57600)
_SLICE = 0.05      # pyserial read timeout; read() loops in slices until its own deadline


class PortError(ReaderError):
    """The port cannot be opened or failed under us (unplugged, permissions, busy)."""

    reason = "port_error"


class Transport:
    """What the protocol layer needs: write, read with a timeout, pending count, flush, close."""

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes; fewer only when ``timeout`` seconds passed first."""
        raise NotImplementedError

    def pending(self) -> int:
        raise NotImplementedError

    def reset_input(self) -> int:
        """Drop unread input; returns how many bytes were dropped."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def discard(self, quiet: float = 0.05, limit: float = 1.0) -> int:
        """Read and drop bytes until the line has been quiet for ``quiet`` s (at most ``limit`` s).

        After a garbled or truncated reply the rest may still be arriving (1295 bytes take
        ~0.11 s at 115200 baud); flushing once would leave its tail to spoil the next reply.
        """
        dropped = 0
        end = time.monotonic() + limit
        while time.monotonic() < end:
            chunk = self.read(4096, quiet)
            if not chunk:
                break
            dropped += len(chunk)
        return dropped


class SerialTransport(Transport):
    """A pyserial port (or any object with the same few methods, see ``from_serial``)."""

    def __init__(self, port: str, baudrate: int = BAUDRATE):
        import serial  # the one place pyserial is imported

        _check_device(port)
        try:
            ser = serial.Serial(port, baudrate=baudrate, bytesize=8, parity="N", stopbits=1,
                                timeout=_SLICE, write_timeout=1.0, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            if "Inappropriate ioctl" in str(exc):  # termios refused: /dev/null, /dev/zero, ...
                raise PortError(f"cannot open {port}: a device, but not a serial port") from exc
            raise PortError(f"cannot open {port}: {exc}") from exc
        self._init(ser, port)

    @classmethod
    def from_serial(cls, ser, name: str = "virtual") -> "SerialTransport":
        """Wrap an already open pyserial-shaped object (the simulator's VirtualSerial)."""
        self = cls.__new__(cls)
        self._init(ser, name)
        return self

    def _init(self, ser, name: str) -> None:
        self._ser = ser
        self.name = name

    def _io(self, what, *args):
        try:
            return what(*args)
        except ReaderError:
            raise
        except Exception as exc:  # SerialException, OSError (EIO when a USB adapter goes away)
            raise PortError(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    def write(self, data: bytes) -> None:
        self._io(self._ser.write, bytes(data))

    def read(self, n: int, timeout: float) -> bytes:
        buf = bytearray()
        deadline = time.monotonic() + max(0.0, timeout)
        while len(buf) < n:
            buf += self._io(self._ser.read, n - len(buf))
            if time.monotonic() >= deadline:
                break
        return bytes(buf)

    def pending(self) -> int:
        return self._io(lambda: self._ser.in_waiting)

    def reset_input(self) -> int:
        waiting = self.pending()
        self._io(self._ser.reset_input_buffer)
        return waiting

    def close(self) -> None:
        try:
            self._ser.close()
        except Exception:  # closing a port that vanished must not hide the real error
            log.debug("closing %s failed", self.name, exc_info=True)


def _check_device(port: str) -> None:
    """Refuse at once what cannot be a serial port, before pyserial opens it read-write
    (it would open a regular file, and wait on a FIFO)."""
    if not port or "\0" in port:
        raise PortError("no port given" if not port else "port name contains a NUL character")
    try:
        mode = os.stat(port).st_mode
    except FileNotFoundError:
        raise PortError(f"cannot open {port}: no such device") from None
    except OSError as exc:
        raise PortError(f"cannot open {port}: {exc.strerror}") from None
    if not stat.S_ISCHR(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a regular file" if stat.S_ISREG(mode)
                else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a device")
        raise PortError(f"cannot open {port}: {kind}, not a serial device")


def open_transport(port: str) -> Transport:
    """The factory: ``virtual[:CARD.json]`` -> simulated reader in-process; else a serial device.
    A card file that cannot be used is a PortError naming the file and the problem."""
    if port == "virtual" or port.startswith("virtual:"):
        from .cardfile import CardFileError, load_card_file
        from .sim import SimReader, VirtualSerial

        card_file = port.partition(":")[2]
        try:
            card = load_card_file(card_file) if card_file else None
        except CardFileError as exc:
            raise PortError(f"cannot use {port}: card file {exc}") from None
        return SerialTransport.from_serial(VirtualSerial(SimReader(card)), name=port)
    return SerialTransport(port)
