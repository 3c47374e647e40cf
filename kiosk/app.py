"""The Kivy application shell: screens, lockdown, elder mode, the clock, the urgent banner.

`run_app(settings, view)` is what `kiosk run` / `kiosk demo` call. Kivy reads its configuration
when the Window is created, so everything that shapes the window (size, fullscreen, cursor,
Escape, input providers) is set in `configure_kivy` before `kivy.core.window` is imported.

Threads never touch widgets: background work (sync, devices) hands results to the UI with
`Clock.schedule_once`; every method here runs on the main thread.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import time
from collections.abc import Callable


def _kivy_env_defaults() -> None:
    # Must run before `import kivy`: Kivy parses sys.argv (and would reject `kiosk run
    # --config ...`) unless KIVY_NO_ARGS is set; file logs would slowly fill an SD card
    # (journald has the console log).
    # KIVY_LOG_MODE=PYTHON: Kivy logs through the `logging` set up by the CLI (one format, no
    # duplicate lines) instead of installing its own console handler on the root logger.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")


_kivy_env_defaults()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.properties import (BooleanProperty, NumericProperty, ObjectProperty,  # noqa: E402
                             StringProperty)
from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.floatlayout import FloatLayout  # noqa: E402
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager  # noqa: E402

from content.schemas import CST, aware  # noqa: E402
from kiosk import theme  # noqa: E402
from kiosk.fonts import register_default_font  # noqa: E402
from kiosk.i18n import _, format_date, format_time, set_locale  # noqa: E402

log = logging.getLogger(__name__)

ESCAPE_KEY = 27


def configure_kivy(width: int, height: int, fullscreen: bool = False) -> None:
    """Set Kivy's config for the window about to be created. Call before importing Window."""
    from kivy.config import Config

    Config.set("graphics", "width", str(int(width)))
    Config.set("graphics", "height", str(int(height)))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    # Exactly one input source (PITFALLS.md, "Double touches on the Pi"): SDL turns touches
    # into mouse events, and probesysfs would add mtdev/hidinput for the same panel, so every
    # tap would arrive twice. Keep only SDL's mouse; disable its right-click multitouch dots.
    for key, _value in Config.items("input"):
        Config.remove_option("input", key)
    Config.set("input", "mouse", "mouse,disable_multitouch")


class KioskRoot(FloatLayout):
    """Urgent banner above the screens, and the toast floating over everything."""

    def __init__(self, **kwargs):
        from screens.widgets import Toast, UrgentBanner

        super().__init__(**kwargs)
        column = BoxLayout(orientation="vertical")
        self.banner = UrgentBanner()
        self.manager = ScreenManager(transition=NoTransition())
        column.add_widget(self.banner)
        column.add_widget(self.manager)
        self.toast = Toast()
        self.add_widget(column)
        self.add_widget(self.toast)


class KioskApp(App):
    """The terminal app, built with the settings and a content view (see content.store)."""

    ui_unit = NumericProperty(1.0)      # real px per design px (kiosk.theme), follows window size
    text_scale = NumericProperty(1.0)   # 1.0, or 1.4 in elder mode
    text_unit = NumericProperty(1.0)    # ui_unit * text_scale: every font size binds to this
    elder_mode = BooleanProperty(False)
    landscape = BooleanProperty(True)
    compact = BooleanProperty(False)    # a small panel (short side < 600 px, e.g. 800x480)
    date_text = StringProperty("")
    time_text = StringProperty("")
    view = ObjectProperty(None)

    def __init__(self, settings, view, now: Callable[[], dt.datetime] | None = None,
                 rotate: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.settings = settings
        self._rotate = rotate  # screenshots render the logical (unrotated) view
        self.view = view
        # China Standard Time, like the content's dates: a Pi left on UTC still shows the
        # lobby's clock. Naive datetimes from `now` count as CST too.
        self._now = now or (lambda: dt.datetime.now(CST))
        self._events: list = []
        self._last_input = time.monotonic()
        self._last_minute: tuple | None = None
        self._history: list[str] = []
        self.use_kivy_settings = False
        self.bind(ui_unit=self._update_text_unit, text_scale=self._update_text_unit)
        self.elder_mode = bool(settings.elder_mode_default)
        self.text_scale = theme.text_scale(self.elder_mode)

    # ---- building --------------------------------------------------------------------------

    def build(self):
        from screens import base, home, widgets

        register_default_font()
        set_locale(self.settings.locale)
        self.title = _("Self-service terminal")
        widgets.load_kv()
        home.load_kv()
        base.load_kv()
        self._fit_window()
        root = KioskRoot()
        self.root_widget = root
        self.open_screen("home")
        self.refresh_urgent()
        self._tick(0)
        return root

    def build_config(self, config):  # no kivy settings panel on a public terminal
        pass

    def open_settings(self, *largs):  # F1 would open Kivy's settings panel
        return False

    def home_model(self):
        from screens.home import build_home_model

        return build_home_model(self.settings, self.view)

    # ---- lifecycle -------------------------------------------------------------------------

    def on_start(self):
        from kivy.core.window import Window

        display = self.settings.display
        if self._rotate:
            Window.rotation = int(display.rotation)
        if display.fullscreen:
            Window.show_cursor = False
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard,
                    on_touch_down=self._on_any_touch, size=self._fit_window)
        self._fit_window()
        self._events.append(Clock.schedule_interval(self._tick, 1.0))

    def on_stop(self):
        from kivy.core.window import Window

        for event in self._events:
            event.cancel()
        self._events.clear()
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard,
                      on_touch_down=self._on_any_touch, size=self._fit_window)

    def _refuse_close(self, *_args, **_kwargs) -> bool:
        # Escape, Alt-F4 and the window's close button must not end a public terminal; the
        # process stops through SIGTERM (systemd), see run_app.
        log.info("close request refused (kiosk lockdown)")
        return True

    def _on_keyboard(self, _window, key, *_args) -> bool:
        return key == ESCAPE_KEY  # swallow Escape before Kivy's own handler sees it

    def _on_any_touch(self, *_args) -> bool:
        self._last_input = time.monotonic()
        return False  # let the touch reach the widgets

    # ---- sizes, elder mode -----------------------------------------------------------------

    def _fit_window(self, *_args) -> None:
        from kivy.core.window import Window

        width, height = Window.size
        self.ui_unit = theme.ui_unit(width, height)
        self.landscape = width >= height
        self.compact = min(width, height) < 600

    def on_elder_mode(self, _app, value: bool) -> None:
        self.text_scale = theme.text_scale(value)

    def _update_text_unit(self, *_args) -> None:
        self.text_unit = self.ui_unit * self.text_scale

    # ---- navigation ------------------------------------------------------------------------

    @property
    def manager(self) -> ScreenManager:
        return self.root_widget.manager

    def open_screen(self, name: str) -> bool:
        """Show screen `name`, building it on first visit. Unknown screens get a calm toast.

        Returns True when the screen is now shown.
        """
        from screens import registry

        manager = self.manager
        if not manager.has_screen(name):
            if name not in registry.SCREENS:
                log.info("screen %r is not available yet", name)
                self.show_toast(_("This service is coming soon. Please ask the staff for help."))
                return False
            manager.add_widget(registry.create(name, self))
        if manager.current and manager.current != name:
            self._history.append(manager.current)
            del self._history[:-20]
        manager.current = name
        if name == "home":
            self._history.clear()
        return True

    def go_home(self) -> None:
        self.open_screen("home")

    def go_back(self) -> None:
        """The previous screen (home when there is none)."""
        target = self._history.pop() if self._history else "home"
        self.manager.current = target
        if target == "home":
            self._history.clear()

    def show_toast(self, text: str, seconds: float = 3.5) -> None:
        self.root_widget.toast.show(text, seconds)

    # ---- content ---------------------------------------------------------------------------

    def set_view(self, view) -> None:
        """A new content version is installed (main thread): show it everywhere."""
        self.view = view
        manager = self.manager
        if manager.has_screen("home"):
            manager.get_screen("home").show(self.home_model())
        self.refresh_urgent()

    def now(self) -> dt.datetime:
        """The terminal's clock, timezone-aware (what the content view compares with)."""
        return aware(self._now()).astimezone(CST)

    def refresh_urgent(self) -> None:
        now = self.now()
        notices = self.view.urgent_notices(now)
        banner = self.root_widget.banner
        banner.active = bool(notices)
        banner.title = notices[0].title if notices else ""
        banner.more = (_("{count} urgent notices in total").format(count=len(notices))
                       if len(notices) > 1 else "")

    # ---- clock and idle --------------------------------------------------------------------

    def _tick(self, _dt) -> None:
        now = self.now()
        self.date_text = format_date(now.date())
        self.time_text = format_time(now)
        minute = (now.date(), now.hour, now.minute)
        if self._last_minute is not None and minute != self._last_minute:
            self.refresh_urgent()  # notices expire/publish by the terminal's own clock
        self._last_minute = minute
        self._check_idle()

    def _check_idle(self) -> None:
        """After idle_timeout_s without a touch, return to home with default text size."""
        timeout = self.settings.idle_timeout_s
        if not timeout or time.monotonic() - self._last_input < timeout:
            return
        if self.manager.current != "home" or self.elder_mode != self.settings.elder_mode_default:
            log.info("idle for %ss: back to home", timeout)
            self.go_home()
            self.elder_mode = bool(self.settings.elder_mode_default)
            self.root_widget.toast.hide()
        self._last_input = time.monotonic()


def _install_stop_signals(app: KioskApp) -> None:
    # The window refuses SDL "quit" events (lockdown), and SDL turns SIGTERM into such an
    # event when SIGTERM has no handler. A Python handler installed before the window keeps
    # SDL's off, so `systemctl stop` ends the app promptly.
    def stop(signum, _frame):
        log.info("signal %s: stopping", signum)
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def run_app(settings, view) -> None:
    """Run the terminal UI until SIGTERM/SIGINT (blocking)."""
    display = settings.display
    width, height = display.width, display.height
    if int(display.rotation) in (90, 270):
        width, height = height, width  # the physical panel is the rotated window
    configure_kivy(width, height, fullscreen=display.fullscreen)
    register_default_font()  # fail before a window opens if there is no Chinese font
    app = KioskApp(settings, view)
    _install_stop_signals(app)
    app.run()
