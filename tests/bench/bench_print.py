"""Print latency: from the moment the UI hands a job over to the last byte the printer accepted.

    .venv/bin/python tests/bench/bench_print.py [--runs 30] [--app-runs 20] [--size 1080x1920]

Uses the real print path of the app (kiosk.printing.PrintService -> devices.printer over TCP,
status before and after) against the ESC/POS simulator (`kiosk sim printer`, in-process), for
the queue ticket and the 一次性告知单 of the demo's longest guide, in gb18030 and in bitmap mode.
The clock stops when the chunk holding the job's cut (its last byte) arrived at the simulator
(before the simulator draws the job).

Then the same in the real app (offscreen SDL window, like tests/conftest.py's `ui` fixture and
tests/bench/bench_ui_guides.py): a real touch on 打印告知单 of 最低生活保障申请 on the guide detail
screen, frames stepped by hand as the app's loop would, until the simulator has the job's last
byte. The clock starts when the touch-down is posted (the button acts on release, one frame
later). The print service's repeat window is set to 0 so the same guide can be printed again
(the double-tap guard is what it measures against otherwise); a new tap waits out the button's
debounce first.

`--faults` instead: one job per simulator link fault (devices/sim_printer.py), over TCP and the
pty serial link, with `--timeout` (default 1 s): its outcome, the time it had the printer (from
`connecting`, when the deadline starts, to the outcome) and the whole call (with encoding).
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from content.store import build_version, open_current  # noqa: E402
from devices.documents import guide_checklist, ticket  # noqa: E402
from devices.printer import Printer  # noqa: E402
from devices.receipt import Cut, Receipt, Text  # noqa: E402
from devices.sim_printer import Fault, PrinterSimulator  # noqa: E402
from kiosk.i18n import _, set_locale  # noqa: E402
from kiosk.printing import PrintService  # noqa: E402

AT = dt.datetime(2026, 11, 22, 9, 30)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(make, encoding: str, runs: int) -> list[float]:
    out = []
    with PrinterSimulator(port=0) as sim:
        service = PrintService(Printer(sim.url, encoding=encoding), deliver=lambda fn: fn(), repeat_window_s=0)
        for i in range(runs):
            done = threading.Event()
            t0 = time.perf_counter()
            service.submit(f"job{i}", make, lambda job: done.set())
            assert sim.wait_jobs(i + 1, timeout=30), "the simulator saw no job"
            out.append((sim.job_last_byte_at[i] - t0) * 1000)
            done.wait(10)
    return out


def start_app(data_dir: Path, url: str, width: int, height: int):
    """The real KioskApp on an offscreen window, printing to `url` (as the `ui` test fixture)."""
    from kiosk.app import KioskApp, configure_kivy
    from kiosk.config import Display, Printer as PrinterSettings, Settings

    configure_kivy(width, height, fullscreen=False)
    from kivy.base import EventLoop

    from kiosk.fonts import register_default_font

    register_default_font()
    EventLoop.ensure_window()
    settings = Settings(data_dir=data_dir, display=Display(width=width, height=height, fullscreen=False),
                        printer=PrinterSettings(url=url))
    app = KioskApp(settings, open_current(data_dir))
    app._run_prepare()  # build, add the root to the window, on_start (what App.run does)
    logging.getLogger().setLevel(logging.WARNING)  # no line per job and connection
    return app


def frames(count: int) -> None:
    from kivy.base import EventLoop

    for _ in range(count):
        EventLoop.idle()


def measure_app_tap(data_dir: Path, runs: int, size: tuple[int, int]) -> tuple[list[float], list[float]]:
    """(tap -> last byte, release -> last byte) in ms, `runs` prints of 告知单 from the app."""
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")  # before Kivy is imported
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-bench-kivy-")
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1", KIVY_NO_CONSOLELOG="1")
    from kivy.tests.common import UnitTestTouch

    from_tap, from_release = [], []
    with PrinterSimulator(port=0) as sim:
        app = start_app(data_dir, sim.url, *size)
        app.devices.prints.repeat_window_s = 0
        frames(5)
        app.open_screen("guides")
        assert app.open_screen("guide_detail", guide_id="guide-dibao")
        frames(5)
        button = app.manager.get_screen("guide_detail").print_row.ids.print_button
        for i in range(runs + 1):  # the first one warms up (imports, first connection)
            time.sleep(button.debounce_s + 0.05)
            x, y = button.to_window(*button.center)
            touch = UnitTestTouch(x, y)
            t0 = time.perf_counter()
            touch.touch_down()
            frames(1)
            released = time.perf_counter()
            touch.touch_up()
            deadline = time.monotonic() + 30
            while len(sim.job_last_byte_at) <= i:
                assert time.monotonic() < deadline, "the simulator saw no job"
                frames(1)
            if i:
                from_tap.append((sim.job_last_byte_at[i] - t0) * 1000)
                from_release.append((sim.job_last_byte_at[i] - released) * 1000)
            while app.devices.prints.busy:  # the outcome is back before the next tap
                frames(1)
        app.dispatch("on_stop")
    return from_tap, from_release


def measure_faults(timeout: float) -> None:
    """Job time under each link fault: the deadline is a bound, whatever the printer does."""
    small = lambda: ticket(_, centre_name="幸福里社区党群服务中心", number="A023", service_name="综合受理",  # noqa: E731
                           ahead=5, issued_at=AT, qr_url="https://zwfw.example.gov.cn/q/A023")
    long = lambda: Receipt([Text(f"第{i}行 社区党群服务中心 一次性告知单", 2) for i in range(60)] + [Cut()])  # noqa: E731
    cases = [("none", Fault(), "ok", small, "gb18030"),
             ("slow-status (each answer 0.9 x timeout late)", Fault("slow-status", delay=0.9 * timeout), "ok", small, "gb18030"),
             ("slow-read 20 kB/s, 460 kB job", Fault("slow-read", rate=20000), "ok", long, "bitmap"),
             ("stall (reads and answers nothing)", Fault("stall"), "ok", small, "gb18030"),
             ("stall after 300 bytes, 460 kB job", Fault("stall", after=300), "ok", long, "bitmap"),
             ("silent (reads, never answers)", Fault(), "silent", small, "gb18030"),
             ("drop-mid-job (FIN after 200 bytes)", Fault("drop-mid-job", after=200), "ok", small, "gb18030"),
             ("reset-mid-job (RST after 200 bytes)", Fault("reset-mid-job", after=200), "ok", small, "gb18030"),
             ("extra-byte (near end, 3 jobs)", Fault("extra-byte"), "near-end", small, "gb18030")]
    import escpos.printer  # noqa: F401  (its first import is not a printer's delay)

    for pty in (False, True):
        for name, fault, state, make, encoding in cases:
            with PrinterSimulator(port=0, fault=fault, state=state, pty=pty) as sim:
                printer = Printer(sim.url, encoding=encoding, timeout=timeout)
                for _i in range(3 if fault.name == "extra-byte" else 1):
                    t0 = time.monotonic()
                    job = printer.print_receipt(make())
                    whole = time.monotonic() - t0
                    had = job.history[-1][0] - job.history[0][0]
                    print(f"{'serial' if pty else 'tcp':<6} {name:<46} {job.state:<7} {job.reason or '':<8} "
                          f"had the printer {had:5.3f} s  whole call {whole:5.3f} s  (timeout {timeout:g} s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--app-runs", type=int, default=20, help="taps on 打印告知单 in the real app (0: skip)")
    ap.add_argument("--size", default="1080x1920", help="window of the app, WxH")
    ap.add_argument("--faults", action="store_true", help="job times under the simulator's link faults instead")
    ap.add_argument("--timeout", type=float, default=1.0, help="the printer's timeout with --faults (s)")
    args = ap.parse_args()
    set_locale("zh_CN")
    if args.faults:
        logging.disable(logging.WARNING)
        return measure_faults(args.timeout)
    from content.demo import write_demo_bundle

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_bundle(Path(tmp) / "b")
        build_version(Path(tmp) / "b", Path(tmp) / "d")
        view = open_current(Path(tmp) / "d")
        guide = max(view.guides(), key=lambda g: len(g.materials))
        docs = {
            "ticket": lambda: ticket(_, centre_name="幸福里社区党群服务中心", number="A023", service_name="综合受理",
                                     ahead=5, issued_at=AT, qr_url="https://zwfw.example.gov.cn/q/A023"),
            f"告知单 ({guide.title}, {len(guide.materials)} materials)": lambda: guide_checklist(
                _, guide, centre_name="幸福里社区党群服务中心", printed_at=AT),
        }
        for encoding in ("gb18030", "bitmap"):
            for name, make in docs.items():
                ms = measure(make, encoding, args.runs)
                print(f"{name:<40} {encoding:<8} p50 {statistics.median(ms):6.1f} ms  p95 {pct(ms, 95):6.1f} ms")
        view.close()
        if args.app_runs:
            size = tuple(int(v) for v in args.size.lower().split("x"))
            tap, release = measure_app_tap(Path(tmp) / "d", args.app_runs, size)
            print(f"app {args.size}: tap on 打印告知单 -> last byte at the simulator, gb18030, n={len(tap)}: "
                  f"p50 {statistics.median(tap):6.1f} ms  p95 {pct(tap, 95):6.1f} ms  "
                  f"(from release p50 {statistics.median(release):6.1f}  p95 {pct(release, 95):6.1f}); "
                  f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
