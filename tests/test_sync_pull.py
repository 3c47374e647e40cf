"""The content pull against a real `kiosk-hub serve` with the demo centre: `kiosk sync once`
installs the hub's version; a staff edit through the staff API arrives as a new version for the
price of the changed document; a poll without change is a 304; `kiosk sync run` follows a
publish through its long-poll and ends cleanly on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from content.store import current_version, list_versions, open_current
from sync import identity, state
from sync.http import HubProblem
from sync.pull import DOWNLOAD_DIR, pull_once
from tests.sync_pull_support import Proxy, edit_and_publish_a_guide, enrolled_demo_terminal, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import ROOT, database_url, kiosk  # noqa: F401  (a fixture)


def hub_version(url: str, data) -> str:
    me = identity.load(data)
    return staff(url, me.token, "GET", "/api/v1/manifest")["version"]


def test_sync_once_installs_then_only_the_changed_guide_then_304(hub_server, database_url, tmp_path):
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)

    out = kiosk("sync", "once", data_dir=data, timeout=120)
    assert out.returncode == 0, out.stderr
    first = hub_version(url, data)
    assert current_version(data) == first and f"installed version {first}" in out.stdout
    assert "heartbeat ok; hub's latest version: " + first in out.stdout
    view = open_current(data)
    try:
        assert view.centre_id == "demo-centre" and len(view.items("guide")) >= 3
    finally:
        view.close()
    known = state.read(data)
    assert known["manifest_version"] == first and known["centre"] == "demo-centre" and not known.get("last_error")
    # the staff see the terminal showing it
    me = identity.load(data)
    assert staff(url, admin, "GET", f"/api/staff/terminals/{me.terminal_id}")["version_shown"] == first

    # nothing changed: a 304, nothing downloaded
    again = kiosk("sync", "once", data_dir=data, timeout=120)
    assert again.returncode == 0 and f"content unchanged ({first})" in again.stdout, again

    # a staff edit: the next pull downloads the new document only (counted at a proxy)
    item_id, title = edit_and_publish_a_guide(url, admin, "（修订）")
    with Proxy(url) as proxy:
        identity.save(data, me.model_copy(update={"hub_url": proxy.url}))
        outcome = pull_once(data, wait=10)  # another worker may hear of the publish 0.2 s later
        identity.save(data, me)
    second = hub_version(url, data)
    assert outcome.status == "installed" and outcome.version == second != first, (outcome, proxy.answers)
    blob_gets = [p for p in proxy.paths if p.startswith("/api/v1/blobs/")]
    assert len(outcome.fetched) == 1 and blob_gets == [f"/api/v1/blobs/{outcome.fetched[0]}"], proxy.paths
    manifests = [(status, size) for path, status, size in proxy.answers if path.startswith("/api/v1/manifest")]
    assert len(manifests) == 1 and manifests[0][0] == 226, manifests  # a delta, not the whole manifest
    assert current_version(data) == second and set(list_versions(data)) >= {first, second}
    view = open_current(data)
    try:
        assert view.item(item_id).title == title
    finally:
        view.close()
    # the download folder keeps this manifest's documents only; no part file left
    down = data / DOWNLOAD_DIR
    assert not [p for p in down.iterdir() if p.name.endswith(".part") or p.name.startswith(".manifest-")]
    assert outcome.fetched[0] in {p.name for p in down.iterdir()}


def test_sync_run_follows_a_publish_by_long_poll_and_stops_on_sigterm(hub_server, database_url, tmp_path):
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["PYTHONPATH"] = str(ROOT)
    (tmp_path / "kiosk.toml").write_text("")
    env["KIOSK_CONFIG"] = str(tmp_path / "kiosk.toml")
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "run", "--data-dir", str(data)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while current_version(data) is None and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "run.log").read_text()
            time.sleep(0.2)
        first = current_version(data)
        assert first == hub_version(url, data), (tmp_path / "run.log").read_text()
        time.sleep(1.0)  # the loop is now holding a long-poll
        edit_and_publish_a_guide(url, admin, "（再改）")
        second = hub_version(url, data)
        deadline = time.monotonic() + 60
        while current_version(data) != second and time.monotonic() < deadline:
            time.sleep(0.2)
        assert current_version(data) == second, (tmp_path / "run.log").read_text()
        me = identity.load(data)
        assert staff(url, admin, "GET", f"/api/staff/terminals/{me.terminal_id}")["status"] != "never_seen"
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, (tmp_path / "run.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_the_loop_backs_off_while_the_hub_is_down(tmp_path):
    """A hub that does not answer (a closed port): each pull fails cleanly, is recorded for the
    heartbeat, and the next one waits longer (sync.backoff); the clock is the test's."""
    from kiosk.sync_loop import Loop
    from sync.health import Devices
    from sync.signing import generate_private_key, public_key_b64
    from tests.tickets_live import free_port

    data = tmp_path / "terminal"
    identity.save(data, identity.Identity(terminal_id="t-1", token="x" * 20, hub_url=f"http://127.0.0.1:{free_port()}",
                                          hub_public_key=public_key_b64(generate_private_key())))
    now = [1000.0]
    loop = Loop(data, Devices(printer=False, reader=False), clock=lambda: now[0])
    loop.next_heartbeat = now[0] + 60  # the pull alone
    loop.backoff.rand = lambda: 1.0    # the longest draw: 2, 4, 8 s
    waits = []
    for _ in range(3):
        loop.pull()
        waits.append(loop.backoff.wait_s())
    assert waits == [2.0, 4.0, 8.0] and loop.backoff.failures == 3
    assert "content sync: cannot reach the hub" in state.read(data)["last_error"]
    assert current_version(data) is None


def test_a_second_pull_in_the_same_data_dir_is_refused_at_once(tmp_path):
    """`kiosk sync once` while the service pulls: refused with the reason, nothing recorded."""
    from sync.pull import PULL_LOCK, PullFailed
    from sync.signing import generate_private_key, public_key_b64

    data = tmp_path / "terminal"
    identity.save(data, identity.Identity(terminal_id="t-1", token="x" * 20, hub_url="http://127.0.0.1:9",
                                          hub_public_key=public_key_b64(generate_private_key())))
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; "
                               f"fd = os.open({str(data / PULL_LOCK)!r}, os.O_RDWR | os.O_CREAT); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PullFailed, match="another sync is pulling"):
            pull_once(data)
        assert not state.read(data).get("last_error")
    finally:
        holder.kill()
        holder.wait()
    with pytest.raises(HubProblem, match="cannot reach the hub"):  # the kernel dropped the lock with its holder
        pull_once(data)
