"""systemd's notify protocol (kiosk.watchdog): a stub notify socket -- a real AF_UNIX datagram
socket in a temp dir, or an abstract one -- records what the real app sends: READY=1 after the
first frame, WATCHDOG=1 from the Kivy main loop (and none while the loop is blocked),
STOPPING=1, and the maintenance screen's 重启程序 as exit code 75 instead of an exec."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kiosk.watchdog import (RESTART_EXIT_CODE, notify, notify_when_listening, under_systemd,
                            watchdog_interval)
from tests.notify_support import NotifySocket, notify_socket  # noqa: F401  (a fixture)
from tests.shell_support import open_maintenance, pin_hash, shell  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


# ---- the protocol -------------------------------------------------------------------------

def test_notify_sends_datagrams_to_a_path_socket(notify_socket, tmp_path):
    env = {"NOTIFY_SOCKET": str(tmp_path / "notify")}
    assert notify("READY=1", env) and notify("WATCHDOG=1", env)
    assert notify_socket.received() == ["READY=1", "WATCHDOG=1"]


def test_notify_reaches_an_abstract_socket():
    name = f"kiosk-test-{uuid.uuid4().hex}"
    stub = NotifySocket("\0" + name)
    try:
        assert notify("READY=1", {"NOTIFY_SOCKET": "@" + name})
        assert stub.received() == ["READY=1"]
    finally:
        stub.close()


@pytest.mark.parametrize("value", [None, "", "vsock:2:1234", "relative/path"])
def test_notify_is_a_no_op_outside_systemd(value):
    env = {} if value is None else {"NOTIFY_SOCKET": value}
    assert notify("READY=1", env) is False
    assert under_systemd(env) is bool(value)


def test_a_vanished_socket_is_logged_not_raised(tmp_path, caplog):
    assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False
    assert "sd_notify WATCHDOG" in caplog.text


@pytest.mark.parametrize("env, expected", [
    ({"WATCHDOG_USEC": "30000000"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({}, None),
])
def test_the_ping_interval_is_half_of_watchdog_usec(env, expected):
    assert watchdog_interval(env) == expected


def test_ready_once_a_server_accepts_connections(notify_socket, tmp_path):
    env = {"NOTIFY_SOCKET": str(tmp_path / "notify")}
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    thread = notify_when_listening("0.0.0.0", port, env)
    time.sleep(0.5)
    assert notify_socket.received() == []  # bound, not listening: no READY yet
    server.listen()
    thread.join(10)
    server.close()
    assert notify_socket.received() == ["READY=1"]
    assert notify_when_listening("127.0.0.1", port, {}) is None  # outside systemd: nothing


# ---- the real app, in this process (the offscreen UI fixture) ---------------------------------

@pytest.mark.ui
def test_the_app_pings_from_its_main_loop_and_a_blocked_loop_stops_the_pings(
        shell, notify_socket, tmp_path, monkeypatch):
    from kivy.clock import Clock

    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    monkeypatch.setenv("WATCHDOG_USEC", "40000")  # a ping every 20 ms
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    h = shell()
    assert notify_socket.received()[0] == "READY=1"  # sent after the first frame was drawn
    assert h.wait_for(lambda: notify_socket.received().count("WATCHDOG=1") >= 3)

    during_block: list[list[str]] = []

    def frozen(_dt):  # a callback that never returns in time: the UI is frozen
        notify_socket.received().clear()
        time.sleep(0.5)  # 25 ping intervals
        during_block.append(list(notify_socket.received()))

    Clock.schedule_once(frozen, 0)
    h.frames(1)
    assert during_block == [[]]  # not one ping while the main loop was blocked
    assert h.wait_for(lambda: "WATCHDOG=1" in notify_socket.received())  # back when it runs again
    assert "READY=1" not in notify_socket.messages  # READY only once

    monkeypatch.delenv("NOTIFY_SOCKET")
    shell()  # stops the first app (on_stop): STOPPING=1; the second is outside systemd
    assert notify_socket.received()[-1] == "STOPPING=1"


@pytest.mark.ui
def test_restart_outside_systemd_says_so_and_keeps_running(shell, pin_hash, monkeypatch):  # noqa: F811
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    h = shell(pin=pin_hash)
    stops = []
    monkeypatch.setattr(h.app, "stop", lambda *a: stops.append(1))  # Kivy's App.stop
    screen = open_maintenance(h)
    h.tap(screen.content.ids.restart_button)
    assert stops == [] and h.current == "maintenance"
    assert "无法自行重启" in h.app.root_widget.toast.text


@pytest.mark.ui
def test_restart_under_systemd_stops_with_exit_code_75(shell, pin_hash, notify_socket, tmp_path,  # noqa: F811
                                                       monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    h = shell(pin=pin_hash)
    stops = []
    monkeypatch.setattr(h.app, "stop", lambda *a: stops.append(1))
    screen = open_maintenance(h)
    h.tap(screen.content.ids.restart_button)
    assert stops == [1] and h.app.exit_code == RESTART_EXIT_CODE == 75


# ---- the real process: run_app under a stub systemd ------------------------------------------

def _run_child(code: str, tmp_path, env: dict) -> subprocess.Popen:
    child_env = dict(os.environ, SDL_VIDEODRIVER="offscreen", KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1",
                     KIVY_HOME=str(tmp_path / "kivy-home"), **env)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=child_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


CHILD = """
import sys
from pathlib import Path
from kivy.app import App
from kivy.clock import Clock
from content.store import open_current
from kiosk.config import Display, Settings
from kiosk.app_run import run_app
Clock.schedule_once(lambda dt: print("RUNNING", flush=True), 0.5)
def restart_when_told(_dt):
    if Path({flag!r}).exists():
        App.get_running_app().restart()  # what the maintenance screen's 重启程序 calls
        return False
Clock.schedule_interval(restart_when_told, 0.05)
sys.exit(run_app(Settings(display=Display(width=800, height=480, fullscreen=False)),
                 open_current(Path({data!r}))))
"""


def test_a_real_run_notifies_and_restart_exits_75_for_systemd(demo_view, notify_socket, tmp_path):
    flag = tmp_path / "restart-now"
    proc = _run_child(CHILD.format(flag=str(flag), data=str(demo_view.data_dir)), tmp_path,
                      {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "200000"})
    try:
        messages = notify_socket.wait_for("READY=1", timeout=60)
        assert messages and messages[0] == "READY=1", proc.poll()
        notify_socket.wait_for("WATCHDOG=1")
        flag.touch()
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == RESTART_EXIT_CODE, out
    assert "WATCHDOG=1" in notify_socket.received() and notify_socket.received()[-1] == "STOPPING=1"
    assert "exiting with 75" in out


def test_sigterm_under_systemd_sends_stopping_and_exits_0(demo_view, notify_socket, tmp_path):
    proc = _run_child(CHILD.format(flag=str(tmp_path / "never"), data=str(demo_view.data_dir)), tmp_path,
                      {"NOTIFY_SOCKET": str(tmp_path / "notify")})
    try:
        assert notify_socket.wait_for("READY=1", timeout=60)[:1] == ["READY=1"], proc.poll()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    assert notify_socket.received() == ["READY=1", "STOPPING=1"]  # no WATCHDOG_USEC: no pings


@pytest.mark.parametrize("workers", [1, 2])
def test_the_queue_service_is_ready_once_it_answers(notify_socket, tmp_path, workers):
    from tests.tickets_live import start_service

    svc = start_service(tmp_path / "svc", workers=workers, env={"NOTIFY_SOCKET": str(tmp_path / "notify")})
    try:
        # from the main process, once, after a STATUS line for `systemctl status`
        assert notify_socket.wait_for("READY=1") == ["STATUS=serving the queue for A, B, C, D on port "
                                                     f"{svc.url.rsplit(':', 1)[1]}", "READY=1"]
        assert svc.request("GET", "/api/queue")[0] == 200
    finally:
        svc.stop()
