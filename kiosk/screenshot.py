"""`kiosk screenshot`: render screens offscreen and save one NAME.png per screen.

Works without a display: `take_screenshots` sets SDL's offscreen driver and a throw-away
KIVY_HOME before Kivy is imported, which is why Kivy is imported inside functions only.
Kivy creates one Window per process, so call `take_screenshots` once per process.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from screens.registry import SCREENS

KNOWN_SCREENS: tuple[str, ...] = tuple(SCREENS)
FRAMES_BEFORE_CAPTURE = 4  # the first frames after start can be blank (PITFALLS.md)
# `--item ID`: the parameter each detail screen's `show` takes (app.open_screen(name, **params))
ITEM_PARAM = {"guide_detail": "guide_id", "notice_detail": "notice_id", "disclosure_detail": "item_id"}


def prepare_headless_env() -> None:
    """Offscreen SDL and a private KIVY_HOME, unless the caller chose otherwise. Before Kivy."""
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    if "KIVY_HOME" not in os.environ:
        os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-kivy-")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")


def check_names(names: list[str] | None) -> list[str]:
    """The screens to capture; raises ValueError naming the known screens for an unknown one."""
    chosen = list(names) if names else list(KNOWN_SCREENS)
    unknown = [n for n in chosen if n not in KNOWN_SCREENS]
    if unknown:
        raise ValueError(f"unknown screen(s): {', '.join(unknown)}; "
                         f"known screens: {', '.join(KNOWN_SCREENS)}")
    return chosen


def save_window_png(target: Path) -> Path:
    """Save what the window shows now to `target` (Kivy appends a counter; we rename)."""
    from kivy.core.window import Window

    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Draw now, so the read-back is this frame and not whatever the back buffer held after
    # the last flip (layout may have changed since).
    Window.dispatch("on_draw")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        produced = Window.screenshot(name=os.path.join(tmp, "shot.png"))
        if not produced or not os.path.exists(produced):
            raise RuntimeError(f"Kivy produced no screenshot for {target}")
        os.replace(produced, target)
    return target


def take_screenshots(settings, view, size: tuple[int, int], out_dir: Path,
                     names: list[str] | None = None, item: str | None = None,
                     at: dt.datetime | None = None) -> list[Path]:
    """Render each named screen at `size` (width, height) and save `out_dir/NAME.png`.

    `item`: the detail screens show that item instead of their representative one (ValueError
    for a screen that shows no item). `at`: the wall clock the app sees (what is live then)."""
    chosen = check_names(names)
    if item is not None and any(n not in ITEM_PARAM for n in chosen):
        raise ValueError(f"--item needs --screen {' or '.join(ITEM_PARAM)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    width, height = int(size[0]), int(size[1])
    if width <= 0 or height <= 0:
        raise ValueError(f"size must be positive, got {width}x{height}")
    prepare_headless_env()

    window_exists = "kivy.core.window" in sys.modules
    from kiosk.app import KioskApp, configure_kivy

    if not window_exists:
        configure_kivy(width, height, fullscreen=False)
    from kivy.clock import Clock
    from kivy.core.window import Window

    if window_exists:  # best effort; an offscreen window can only shrink
        Window.size = (width, height)
    # never the ID reader's polling thread: the running terminal may hold the same port
    settings = settings.model_copy(update={"idcard": settings.idcard.model_copy(update={"enabled": False})})
    app = KioskApp(settings, view, rotate=False, now=(lambda: at) if at is not None else None)
    saved: list[Path] = []
    pending = list(chosen)
    state = {"frames": 0}

    def step(_dt):
        state["frames"] += 1
        if state["frames"] < FRAMES_BEFORE_CAPTURE:
            return
        if not pending:
            app.stop()
            return False
        name = pending[0]
        if app.manager.current != name:
            if name == "maintenance":
                app.unlock_maintenance()  # rendered directly for docs, not via the PIN pad
            from screens import registry

            registry.prepare_sample(name, app)
            params = {ITEM_PARAM[name]: item} if item is not None else {}
            if not app.open_screen(name, **params):
                state["failed"] = (f"{name}: item {item!r} is not in the content or not shown at that time"
                                   if params else f"screen {name!r} could not be opened")
                app.stop()
                return False
            screen = app.manager.get_screen(name)
            # a detail screen shows a representative item (the first guide, notice, ...)
            prepare = getattr(screen, "prepare_screenshot", None)
            if prepare is not None and not params:
                prepare()
            state["frames"] = 0  # let the new screen draw before capturing
            return
        saved.append(save_window_png(out_dir / f"{name}.png"))
        pending.pop(0)
        state["frames"] = 0

    Clock.schedule_interval(step, 0)
    app.run()
    if "failed" in state:
        raise ValueError(state["failed"])
    return saved


def main(argv: list[str] | None = None) -> int:
    """Development entry: `python -m kiosk.screenshot WxH OUT_DIR [NAME...]`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m kiosk.screenshot WxH OUT_DIR [NAME...]", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args[0].lower().split("x"))
    from content.store import open_current
    from kiosk.config import load_config

    settings = load_config(None)
    view = open_current(settings.data_dir)
    for path in take_screenshots(settings, view, (width, height), Path(args[1]), args[2:]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
