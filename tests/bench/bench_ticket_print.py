"""取号 at the kiosk, end to end: a touch on 确认取号 -> the ticket's last byte at the printer.

    python tests/bench/bench_ticket_print.py [--runs 30] [--size 1080x1920] [--workers 1]

The real app (KioskApp, offscreen SDL window, Mesa llvmpipe) with `[tickets] url` pointing at a
REAL `kiosk tickets serve` (tests/tickets_live.start_service, services from
tests/tickets_support.install_services: always open, durable commits) and printing through its
own PrintService (kiosk/printing.py -> devices.printer over TCP, DLE EOT status before and after,
gb18030) to the ESC/POS simulator (devices/sim_printer.py) in this process. For each run the
resident's path is tapped for real: home -> 取号 -> a service (A, B, C in turn) -> 确认取号. The
clock starts when the touch-down on 确认取号 is posted (the button acts on its release, one frame
later, as every button of the app does) and stops at the simulator's `job_last_byte_at` for the
job: the arrival of the chunk holding the cut, before the simulator draws it.

Frames are stepped as the app's loop would (EventLoop.idle: Clock at 60 fps, input, layout, draw)
with glFinish after each, so the software rasterizer's work is paid where it happens. The first
run warms up (imports, the first ticket_done screen, the first connections) and is not counted.

Also printed, per run, where the time went (p50/p95 of each leg, stamped by wrapping the desk's
client and the print service's submit -- instrumentation only, the calls are the app's own):
release -> the POST is sent (thread start), the POST itself (HTTP + durable commit), the POST's
answer -> the print job is submitted (delivered on the next frame, ticket_done opened), and the
job -> its last byte (receipt built, QR, status, bytes).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.tickets_load import percentile  # noqa: E402
from tests.tickets_live import start_service  # noqa: E402
from tests.tickets_support import install_services  # noqa: E402


def frame() -> None:
    from kivy.base import EventLoop
    from kivy.graphics.opengl import glFinish

    EventLoop.idle()
    glFinish()


def frames_until(cond, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        frame()


def tap(widget, wait_debounce: bool = True) -> tuple[float, float]:
    """A real touch on `widget`: (perf_counter at touch-down, at touch-up)."""
    from kivy.tests.common import UnitTestTouch

    if wait_debounce:
        time.sleep(getattr(widget, "debounce_s", 0) + 0.02)
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    down = time.perf_counter()
    touch.touch_down()
    frame()
    up = time.perf_counter()
    touch.touch_up()
    return down, up


def scroll_into_view(widget) -> None:
    """Scroll the ScrollView holding `widget` (a small window shows only some rows), as a finger would."""
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    while parent is not None and not isinstance(parent, ScrollView):
        parent = parent.parent
    if parent is not None:
        parent.scroll_to(widget, padding=10, animate=False)


def start_app(content_dir: Path, queue_url: str, token: str, printer_url: str, size: tuple[int, int]):
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-bench-kivy-")
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1", KIVY_NO_CONSOLELOG="1")
    from content.store import open_current
    from kiosk.app import KioskApp, configure_kivy
    from kiosk.config import Display, Printer as PrinterSettings, Settings, Tickets

    configure_kivy(*size, fullscreen=False)
    from kivy.base import EventLoop

    from kiosk.fonts import register_default_font

    register_default_font()
    EventLoop.ensure_window()
    settings = Settings(data_dir=content_dir, display=Display(width=size[0], height=size[1], fullscreen=False),
                        printer=PrinterSettings(url=printer_url), tickets=Tickets(url=queue_url, token=token))
    app = KioskApp(settings, open_current(content_dir))
    app._run_prepare()
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    return app


class Stamps:
    """Wraps the desk's client and the print service to stamp the legs of one 取号 (bench only)."""

    def __init__(self, app):
        self.post_start = self.post_end = self.submitted = 0.0
        client, prints = app.tickets.client, app.devices.prints
        issue, submit = client.issue, prints.submit

        def timed_issue(*a, **k):
            self.post_start = time.perf_counter()
            try:
                return issue(*a, **k)
            finally:
                self.post_end = time.perf_counter()

        def timed_submit(*a, **k):
            self.submitted = time.perf_counter()
            return submit(*a, **k)

        client.issue, prints.submit = timed_issue, timed_submit


def run(args) -> None:
    from content.demo import write_demo_bundle
    from content.store import build_version
    from devices.sim_printer import PrinterSimulator
    from kiosk.i18n import set_locale

    size = tuple(int(v) for v in args.size.lower().split("x"))
    set_locale("zh_CN")
    with tempfile.TemporaryDirectory(prefix="bench-ticket-print-") as tmp:
        tmp = Path(tmp)
        write_demo_bundle(tmp / "bundle")
        build_version(tmp / "bundle", tmp / "kiosk")
        install_services(tmp / "queue" / "data")
        svc = start_service(tmp / "queue", workers=args.workers, demo=False)
        try:
            with PrinterSimulator(port=0) as sim:
                app = start_app(tmp / "kiosk", svc.url, svc.token, sim.url, size)
                stamps = Stamps(app)
                legs = measure(app, sim, stamps, args.runs)
                app.dispatch("on_stop")
        finally:
            svc.stop()
    names = ["touch-down -> last byte", "release -> last byte", "release -> POST sent", "POST /api/tickets",
             "answer -> print job submitted", "job submitted -> last byte"]
    print(f"取号 confirm -> last byte at the printer simulator, {args.size}, workers={args.workers}, "
          f"n={len(legs)} (after 1 warm-up):")
    for i, name in enumerate(names):
        ms = [leg[i] for leg in legs]
        print(f"  {name:<32} p50 {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms  "
              f"max {max(ms):6.1f} ms")
    print(f"  load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def measure(app, sim, stamps: Stamps, runs: int) -> list[tuple[float, ...]]:
    home = app.manager.get_screen("home")
    frames_until(lambda: home.tile("tickets") is not None, what="the 取号 tile (queue online)")
    out = []
    for i in range(runs + 1):
        app.go_home()
        frames_until(lambda: app.manager.current == "home" and home.tile("tickets") is not None, what="home")
        for _ in range(3):
            frame()
        tap(home.tile("tickets"))
        frames_until(lambda: app.manager.current == "tickets", what=f"the tickets screen (on {app.manager.current})")
        screen = app.manager.get_screen("tickets")
        code = "ABC"[i % 3]
        frames_until(lambda: any(r.code == code for r in screen.service_rows()), what="the service rows")
        row = next(r for r in screen.service_rows() if r.code == code)
        scroll_into_view(row)
        for _ in range(3):  # laid out (and scrolled) before the finger lands
            frame()
        tap(row)
        frames_until(lambda: app.manager.current == "ticket_confirm",
                     what=f"the confirm screen (on {app.manager.current})")
        for _ in range(3):
            frame()
        button = app.manager.get_screen("ticket_confirm").body.ids.confirm_button
        jobs = len(sim.job_last_byte_at)
        down, up = tap(button)
        frames_until(lambda: len(sim.job_last_byte_at) > jobs, what="the ticket at the printer")
        last = sim.job_last_byte_at[jobs]
        frames_until(lambda: app.tickets.flow.print_state == "printed", what="the print outcome")
        if i:
            out.append(((last - down) * 1000, (last - up) * 1000, (stamps.post_start - up) * 1000,
                        (stamps.post_end - stamps.post_start) * 1000, (stamps.submitted - stamps.post_end) * 1000,
                        (last - stamps.submitted) * 1000))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--size", default="1080x1920", help="the app's window, WxH")
    ap.add_argument("--workers", type=int, default=1, help="worker processes of the queue service")
    args = ap.parse_args(argv)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2 CPUs)", flush=True)
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
