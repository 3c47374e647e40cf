"""Two writers on one data dir: the store lock across real processes, the app's `showing` versions
surviving prune, and a reused blob checked by its sha256."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from content.lock import StoreLocked, store_lock
from content.showing import read_showing
from content.view import ContentView
from content.store import (
    build_version, claim_current, current_version, list_versions, open_current, prune, record_showing,
    switch_current,
)
from tests.hostile import small_bundle

ROOT = Path(__file__).resolve().parents[1]

HOLD_LOCK = """
import sys, time
from pathlib import Path
from content.lock import store_lock
with store_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(data: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(data), str(seconds)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _build(tmp_path: Path, data: Path, name: str, png: bytes) -> str:
    small_bundle(tmp_path / name, slides_png=png, version=name)
    version = build_version(tmp_path / name, data)
    time.sleep(0.02)  # list_versions orders by mtime
    return version


# ---- the lock --------------------------------------------------------------------------------

def test_another_process_holding_the_lock_blocks_a_build_with_a_clear_error(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    small_bundle(tmp_path / "v2", slides_png=b"png 2", version="v2")
    proc = _holder(data, 30)
    try:
        with pytest.raises(StoreLocked, match=rf"locked by process {proc.pid} .* more than 0.3 s"):
            build_version(tmp_path / "v2", data, lock_timeout=0.3)
        with pytest.raises(StoreLocked):
            claim_current(data, [])
        assert current_version(data) == v1 and list_versions(data) == [v1]  # nothing written
    finally:
        proc.send_signal(signal.SIGKILL)  # a writer killed mid-way: the kernel drops its lock
        proc.wait()
    assert build_version(tmp_path / "v2", data, lock_timeout=5) == "v2"


def test_a_build_waits_for_the_lock_then_completes(tmp_path):
    data = tmp_path / "data"
    _build(tmp_path, data, "v1", b"png 1")
    small_bundle(tmp_path / "v2", slides_png=b"png 2", version="v2")
    proc = _holder(data, 0.5)
    try:
        assert build_version(tmp_path / "v2", data, lock_timeout=30) == "v2"
        assert proc.poll() is not None  # it could only build after the holder let go
    finally:
        proc.wait()


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    data = tmp_path / "data"
    with store_lock(data):
        with store_lock(data, timeout=0):  # build_version -> switch_current -> prune
            pass
        failed = []

        def other():
            try:
                with store_lock(data, timeout=0.1):
                    pass
            except StoreLocked as exc:
                failed.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert failed
    with store_lock(data, timeout=0):  # released
        pass


def test_a_link_planted_as_the_lock_file_is_not_followed(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    os.symlink(victim, data / ".lock")
    with pytest.raises(OSError):
        with store_lock(data):
            pass
    assert victim.read_text() == "keep me"


CONCURRENT_BUILD = """
import sys
from pathlib import Path
from content.store import build_version
print(build_version(Path(sys.argv[1]), Path(sys.argv[2])))
"""


def test_two_processes_building_at_once_both_complete(tmp_path):
    data = tmp_path / "data"
    names = [f"p{i}" for i in range(4)]
    for i, name in enumerate(names):
        small_bundle(tmp_path / name, slides_png=f"png {i}".encode() * 5000, version=name)
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_BUILD, str(tmp_path / n), str(data)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in names]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [o[1] for o in outs]
    assert sorted(o[0].strip() for o in outs) == names
    cur = current_version(data)
    kept = list_versions(data)
    assert cur in names and len(kept) == 2 and cur in kept
    for version in kept:  # every kept version is complete, its blobs with it
        view = ContentView(data, version)
        png = view.blob_path(view.items("slide")[0].image).read_bytes()
        assert png == f"png {names.index(version)}".encode() * 5000
        view.close()
    assert not [p for p in (data / "versions").iterdir() if p.name.startswith(".")]
    assert not [p for p in (data / "blobs").iterdir() if p.name.startswith(".")]


# ---- what the app shows survives prune -------------------------------------------------------

def test_the_shown_version_survives_two_publishes_and_goes_once_released(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    assert claim_current(data, []) == v1  # the app opens v1
    assert read_showing(data) == [v1]
    view = open_current(data)
    image = view.blob_path(view.items("slide")[0].image)
    _build(tmp_path, data, "v2", b"png 2")  # two publishes before the resident returns home
    v3 = _build(tmp_path, data, "v3", b"png 3")
    assert current_version(data) == v3
    assert set(list_versions(data)) == {v1, "v2", v3}  # current, previous, shown
    assert image.read_bytes() == b"png 1" and view.items("slide")  # still readable, blob and all
    view.close()
    record_showing(data, [v3])  # the resident went home: v3 is shown now
    prune(data)
    assert set(list_versions(data)) == {"v2", v3}
    assert not image.exists()


def test_showing_names_that_are_not_versions_are_ignored(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    (data / "showing").write_text(f"../../etc\n{v1}\n.hidden\n")
    assert read_showing(data) == [v1]


def test_switching_back_to_a_kept_version_works_under_the_lock(tmp_path):
    data = tmp_path / "data"
    v1 = _build(tmp_path, data, "v1", b"png 1")
    _build(tmp_path, data, "v2", b"png 2")
    switch_current(data, v1)
    assert current_version(data) == v1


# ---- a reused blob is checked by its sha256 -------------------------------------------------

def test_a_damaged_blob_of_the_right_size_is_replaced_not_reused(tmp_path):
    data = tmp_path / "data"
    _build(tmp_path, data, "v1", b"the real png")
    sha = next(p.name for p in (data / "blobs").iterdir())
    blob = data / "blobs" / sha
    blob.chmod(0o644)
    blob.write_bytes(b"the rotten!!")  # same size, other bytes (a bad SD card sector)
    small_bundle(tmp_path / "v2", slides_png=b"the real png", notices=(), version="v2")
    build_version(tmp_path / "v2", data)
    assert blob.read_bytes() == b"the real png"
    blob.write_bytes(b"the rotten!!")
    build_version(tmp_path / "v2", data)  # the same version again repairs it too
    assert blob.read_bytes() == b"the real png"


def test_a_link_in_place_of_a_blob_is_replaced_by_the_real_file(tmp_path):
    data = tmp_path / "data"
    _build(tmp_path, data, "v1", b"the real png")
    sha = next(p.name for p in (data / "blobs").iterdir())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"the real png")
    (data / "blobs" / sha).unlink()
    os.symlink(elsewhere, data / "blobs" / sha)
    small_bundle(tmp_path / "v2", slides_png=b"the real png", version="v2")
    build_version(tmp_path / "v2", data)
    assert not (data / "blobs" / sha).is_symlink()
    assert (data / "blobs" / sha).read_bytes() == b"the real png"
