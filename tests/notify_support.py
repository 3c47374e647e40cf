"""A stub systemd notify socket: a real AF_UNIX datagram socket (a path in a temp dir, or an
abstract name) that records what a process sends -- READY=1, STATUS=..., WATCHDOG=1,
STOPPING=1. `notify_socket` is the fixture: pass `NOTIFY_SOCKET=str(tmp_path / "notify")` to the
process under test."""
from __future__ import annotations

import select
import socket
import threading
import time

import pytest


class NotifySocket:
    """What systemd listens on: a datagram socket, read all the time by a thread as systemd does
    (an unread socket fills after net.unix.max_dgram_qlen datagrams, 10 by default, and the
    sender's next notify blocks). `received()` is every message so far, in order."""

    def __init__(self, address: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.messages: list[str] = []
        self._lock = threading.Lock()  # one reader at a time: the messages stay in order
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name="notify-stub", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                readable, _, _ = select.select([self.sock], [], [], 0.05)
            except (OSError, ValueError):  # closed
                return
            if readable:
                self._drain()

    def _drain(self) -> None:
        with self._lock:
            while True:
                try:
                    self.messages.append(self.sock.recv(4096, socket.MSG_DONTWAIT).decode())
                except OSError:  # nothing more now (BlockingIOError), or closed
                    return

    def received(self) -> list[str]:
        """Every message so far (what has just been sent included), in order."""
        self._drain()
        return self.messages

    def wait_for(self, message: str, timeout: float = 30.0) -> list[str]:
        return self.wait_until(lambda got: message in got, timeout)

    def wait_until(self, condition, timeout: float = 30.0) -> list[str]:
        """Every message so far, once `condition(messages)` holds or `timeout` has passed."""
        deadline = time.monotonic() + timeout
        while not condition(self.received()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def close(self) -> None:
        self._closed.set()
        self._reader.join(5)
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    stub = NotifySocket(str(tmp_path / "notify"))
    yield stub
    stub.close()
