"""The lobby queue in `kiosk demo`: a real `kiosk tickets serve --demo` next to the app.

The first `kiosk demo` starts the service (its own process, as on a lobby's queue host) on
DEMO_PORT, or on a free port when that one is taken by something else; a second `kiosk demo
--role display` finds it answering on DEMO_PORT and uses it, so one machine shows the whole
lobby: a kiosk taking numbers, the counter page in a browser, the calling board. The service's
output goes to `DATA_DIR/demo-queue.log`; the counter login it prints is passed on.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

DEMO_PORT = 8300
DEMO_TOKEN = "demo-kiosk-token"  # what `kiosk tickets serve --demo` accepts without a configured token
START_TIMEOUT_S = 30.0
_LOGIN = re.compile(r"sign in as (\S+) / (\S+);")


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoQueue:
    """Context manager: `url`, `token`, `login` ((user, password) or None when reused)."""

    def __init__(self, data_dir: Path, port: int = DEMO_PORT):
        self.data_dir, self.port = Path(data_dir), port
        self.url = f"http://127.0.0.1:{port}"
        self.token = os.environ.get("KIOSK_TICKETS_TOKEN") or DEMO_TOKEN
        self.login: tuple[str, str] | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / "demo-queue.log"

    def __enter__(self) -> "DemoQueue":
        if _healthy(self.url):
            return self  # another demo started it: share the lobby
        if not _port_free(self.port):
            self.port = _free_port()
            self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "kiosk.cli", "tickets", "serve", "--demo", "--data-dir", str(self.data_dir),
               "--port", str(self.port)]
        env = {**os.environ, "KIOSK_TICKETS_TOKEN": self.token}
        with open(self.log_path, "w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=env, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and not _healthy(self.url):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the demo queue service stopped: see {self.log_path}")
            time.sleep(0.2)
        if not _healthy(self.url):
            self.__exit__()
            raise RuntimeError(f"the demo queue service did not start within {START_TIMEOUT_S:.0f} s: see {self.log_path}")
        found = _LOGIN.search(self.log_path.read_text(encoding="utf-8", errors="replace"))
        self.login = found.groups() if found else None
        return self

    def __exit__(self, *_exc) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
