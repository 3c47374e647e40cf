"""`kiosk demo` as a newcomer runs it (offscreen): both simulators and a lobby queue service start,
the app is pointed at them, the demo says where the job PNGs go and how to sign in at the counter
page, a job sent to the printed URL lands there as a PNG, the reader answers on its pty and the
queue issues a number; SIGTERM ends the app and shuts the simulators and the queue down."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.idcard.reader import probe

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.ui


def read_lines_until(proc, pattern: str, timeout: float = 60) -> tuple[re.Match, list[str]]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(pattern, line)
        if match:
            return match, lines
    raise AssertionError(f"no line matching {pattern!r}:\n{''.join(lines)}")


def test_kiosk_demo_runs_both_simulators_and_stops_them(tmp_path):
    env = dict(os.environ, SDL_VIDEODRIVER="offscreen", KIVY_HOME=str(tmp_path / "kivy"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), KIOSK_CONFIG=str(tmp_path / "kiosk.toml"))
    (tmp_path / "kiosk.toml").write_text("", encoding="utf-8")
    data = tmp_path / "demo-data"
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--size", "800x480", "--data-dir", str(data)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printer, _ = read_lines_until(proc, r"demo: simulated printer on (tcp://\S+); job PNGs go to (\S+)$")
        reader, _ = read_lines_until(proc, r"demo: simulated ID reader on (\S+);.*PIN (\d+)")
        queue, _ = read_lines_until(proc, r"demo: lobby queue on (http://\S+) -- counter page \S+ \(sign in as (\S+) / (\S+)\)")
        queue_url = queue.group(1)
        import requests

        ticket = requests.post(f"{queue_url}/api/tickets", json={"service": "A", "idempotency_key": "demo-test-0001"},
                               headers={"Authorization": "Bearer demo-kiosk-token"}, timeout=10)
        assert ticket.status_code == 201 and ticket.json()["number"] == "A001"  # always open in the demo
        login = requests.post(f"{queue_url}/api/login", json={"user": queue.group(2), "password": queue.group(3)},
                              timeout=10)
        assert login.status_code == 200
        url, jobs = printer.group(1), Path(printer.group(2))
        assert jobs == data / "printer-jobs"
        port = reader.group(1)
        out = subprocess.run([sys.executable, "-m", "kiosk.cli", "print-test", "--printer", url],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert (jobs / "job-0001.png").is_file()
        assert port.startswith("/dev/pts/") and os.path.exists(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == 0
    host, tcp_port = url.removeprefix("tcp://").split(":")
    with pytest.raises(OSError):
        socket.create_connection((host, int(tcp_port)), timeout=1).close()
    assert not probe(port, timeout=0.3)[0]
    with pytest.raises(OSError):  # the queue service the demo started ended with it
        socket.create_connection(("127.0.0.1", int(queue_url.rsplit(":", 1)[1])), timeout=1).close()
