"""A freshly installed terminal is not enrolled yet: `kiosk sync run` (and the `[sync] in_app`
thread) must wait for enrolment instead of exiting -- under systemd an exit 1 is restarted every
few seconds until the unit is marked failed. Real processes on real temp data dirs, a stub notify
socket, a real `kiosk-hub serve` and the real `kiosk enroll`; outcomes are polled for with
generous deadlines, never timed."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from content.store import current_version
from kiosk import sync_thread
from kiosk.config import Settings, Sync
from sync import identity
from tests.notify_support import notify_socket  # noqa: F401  (a fixture)
from tests.sync_pull_support import enrolled_demo_terminal, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import ROOT, database_url  # noqa: F401  (a fixture)

NOT_ENROLLED = "not enrolled yet"
DEADLINE_S = 60.0


class SyncRun:
    """`kiosk sync run` in a subprocess with its output in a file."""

    def __init__(self, tmp_path: Path, data: Path, notify: Path | None = None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_") and k != "NOTIFY_SOCKET"}
        env["PYTHONPATH"] = str(ROOT)
        (tmp_path / "kiosk.toml").write_text("")
        env["KIOSK_CONFIG"] = str(tmp_path / "kiosk.toml")
        if notify is not None:
            env["NOTIFY_SOCKET"] = str(notify)
        self.log_path = tmp_path / "sync-run.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115  (closed by end())
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "run", "--data-dir", str(data)],
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, count: int = 1) -> bool:
        deadline = time.monotonic() + DEADLINE_S
        while self.log().count(text) < count and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.1)
        return self.log().count(text) >= count

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def sync_run():
    runs: list[SyncRun] = []

    def start(tmp_path: Path, data: Path, notify: Path | None = None) -> SyncRun:
        runs.append(SyncRun(tmp_path, data, notify))
        return runs[-1]

    yield start
    for run in runs:
        run.end()


def test_not_enrolled_it_waits_and_syncs_once_enrolled_without_a_restart(
        hub_server, database_url, notify_socket, sync_run, tmp_path):  # noqa: F811
    url, admin = hub_server
    data = tmp_path / "terminal"
    run = sync_run(tmp_path, data, tmp_path / "notify")
    got = notify_socket.wait_for("READY=1", timeout=DEADLINE_S)
    assert got[:2] == ["STATUS=not enrolled yet: waiting for kiosk enroll (or the maintenance screen)",
                       "READY=1"], (got, run.log())
    # it keeps pinging while it waits, and said why it waits once
    got = notify_socket.wait_until(lambda m: m.count("WATCHDOG=1") >= 3, timeout=DEADLINE_S)
    assert got.count("WATCHDOG=1") >= 3 and run.proc.poll() is None, run.log()
    assert run.log().count(NOT_ENROLLED) == 1 and "kiosk enroll --hub URL --code CODE" in run.log(), run.log()
    assert current_version(data) is None

    enrolled_demo_terminal(tmp_path, database_url, url, name="terminal")  # the real `kiosk enroll`
    deadline = time.monotonic() + DEADLINE_S
    while current_version(data) is None and time.monotonic() < deadline:
        assert run.proc.poll() is None, run.log()  # the same process: no restart
        time.sleep(0.2)
    assert current_version(data) is not None, run.log()
    me = identity.load(data)
    assert f"STATUS=syncing with {me.hub_url} as {me.terminal_id}" in notify_socket.received()
    assert notify_socket.messages.count("READY=1") == 1
    assert staff(url, admin, "GET", f"/api/staff/terminals/{me.terminal_id}")["status"] != "never_seen"
    run.proc.send_signal(signal.SIGTERM)
    assert run.proc.wait(30) == 0, run.log()
    assert run.log().count(NOT_ENROLLED) == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_waiting_ends_it_with_0(notify_socket, sync_run, tmp_path, sig):  # noqa: F811
    run = sync_run(tmp_path, tmp_path / "terminal", tmp_path / "notify")
    assert "READY=1" in notify_socket.wait_for("READY=1", timeout=DEADLINE_S), run.log()
    assert run.wait_for_log(NOT_ENROLLED), run.log()
    run.proc.send_signal(sig)
    assert run.proc.wait(30) == 0, run.log()
    assert notify_socket.received()[-1] == "STOPPING=1"


@pytest.mark.parametrize("body", [b"{not json", b'{"terminal_id": "t-1"}'])
def test_a_damaged_identity_exits_2_with_the_fix_and_is_not_ready(notify_socket, sync_run, tmp_path, body):  # noqa: F811
    data = tmp_path / "terminal"
    data.mkdir()
    (data / identity.FILE_NAME).write_bytes(body)
    run = sync_run(tmp_path, data, tmp_path / "notify")
    assert run.proc.wait(60) == 2, run.log()  # RestartPreventExitStatus=2: no restart loop
    assert "is damaged" in run.log() and "kiosk enroll" in run.log() and "--force" in run.log()
    assert "Traceback" not in run.log()
    assert notify_socket.received() == []


def test_damaged_while_waiting_exits_2(notify_socket, sync_run, tmp_path):  # noqa: F811
    """An identity that appears while waiting but cannot be used (written by hand, say)."""
    data = tmp_path / "terminal"
    run = sync_run(tmp_path, data, tmp_path / "notify")
    assert run.wait_for_log(NOT_ENROLLED), run.log()
    data.mkdir(exist_ok=True)
    tmp = data / "identity.tmp"
    tmp.write_text('{"token": "x"}')
    tmp.rename(data / identity.FILE_NAME)
    assert run.proc.wait(60) == 2, run.log()
    assert "is damaged" in run.log()


# ---- the same loop as a thread of the app ([sync] in_app) --------------------------------------

def test_in_app_waits_for_enrolment_and_then_syncs(hub_server, database_url, tmp_path, caplog):  # noqa: F811
    url, _admin = hub_server
    data = tmp_path / "terminal"
    with caplog.at_level(logging.INFO):
        loop = sync_thread.start(Settings(data_dir=data, sync=Sync(in_app=True, heartbeat_s=15)))
        assert loop is not None
        try:
            deadline = time.monotonic() + DEADLINE_S
            while NOT_ENROLLED not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.1)
            assert NOT_ENROLLED in caplog.text and "kiosk enroll" in caplog.text
            enrolled_demo_terminal(tmp_path, database_url, url, name="terminal")  # as the maintenance screen would
            deadline = time.monotonic() + DEADLINE_S
            while current_version(data) is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert current_version(data) is not None, caplog.text
        finally:
            loop.stop.set()
    assert caplog.text.count(NOT_ENROLLED) == 1 and "starting the sync" in caplog.text


def test_in_app_with_a_damaged_identity_does_not_start(tmp_path, caplog):
    (tmp_path / identity.FILE_NAME).write_text("{")
    with caplog.at_level(logging.ERROR):
        assert sync_thread.start(Settings(data_dir=tmp_path, sync=Sync(in_app=True))) is None
    assert "is damaged" in caplog.text and "--force" in caplog.text

