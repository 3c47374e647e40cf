"""A stub systemd notify socket: a real AF_UNIX datagram socket (a path in a temp dir, or an
abstract name) that records what a process sends -- READY=1, STATUS=..., WATCHDOG=1,
STOPPING=1. `notify_socket` is the fixture: pass `NOTIFY_SOCKET=str(tmp_path / "notify")` to the
process under test."""
from __future__ import annotations

import socket
import time

import pytest


class NotifySocket:
    """What systemd listens on: a datagram socket; `received()` drains what arrived."""

    def __init__(self, address: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.setblocking(False)
        self.messages: list[str] = []

    def received(self) -> list[str]:
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except BlockingIOError:
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
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    stub = NotifySocket(str(tmp_path / "notify"))
    yield stub
    stub.close()
