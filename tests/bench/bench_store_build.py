"""The store's second-writer costs: building the demo in the UI process vs a child, and the
sha256 check of reused blobs.

    .venv/bin/python tests/bench/bench_store_build.py

1. UI memory. Two fresh processes each import the UI (kiosk.app, so Kivy and the content code are
   loaded, no window) and then get the demo centre into an empty data dir: `in-process` builds it
   itself (what `kiosk run` did before issue #15), `child` starts `python -m content.build demo`
   and waits. Both then open the version and load every kind plus the search index, as the home
   and search screens do. VmRSS is read from /proc before the build, after it and after opening.
2. Reuse. A second demo version with the same blobs: the time spent hashing the blobs already in
   data_dir/blobs (content.store_blobs.blob_intact) against the whole build.
Figures are printed, never asserted; record them in docs/benchmarks.md.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import gc, json, os, sys, tempfile, time
os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1", KIVY_NO_CONSOLELOG="1",
                  KIVY_HOME=tempfile.mkdtemp())
sys.path.insert(0, sys.argv[1])
from pathlib import Path

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

import kiosk.app  # noqa: F401 - the UI process's imports
from content.build import install_demo_version, run_build
from content.view import ContentView
from kiosk.memory import release_free_memory
data = Path(sys.argv[3])
out = {"before": rss()}
t = time.perf_counter()
version = install_demo_version(data) if sys.argv[2] == "in-process" else run_build("demo", data)
out["build_s"] = time.perf_counter() - t
gc.collect(); release_free_memory()
out["after_build"] = rss()
view = ContentView(data, version)
for kind in ("guide", "notice", "disclosure", "slide", "centre", "ticket_service"):
    view.items(kind)
view.search("dbsq")
gc.collect(); release_free_memory()
out["after_open"] = rss()
out["pypinyin_loaded"] = "pypinyin" in sys.modules
print(json.dumps(out))
"""


def memory(mode: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), mode, str(Path(tmp) / "data")],
                              capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reuse() -> None:
    sys.path.insert(0, str(ROOT))
    from content import store_blobs
    from content.bundle import BundleWriter
    from content.demo import DEMO_CENTRE_ID, build_demo
    from content.store import build_version

    hashed = []
    real = store_blobs.blob_intact

    def timed(*args):
        t = time.perf_counter()
        ok = real(*args)
        hashed.append(time.perf_counter() - t)
        return ok

    store_blobs.blob_intact = timed
    with tempfile.TemporaryDirectory() as tmp:
        for version in ("demo-a", "demo-b"):
            w = BundleWriter(centre=DEMO_CENTRE_ID)
            build_demo(w, None)
            w.write_dir(Path(tmp) / version, version=version)
        build_version(Path(tmp) / "demo-a", Path(tmp) / "data")
        hashed.clear()
        t = time.perf_counter()
        build_version(Path(tmp) / "demo-b", Path(tmp) / "data")
        total = time.perf_counter() - t
        blobs = sorted((Path(tmp) / "data" / "blobs").iterdir())
        size = sum(p.stat().st_size for p in blobs)
    print(f"reuse: {len(hashed)} demo blobs ({size / 1024:.0f} KiB) checked by sha256 in "
          f"{sum(hashed) * 1000:.1f} ms, within a {total:.2f} s build of the second version")


def main() -> None:
    for mode in ("in-process", "child"):
        m = memory(mode)
        print(f"{mode:10s}: RSS {m['before']:.0f} MB before, {m['after_build']:.0f} MB after the build "
              f"({m['build_s']:.1f} s), {m['after_open']:.0f} MB with the demo open; pypinyin loaded: "
              f"{m['pypinyin_loaded']}")
    reuse()


if __name__ == "__main__":
    main()
