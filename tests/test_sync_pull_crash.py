"""kill -9 of `kiosk sync once` (its whole process group: the build child too, as a power cut
would) at random moments during downloads and builds, against a real hub behind a slow proxy.
After every kill `current` is absent or a complete version with every blob's bytes; the next
run ends with the hub's version complete and no temporary file left."""
from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time

from content.store import current_version
from sync import identity
from sync.pull import DOWNLOAD_DIR
from tests.store_crash import assert_complete, leftovers
from tests.sync_pull_support import Proxy, edit_and_publish_a_guide, enrolled_demo_terminal, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import ROOT, database_url  # noqa: F401  (a fixture)

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "6"))  # the suite: 6; a soak: CRASH_ROUNDS=40


def slow_blobs(path, status, headers, body):
    if path.startswith("/api/v1/blobs/"):
        time.sleep(0.04)  # ~30 files: downloads last long enough to be cut
    return status, headers, body


def start_sync(data, config):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(PYTHONPATH=str(ROOT), KIOSK_CONFIG=str(config))
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sync", "once", "--data-dir", str(data)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def wait_for(proc, ready, most_s: float = 30.0) -> None:
    deadline = time.monotonic() + most_s
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


def test_kill_9_during_downloads_and_builds_leaves_a_complete_current(hub_server, database_url, tmp_path):
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)
    me = identity.load(data)
    config = tmp_path / "kiosk.toml"
    rng = random.Random(int(os.environ.get("CRASH_SEED", "15")))
    down = data / DOWNLOAD_DIR
    ever = None
    with Proxy(url, slow_blobs) as proxy:
        identity.save(data, me.model_copy(update={"hub_url": proxy.url}))
        for n in range(ROUNDS):
            if n % 2 and (data / DOWNLOAD_DIR).exists():
                shutil.rmtree(data / DOWNLOAD_DIR)  # the item documents must come again: a long download
            if n:
                edit_and_publish_a_guide(url, admin, f"（第{n}次）")
            proc = start_sync(data, config)
            # odd rounds: kill during the (long) download; even rounds: once the build has started
            wait_for(proc, lambda: bool(list(down.glob(".*.part" if n % 2 else ".manifest-*.json"))))
            time.sleep(rng.uniform(0, 0.4 if n % 2 else 0.6))
            with contextlib.suppress(ProcessLookupError):  # it may have finished just before
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            cut = sorted({p.name.split(".")[-1] for p in (data / DOWNLOAD_DIR).glob(".*")}
                         if (data / DOWNLOAD_DIR).exists() else []) + (leftovers(data) if (data / "versions").exists() else [])
            print(f"round {n}: killed with {cut or 'nothing'} in progress")
            shown = assert_complete(data)
            assert shown or not ever, f"round {n}: {ever} was current, now nothing is"
            ever = shown or ever

        proc = start_sync(data, config)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    latest = staff(url, me.token, "GET", "/api/v1/manifest")["version"]
    assert current_version(data) == latest == assert_complete(data)
    assert leftovers(data) == []
    assert not [p.name for p in (data / DOWNLOAD_DIR).iterdir() if p.name.startswith(".")]
