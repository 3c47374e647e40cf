"""Cold start of the terminal app: process start to the first drawn frame of the home screen.

    .venv/bin/python tests/bench/bench_cold_start.py [--runs 5] [--size 1080x1920]

Installs the demo centre once into a temp data dir (not timed), then starts N fresh Python
processes. Each runs the real KioskApp offscreen (SDL offscreen driver, Mesa) on that content,
prints a line at the first `on_flip` of the window (the home screen's first frame) and quits.
The parent times each process from just before spawning it to that line, so interpreter start,
imports, font and window set-up, content reads and the first layout are all included.
The child also reports its own phases (from its first line of code). Figures are printed,
never asserted; record them in docs/benchmarks.md with the command line.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import os, sys, tempfile, time
t0 = time.perf_counter()
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-bench-kivy-")
os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1",
                  KIVY_NO_CONSOLELOG="1")
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from content.store import open_current
from kiosk.config import Display, Settings, Tickets
from kiosk.app import KioskApp, configure_kivy
width, height = (int(v) for v in sys.argv[3].split("x"))
configure_kivy(width, height, fullscreen=False)
t_import = time.perf_counter()
from kivy.clock import Clock
from kivy.core.window import Window
t_window = time.perf_counter()
settings = Settings(data_dir=Path(sys.argv[2]), display=Display(width=width, height=height,
                    fullscreen=False), tickets=Tickets(url="http://192.0.2.10:8300"))
app = KioskApp(settings, open_current(settings.data_dir))
state = {}

def first_flip(*_):
    if state:
        return
    state["t"] = time.perf_counter()
    print(f"FIRST_FRAME imports={t_import - t0:.3f} window={t_window - t_import:.3f} "
          f"app_to_frame={state['t'] - t_window:.3f}", flush=True)
    Clock.schedule_once(lambda _dt: app.stop(), 0)

Window.bind(on_flip=first_flip)
app.run()
"""


def install_demo(data_dir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from content.demo import write_demo_bundle
    from content.store import build_version

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-bundle-") as tmp:
        write_demo_bundle(Path(tmp))
        build_version(Path(tmp), data_dir)


def one_run(data_dir: Path, size: str) -> tuple[float, str]:
    env = dict(os.environ, SDL_VIDEODRIVER=os.environ.get("SDL_VIDEODRIVER", "offscreen"))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), str(data_dir), size],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith("FIRST_FRAME"):
                elapsed = time.perf_counter() - start
                proc.wait(timeout=30)
                return elapsed, line.split(" ", 1)[1].strip()
        proc.wait(timeout=30)
        raise RuntimeError(f"the app exited ({proc.returncode}) before drawing a frame:\n"
                           f"{proc.stderr.read()[-2000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="1080x1920", help="window WxH (default 1080x1920)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-data-") as tmp:
        data_dir = Path(tmp)
        install_demo(data_dir)
        times = []
        for i in range(args.runs):
            elapsed, phases = one_run(data_dir, args.size)
            times.append(elapsed)
            print(f"run {i + 1}: {elapsed:.3f} s to the first home frame ({phases})")
    print(f"cold start ({args.runs} runs, {args.size}, SDL {os.environ.get('SDL_VIDEODRIVER', 'offscreen')}): "
          f"min {min(times):.3f} s  median {statistics.median(times):.3f} s  max {max(times):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
