"""`[sync] in_app = true`: the sync loop as a thread of the app's process (kiosk/sync_thread.py)
pulls the hub's content and sends heartbeats, without sd_notify of its own. Not enrolled yet, it
waits for enrolment: tests/test_sync_waiting.py."""
from __future__ import annotations

import socket
import time

import pytest

from content.store import current_version
from kiosk.config import Settings, Sync
from kiosk import sync_thread
from sync import identity
from tests.sync_pull_support import enrolled_demo_terminal, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import database_url, kiosk  # noqa: F401  (a fixture)


def test_the_thread_pulls_and_reports(hub_server, database_url, tmp_path, monkeypatch):  # noqa: F811
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # the app's notify socket: must stay the app's
    sock.bind(str(tmp_path / "notify"))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    loop = sync_thread.start(Settings(data_dir=data, sync=Sync(in_app=True, heartbeat_s=15)))
    assert loop is not None
    try:
        deadline = time.monotonic() + 60
        while current_version(data) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert current_version(data) is not None
        me = identity.load(data)
        assert staff(url, admin, "GET", f"/api/staff/terminals/{me.terminal_id}")["status"] != "never_seen"
    finally:
        loop.stop.set()
    with pytest.raises(BlockingIOError):
        sock.recv(100)  # nothing: no READY, no WATCHDOG from the thread
    sock.close()
