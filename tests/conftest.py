"""Shared fixtures. The UI fixture runs the real KioskApp offscreen and drives real touches.

How the UI fixture works (see also PITFALLS.md, "Headless tests"):

* The environment for Kivy is set here, at import, before anything imports Kivy: SDL's
  offscreen driver (Mesa, no X), a throw-away KIVY_HOME, no argv parsing, no log files.
* Kivy can create one Window per process. `kivy_window` (session) creates it once, at
  1920x1920: an offscreen GL surface cannot grow later, but it can shrink, so each test sets the
  size it wants (1080x1920, 1920x1080, 800x480, ...).
* `ui` (per test) builds a fresh KioskApp on that window without `App.run()`: it calls the
  app's own start-up (`_run_prepare`: build, add root, on_start) and then steps Kivy's event
  loop by hand (`EventLoop.idle()` = one frame: clock, input, draw). Teardown dispatches on_stop
  and removes the root, so the next test starts clean. No asyncio, no threads.
* Touches are `kivy.tests.common.UnitTestTouch` events posted to the event loop, so they go
  through the same dispatch as a finger on the panel. Some things run on real time (a
  ScrollView passes a tap on 0.2 s later, button debounce, kinetic scrolling, worker threads):
  wait for what you need, never a fixed time where a condition exists -- `h.press(button)`
  (until the button acted), `h.settle(*scroll_views)` (until they hold still),
  `h.wait_for(condition)` (results from threads).
* Screenshots go to tests/_screenshots/ (gitignored) for a person to look at.
* Time: `ui(..., now=...)` fixes the wall clock; `ui(..., monotonic=manual_clock)` gives the app
  a `ManualClock` for the idle timer, the PIN lock and the corner gesture, so a test crosses the
  90 s idle timeout with `manual_clock.advance(91)` instead of sleeping.
* `h.open(name)` opens a screen the way `kiosk screenshot` does (a detail screen shows its
  representative item; maintenance is unlocked first).

Kivy is imported lazily inside the fixtures so non-UI tests do not pay for it.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_KIVY_HOME = tempfile.mkdtemp(prefix="kiosk-test-kivy-")
atexit.register(shutil.rmtree, _KIVY_HOME, True)
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_NO_CONFIG"] = "1"
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy logs through pytest's logging capture

SCREENSHOT_DIR = Path(__file__).resolve().parent / "_screenshots"
WINDOW_MAX = (1920, 1920)


# ---- content: the real store, built from bundles -------------------------------------------

@pytest.fixture(scope="session")
def demo_view(tmp_path_factory):
    """The embedded demo centre installed in a temp data dir, opened with the real store."""
    from content.demo import write_demo_bundle
    from content.store import build_version, open_current

    root = tmp_path_factory.mktemp("demo")
    write_demo_bundle(root / "bundle")
    build_version(root / "bundle", root / "data")
    view = open_current(root / "data")
    yield view
    view.close()


@pytest.fixture
def make_view(tmp_path):
    """Factory: `make_view(*items)` -> a real ContentView holding exactly those items."""
    from content.bundle import BundleWriter
    from content.store import build_version, open_current

    views = []

    def make(*items, centre: str = "demo-centre"):
        writer = BundleWriter(centre=centre)
        for item in items:
            writer.add_item(item)
        root = tmp_path / f"content-{len(views)}"
        writer.write_dir(root / "bundle")
        build_version(root / "bundle", root / "data")
        views.append(open_current(root / "data"))
        return views[-1]

    yield make
    for view in views:
        view.close()


# ---- Kivy -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kivy_window():
    """The one offscreen Kivy window of this test session."""
    from kiosk.app import configure_kivy

    configure_kivy(*WINDOW_MAX, fullscreen=False)
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.fonts import register_default_font

    register_default_font()
    EventLoop.ensure_window()
    yield Window


class ManualClock:
    """A monotonic clock the test moves by hand: `clock.advance(91)` instead of sleeping."""

    def __init__(self, start: float = 1000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def manual_clock():
    """A ManualClock: pass it as the app's `monotonic` to cross timeouts without sleeping."""
    return ManualClock()


class UI:
    """Handle on a running KioskApp: step frames, tap widgets, read text, take screenshots."""

    def __init__(self, app, window):
        self.app = app
        self.window = window

    def frames(self, count: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def wait_for(self, condition, timeout: float = 10.0) -> bool:
        """Step frames (the UI keeps running) until `condition()` holds or `timeout` seconds
        pass: for results that come back from a thread (printer, ID reader)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.frames(1)
            time.sleep(0.01)
        return condition()

    def tap(self, widget, frames: int = 3) -> None:
        """A real touch down + up on the centre of `widget`."""
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(frames)

    def tap_at(self, x: float, y: float, frames: int = 3) -> None:
        """A real touch down + up at window position (x, y); y grows upwards (Kivy)."""
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(frames)

    def press(self, button, frames: int = 2, timeout: float = 2.0) -> None:
        """A person's real tap on `button` (a ButtonBehavior), stepping frames until it acted.

        A ScrollView hands a tap to its children only once it is sure the touch is no scroll
        (it re-sends the release 0.2 s later, in real time): this waits for the button's
        `on_release` instead of a fixed time, so taps outside ScrollViews cost no waiting.
        """
        import time

        # a deliberate tap: past the debounce that drops a doubled delivery of the last one
        last, debounce = getattr(button, "_last_tap", None), getattr(button, "debounce_s", 0)
        if last is not None:
            time.sleep(max(0.0, debounce - (time.monotonic() - last)))
        released: list[bool] = []

        def note(*_args) -> None:
            released.append(True)

        button.fbind("on_release", note)
        try:
            self.tap(button, frames=0)
            assert self.wait_for(lambda: released, timeout), f"{button!r}: the tap never arrived"
        finally:
            button.funbind("on_release", note)
        self.frames(frames)

    def settle(self, *scroll_views, timeout: float = 2.0, still_frames: int = 5) -> None:
        """Step frames until kinetic scrolling and the overscroll spring of `scroll_views` have
        stopped (they run on real time): their scroll positions hold still for `still_frames`
        frames (Kivy's clock keeps each frame at least 1/60 s long)."""
        import time

        def positions():
            return [(v.scroll_x, v.scroll_y) for v in scroll_views]

        deadline, last, still = time.monotonic() + timeout, positions(), 0
        while still < still_frames and time.monotonic() < deadline:
            self.frames(1)
            now = positions()
            still = still + 1 if now == last else 0
            last = now

    def drag(self, x: float, y: float, dx: float, dy: float, steps: int = 8) -> None:
        """A real finger pressed at window position (x, y), moved by (dx, dy) in `steps` frames
        (dy > 0 = upwards), then lifted."""
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        for i in range(1, steps + 1):
            touch.touch_move(x + dx * i / steps, y + dy * i / steps)
            self.frames(1)
        touch.touch_up()
        self.frames(3)

    @property
    def current(self) -> str:
        """The name of the screen on display."""
        return self.app.manager.current

    def screen(self, name: str | None = None):
        """Screen `name` (default: the one on display)."""
        return self.app.manager.get_screen(name or self.current)

    def open(self, name: str, frames: int = 3):
        """Open screen `name` the way `kiosk screenshot` does (a detail screen shows its
        representative item) and return it."""
        from screens import registry

        if name == "maintenance":
            self.app.unlock_maintenance()
        registry.prepare_sample(name, self.app)
        assert self.app.open_screen(name), f"screen {name} did not open"
        prepare = getattr(self.screen(name), "prepare_screenshot", None)
        if prepare is not None:
            prepare()
        self.frames(frames)
        return self.screen(name)

    def key(self, key: int, scancode: int = 0, modifiers: list[str] | None = None) -> bool:
        """Dispatch a key press to the window; True when a handler consumed it."""
        return bool(self.window.dispatch("on_keyboard", key, scancode, None, modifiers or []))

    @property
    def root(self):
        return self.app.root

    @property
    def home(self):
        return self.app.manager.get_screen("home")

    def texts(self, widget=None) -> list[str]:
        """Text of every visible label under `widget` (default: the whole app), and of the
        texts widgets draw themselves (`pieces()`: screens.text_piece)."""
        from screens.text_label import TextLabel as Label

        top = widget if widget is not None else self.root
        found = []
        for w in top.walk(restrict=True):
            if isinstance(w, Label) and w.text and w.opacity > 0:
                found.append(w.text)
            elif hasattr(w, "pieces") and w.opacity > 0:  # texts a widget draws itself
                found.extend(piece.text for piece in w.pieces() if piece.text)
        return found

    def screenshot(self, name: str) -> Path:
        from kiosk.screenshot import save_window_png

        self.frames(3)
        return save_window_png(SCREENSHOT_DIR / f"{name}.png")


@pytest.fixture
def ui(kivy_window):
    """Factory: `ui(settings, view, size=(1080, 1920), now=None)` -> a started UI handle.

    Calling it again in the same test stops the previous app first (one root at a time).
    """
    running: list = []

    def stop() -> None:
        from kivy.app import App

        from kivy.lang import global_idmap

        while running:
            app = running.pop()
            app.dispatch("on_stop")
            kivy_window.unbind(on_keyboard=app._on_keyboard_settings)
            for child in kivy_window.children[:]:
                kivy_window.remove_widget(child)
            App._running_app = None
            # kv's `app` caches the running app and forgets it on that app's on_stop; removing
            # widgets above re-evaluates kv rules and would cache this stopped app again, so
            # the next test's buttons would call the old app
            object.__setattr__(global_idmap["app"], "_obj", None)
        from kiosk.app import set_rotation

        set_rotation(kivy_window, 0)
        kivy_window.show_cursor = True

    def start(settings, view, size=(1080, 1920), now=None, **app_kwargs) -> UI:
        """`app_kwargs` go to KioskApp (e.g. monotonic=ManualClock(), restart=callable)."""
        from kiosk.app import KioskApp

        stop()
        kivy_window.size = size
        kwargs = {"now": now} if now is not None else {}
        app = KioskApp(settings, view, **kwargs, **app_kwargs)
        running.append(app)
        app._run_prepare()  # build, add root to the window, on_start (what App.run does)
        handle = UI(app, kivy_window)
        handle.frames(4)
        return handle

    yield start
    stop()
