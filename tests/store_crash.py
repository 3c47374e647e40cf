"""kill -9 a real build (`python -m content.build bundle`) at random moments, then check the store:
`current` is a complete version whose blobs are all there with the right bytes, and the next
build leaves no temporary file or folder behind. Used by tests/test_store_crash.py (a few rounds)
and tests/bench/bench_store_crash.py (a long soak)."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from content.bundle import BundleWriter
from content.build import command
from content.schemas import Centre, Slide
from content.store import build_version, current_version, list_versions
from content.view import ContentView
from tests.synthetic import synthetic_guides

ROOT = Path(__file__).resolve().parents[1]


def crash_bundles(root: Path, count: int = 3, guides: int = 300, blobs: int = 6) -> list[Path]:
    """`count` bundles (versions c0, c1, ...), each with its own blobs of 256 KiB."""
    rng = random.Random(11)
    paths = []
    for n in range(count):
        w = BundleWriter(centre="demo-centre")
        w.add_item(Centre(id="demo-centre", title="测试中心", name="测试中心", address="测试路1号",
                          updated_at="2026-10-01T09:00:00"))
        for g in synthetic_guides(guides, seed=n):
            w.add_item(g)
        for i in range(blobs):
            sha = w.add_blob(rng.randbytes(256 << 10), "image/png")
            w.add_item(Slide(id=f"s{i}", title="宣传", updated_at="2026-10-01T09:00:00", image=sha))
        w.write_dir(root / f"c{n}", version=f"c{n}")
        paths.append(root / f"c{n}")
    return paths


def assert_complete(data: Path) -> str | None:
    """The current version opens, and every blob it lists is there with its bytes."""
    version = current_version(data)
    if version is None:
        return None
    view = ContentView(data, version)
    try:
        assert view.centre() is not None
        for slide in view.items("slide"):
            path = view.blob_path(slide.image)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == slide.image, path
    finally:
        view.close()
    return version


def leftovers(data: Path) -> list[str]:
    """Temporary files and folders of interrupted builds."""
    found = [f"versions/{n}" for n in os.listdir(data / "versions") if n.startswith(".")]
    found += [f"blobs/{n}" for n in os.listdir(data / "blobs") if n.startswith(".")]
    found += [n for n in os.listdir(data) if n.endswith(".tmp")]  # the store removes nothing here
    return found


def _child(data: Path, bundle: Path) -> subprocess.Popen:
    return subprocess.Popen(command("bundle", data, bundle), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def crash_rounds(bundles: list[Path], data: Path, kills: int, seed: int = 5) -> dict:
    """Time one whole build, then start builds of the next bundles and kill -9 each after a random
    moment of that time (start-up, check, blob copy, snapshot, switch, prune) until `kills` builds
    were killed; check the store after each. A build that finishes first (a busy machine is
    slower or faster than the first build) shortens the moments drawn after it, a kill lengthens
    them again, so the draws keep reaching a build's last steps (switch, prune)."""
    rng = random.Random(seed)
    started = time.monotonic()
    assert _child(data, bundles[-1]).wait() == 0
    build_s = most_s = (time.monotonic() - started) * 1.1
    killed = finished = 0
    while killed < kills and finished < 3 * kills:
        proc = _child(data, bundles[(killed + finished) % len(bundles)])
        time.sleep(rng.uniform(0.0, most_s))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
            most_s = min(build_s, most_s * 1.1)  # back towards the whole build: its last steps too
        else:
            finished += 1
            most_s *= 0.8
        proc.wait()
        assert_complete(data)
    last = build_version(bundles[(killed + finished) % len(bundles)], data)  # the next build completes and cleans up
    assert current_version(data) == last == assert_complete(data)
    return {"killed": killed, "finished": finished, "build_s": round(build_s / 1.1, 2), "leftovers": leftovers(data),
            "kept": list_versions(data)}
