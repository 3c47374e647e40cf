"""Tap-to-frame of the 办事指南 screens in the real app (offscreen): home -> guides,
guides -> guide detail, and one key of the on-screen keyboard -> new search results.

    .venv/bin/python tests/bench/bench_ui_guides.py [--runs 30] [--size 1080x1920]

The demo centre is installed into a temp data dir (not timed); one KioskApp runs on an offscreen
SDL window (Mesa), driven like the `ui` fixture in tests/conftest.py: real touch events posted to
Kivy's event loop, frames stepped by hand (tests/bench/taps.py: the finger rests 80 ms, the
figure runs from the finger lifting — when every button acts — to the end of the first frame
that shows the result: the new screen with its content laid out, or the first result row
redrawn; glFinish() so the software rasterizer's work counts). The first visit of a screen
(which builds it) is reported apart from the warm figures.
Figures are printed, never asserted; record them in docs/benchmarks.md with the command line.
Goals (issue #3): screen switch p95 <= 80 ms, keystroke-to-results p95 <= 50 ms.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from taps import Tap, frames, summary, tap  # noqa: E402
QUERIES = ("dbsq", "yibao", "cjr", "ylbx", "dfyz", "lnr", "hzbl")


def setup_env() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-bench-kivy-")
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONFIG="1",
                      KIVY_NO_CONSOLELOG="1")
    sys.path.insert(0, str(ROOT))


def start_app(data_dir: Path, width: int, height: int):
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
    app._run_prepare()  # what App.run does before its loop (as the ui fixture)
    frames(5)
    return app


def bench_home_to_guides(app, runs: int) -> list[Tap]:
    manager = app.manager
    samples = []
    for _ in range(runs):
        app.go_home()
        frames(3)

        def shown():
            return manager.current == "guides" and bool(
                manager.get_screen("guides").guide_list.rows())

        samples.append(tap(manager.get_screen("home").tile("guides"), shown))
    return samples


def bench_guides_to_detail(app, runs: int) -> list[Tap]:
    manager = app.manager
    guides = manager.get_screen("guides")
    samples = []
    for i in range(runs):
        app.open_screen("guides")
        frames(3)
        rows = guides.guide_list.rows()
        row = rows[i % min(len(rows), 4)]  # rows fully on screen at every size
        guide_id = row.guide_id

        def shown():
            if manager.current != "guide_detail":
                return False
            detail = manager.get_screen("guide_detail")
            # the first screenful: title and the first sections laid out (the sections below
            # the fold and the QR code follow in the next frame, screens/guide_detail.py)
            return (detail.guide_id == guide_id and detail.sections
                    and detail.header.title and detail.sections[0].ids.rows.children
                    and detail.sections[0].ids.rows.children[0].height > 0)

        samples.append(tap(row, shown))
        app.go_back()
        frames(2)
    return samples


def bench_keystrokes(app, runs: int, cold_text: bool = False) -> list[Tap]:
    """Every prefix of QUERIES, typed key by key. `cold_text`: forget every rendered row
    text before each query (screens/text_cache.py), as for a resident's very first search."""
    from screens.keyboard import CLEAR
    from screens.text_cache import CACHE

    manager = app.manager
    app.open_screen("guide_search")
    search = manager.get_screen("guide_search")
    frames(3)
    samples: list = []
    while len(samples) < runs:
        for query in QUERIES:
            search.press(CLEAR)
            frames(2)
            if cold_text:
                CACHE.clear()
            for n, key in enumerate(query, 1):
                expected = [g.title for g in app.view.search(query[:n], limit=1)]

                def shown():
                    if search.content.ids.query_bar.ids.query.text != query[:n]:
                        return False
                    if not expected:  # the calm "nothing found" message instead
                        return bool(search.content.message)
                    rows = search.guide_list.rows()
                    return bool(rows) and rows[0].title == expected[0]

                samples.append(tap(search.keyboard.key(key), shown))
    return samples[:runs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size", default="1080x1920")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    setup_env()
    from content.demo import write_demo_bundle
    from content.store import build_version

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        write_demo_bundle(Path(tmp) / "bundle")
        build_version(Path(tmp) / "bundle", Path(tmp) / "data")
        app = start_app(Path(tmp) / "data", width, height)
        home = bench_home_to_guides(app, args.runs + 1)
        detail = bench_guides_to_detail(app, args.runs + 1)
        keys = bench_keystrokes(app, args.runs + 1)
        cold_keys = bench_keystrokes(app, args.runs + 1, cold_text=True)
        app.dispatch("on_stop")
    print(f"window {width}x{height}, {args.runs} warm runs each; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    for label, samples in (("home -> guides", home), ("guides -> detail", detail),
                           ("keystroke -> results", keys),
                           ("keystroke, no text cached", cold_keys)):
        print(summary(f"{label} (first)", samples[:1]))
        print(summary(label, samples[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
