"""Printer URLs: what the `[printer] url` setting and `--printer` name, checked before use.

    tcp://host:9100                      network (tcp://host alone: port 9100)
    serial:///dev/ttyUSB0?baud=9600      serial
    usb://VID:PID                        USB, ids in hex
    file:///path                         a file, FIFO or device node (not a directory)

`parse_printer_url` raises ValueError with a one-line reason naming the URL. Whether the device
is there (a serial port plugged in, a FIFO with a reader) is found out when a job opens it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

DEFAULT_TCP_PORT = 9100  # raw printing ("JetDirect"); tcp://host alone means this port


@dataclass(frozen=True)
class Target:
    url: str
    kind: str  # tcp, serial, usb, file
    host: str = ""
    port: int = 0
    path: str = ""
    baud: int = 9600
    vid: int = 0
    pid: int = 0

    @property
    def where(self) -> str:
        if self.kind == "tcp":
            return f"{self.host}:{self.port}"
        if self.kind == "usb":
            return f"USB {self.vid:04x}:{self.pid:04x}"
        return self.path


def parse_printer_url(url: str) -> Target:
    """The printer a URL names; ValueError with a one-line reason when it names none."""
    u = urlparse(url)
    scheme = u.scheme.lower()
    if scheme == "tcp":
        if not u.hostname:
            raise ValueError(f"{url}: tcp:// needs a host and port, e.g. tcp://192.0.2.20:9100")
        if ":" in u.hostname:
            raise ValueError(f"{url}: give an IPv4 address or a host name (python-escpos's Network has no IPv6)")
        if u.netloc.endswith(":"):
            raise ValueError(f"{url}: the port is missing after ':', e.g. tcp://{u.hostname}:9100")
        try:
            port = DEFAULT_TCP_PORT if u.port is None else u.port
        except ValueError:  # not a number, or above 65535
            port = -1
        if not 1 <= port <= 65535:
            raise ValueError(f"{url}: the port must be a number from 1 to 65535")
        return Target(url, "tcp", host=u.hostname, port=port)
    if scheme == "serial":
        if u.netloc or not u.path.startswith("/"):
            raise ValueError(f"{url}: serial:// takes an absolute device path, e.g. serial:///dev/ttyUSB0?baud=9600")
        query = parse_qs(u.query)
        if set(query) - {"baud"}:
            raise ValueError(f"{url}: the only serial option is baud")
        baud = query.get("baud", ["9600"])[-1]
        if not (baud.isascii() and baud.isdigit() and 50 <= int(baud) <= 4_000_000):
            raise ValueError(f"{url}: baud must be a number such as 9600 or 115200")
        return Target(url, "serial", path=u.path, baud=int(baud))
    if scheme == "usb":
        try:
            vid, pid = (int(x, 16) for x in (u.netloc or u.path.strip("/")).split(":"))
            if not (0 < vid <= 0xFFFF and 0 < pid <= 0xFFFF):
                raise ValueError
        except ValueError:
            raise ValueError(f"{url}: usb:// needs VID:PID in hex, e.g. usb://0416:5011") from None
        return Target(url, "usb", vid=vid, pid=pid)
    if scheme == "file":
        if u.netloc not in ("", "localhost") or not u.path.startswith("/"):
            raise ValueError(f"{url}: file:// takes an absolute path, e.g. file:///tmp/receipts.bin")
        if os.path.isdir(u.path):
            raise ValueError(f"{url}: {u.path} is a directory; give a file, FIFO or device node")
        return Target(url, "file", path=u.path)
    raise ValueError(f"{url}: unknown printer URL (use tcp://, serial://, usb:// or file://)")
