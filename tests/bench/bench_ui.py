"""The terminal app's own figures: cold start, memory after every screen, tap-to-frame from home.

    .venv/bin/python tests/bench/bench_ui.py [--runs 20] [--cold-runs 5] [--size 1080x1920]

1. Cold start to the first frame of home: fresh Python processes, timed from spawn to the first
   `on_flip` (the same measurement as tests/bench/bench_cold_start.py, which this reuses).
2. Memory: a fresh process runs the real KioskApp on the demo centre, opens every screen
   registered in screens.registry twice (detail screens with their representative item, as
   `kiosk screenshot` does), then reads VmRSS (resident now) and VmHWM (peak) from
   /proc/self/status. Goal (issue #3): RSS <= 250 MB.
   Measured twice when Xvfb is installed (`apt-get install xvfb`): in a real X11 window, which
   presents every frame like the Pi's KMS/DRM display does, and offscreen. SDL's offscreen
   driver never presents a frame, so llvmpipe never flushes: it keeps binning draw commands of
   frame after frame into one scene (up to 36 MB of them, plus references to every texture
   drawn) — memory a terminal never holds. The X11 figure is the terminal's.
3. Tap-to-frame, home -> each tile: in that process, a real tap on the tile (tests/bench/taps.py:
   the finger rests 80 ms; timed from the finger lifting) to the end of the first frame where
   the tile's screen is current and drawn (glFinish, so llvmpipe's rasterizing counts).
   The first visit (which builds the screen) is reported apart from the warm runs.

The demo content is installed into a temp data dir first (not timed, and in the parent, so its
memory is not counted). Figures are printed as p50/p95, never asserted; record them in
docs/benchmarks.md with the command line.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from taps import tap  # noqa: E402


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def proc_status_kb(field: str) -> int:
    """A `VmRSS:`-style field of /proc/self/status, in kB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


# ---- the child process: one app, every screen, taps from home ----------------------------------

def _frames(count: int) -> None:
    from kivy.base import EventLoop

    for _ in range(count):
        EventLoop.idle()


def _start_app(data_dir: Path, width: int, height: int):
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-bench-kivy-")
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1",
                      KIVY_NO_CONSOLELOG="1")
    sys.path.insert(0, str(ROOT))
    from content.store import open_current
    from kiosk.app import KioskApp, configure_kivy
    from kiosk.config import Display, Settings

    configure_kivy(width, height, fullscreen=False)
    from kivy.base import EventLoop

    from kiosk.fonts import register_default_font

    register_default_font()
    EventLoop.ensure_window()
    settings = Settings(data_dir=data_dir, display=Display(width=width, height=height,
                                                           fullscreen=False))
    app = KioskApp(settings, open_current(data_dir))
    app._run_prepare()  # what App.run does before its loop (as the `ui` test fixture)
    _frames(5)
    return app


def _visit_every_screen(app) -> list[str]:
    from screens import registry

    for name in registry.SCREENS:
        if name == "maintenance":
            app.unlock_maintenance()
        app.open_screen(name)
        prepare = getattr(app.manager.get_screen(name), "prepare_screenshot", None)
        if prepare is not None:
            prepare()
        _frames(3)
    app.go_home()
    _frames(2)
    return list(registry.SCREENS)


def child(data_dir: Path, width: int, height: int, runs: int, soak: int = 0) -> dict:
    app = _start_app(data_dir, width, height)
    rss_start = proc_status_kb("VmRSS")
    taps: dict[str, dict] = {}
    home = app.manager.get_screen("home")
    for tile in home.tiles():  # first visit: builds the screen
        app.go_home()
        _frames(3)
        first = tap(tile, lambda: app.manager.current == tile.screen).seconds
        taps[tile.screen] = {"first": first, "warm": []}
    visited = _visit_every_screen(app)
    visited += _visit_every_screen(app)
    rss = proc_status_kb("VmRSS")
    for _ in range(runs):
        for tile in home.tiles():
            app.go_home()
            _frames(3)
            taps[tile.screen]["warm"].append(
                tap(tile, lambda: app.manager.current == tile.screen).seconds)
    soaked = []  # RSS after 2 + k rounds through every screen: flat for a terminal up for months
    for round_ in range(1, soak + 1):
        _visit_every_screen(app)
        if round_ % 10 == 0 or round_ == soak:
            soaked.append((round_ + 2, proc_status_kb("VmRSS")))
    result = {"rss_start_kb": rss_start, "rss_kb": rss, "hwm_kb": proc_status_kb("VmHWM"),
              "visited": visited, "taps": taps, "soak": soaked}
    app.dispatch("on_stop")
    return result


# ---- the parent: content, cold starts, the child ---------------------------------------------

def run_child(data_dir: Path, size: str, runs: int, env: dict | None = None, soak: int = 0) -> dict:
    env = env or dict(os.environ, SDL_VIDEODRIVER=os.environ.get("SDL_VIDEODRIVER", "offscreen"))
    proc = subprocess.run([sys.executable, __file__, "--child", str(data_dir), "--size", size,
                           "--runs", str(runs), "--soak", str(soak)], capture_output=True, text=True, env=env,
                          timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"the app process failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Xvfb:
    """A private X server for the memory figure in a window that presents its frames."""

    def __init__(self, size: str):
        self.size, self.proc, self.display = size, None, ""

    def __enter__(self) -> "Xvfb | None":
        if shutil.which("Xvfb") is None:
            return None
        for number in range(90, 120):
            if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
                break
        width, height = (int(v) for v in self.size.lower().split("x"))
        side = max(width, height)
        self.display = f":{number}"
        self.proc = subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{side}x{side}x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return None
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def env(self) -> dict:
        return dict(os.environ, SDL_VIDEODRIVER="x11", DISPLAY=self.display)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm taps per tile")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold-start processes")
    parser.add_argument("--size", default="1080x1920", help="window WxH (default 1080x1920)")
    parser.add_argument("--soak", type=int, default=0,
                        help="rounds through every screen after the memory figure, RSS every 10 (X11 run)")
    parser.add_argument("--child", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    if args.child:
        print(json.dumps(child(Path(args.child), width, height, args.runs, args.soak)))
        return 0

    sys.path.insert(0, str(HERE))
    import bench_cold_start

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-data-") as tmp:
        data_dir = Path(tmp)
        bench_cold_start.install_demo(data_dir)
        cold = [bench_cold_start.one_run(data_dir, args.size)[0] for _ in range(args.cold_runs)]
        result = run_child(data_dir, args.size, args.runs)
        with Xvfb(args.size) as xvfb:
            windowed = run_child(data_dir, args.size, 0, xvfb.env(), args.soak) if xvfb else None

    print(f"window {args.size}, SDL {os.environ.get('SDL_VIDEODRIVER', 'offscreen')}; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    p50, p95 = p50_p95(cold)
    print(f"cold start to first frame   n={len(cold):<3} p50={p50 * 1000:7.0f} ms  p95={p95 * 1000:7.0f} ms")
    screens = len(result["visited"]) // 2
    for label, run in (("in an X11 window (Xvfb)", windowed), ("offscreen, frames never presented", result)):
        if run is None:
            print(f"RSS {label}: not measured (install xvfb)")
            continue
        print(f"RSS after every screen twice ({screens} screens), {label}: {run['rss_kb'] / 1024:.0f} MB "
              f"(at start {run['rss_start_kb'] / 1024:.0f} MB, peak {run['hwm_kb'] / 1024:.0f} MB; goal <= 250 MB)")
    if windowed and windowed["soak"]:
        print("RSS in the X11 window after N rounds through every screen: " + ", ".join(
            f"{n}: {kb / 1024:.0f} MB" for n, kb in windowed["soak"]))
    for screen, taps in result["taps"].items():
        w50, w95 = p50_p95(taps["warm"])
        print(f"tap-to-frame home -> {screen:<12} n={len(taps['warm']):<3} p50={w50 * 1000:6.1f} ms  "
              f"p95={w95 * 1000:6.1f} ms  (first visit, building it: {taps['first'] * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
