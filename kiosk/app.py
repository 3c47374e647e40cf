"""The Kivy application shell: lifecycle, elder mode, the resident's session, the clock.

`kiosk.app_run.run_app(settings, view)` is what `kiosk run` / `kiosk demo` call. Kivy reads its configuration
when the Window is created, so everything that shapes the window (size, fullscreen, cursor,
Escape, input providers) is set in `configure_kivy` before `kivy.core.window` is imported.

Threads never touch widgets: background work (sync, devices) hands results to the UI with
`Clock.schedule_once`; every method here runs on the main thread.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

# Kivy's environment (no argv parsing, no log files, Python logging) is set by kiosk/__init__.py,
# before any kiosk module imports Kivy.
from kivy.app import App
from kivy.clock import Clock
from kivy.properties import (BooleanProperty, NumericProperty, ObjectProperty,
                             StringProperty)

from content.schemas import CST, aware
from kiosk import screenshot_request, theme
from kiosk.app_devices import PRINTER_POLL_S, AppDevices
from kiosk.enrolment import Enrolment
from kiosk.app_tickets import TicketsMixin
from kiosk.content_watch import POLL_S, ContentWatcher, LiveContentMixin
from kiosk.fonts import register_default_font
from kiosk.i18n import _, format_date, format_time, set_locale
from kiosk.idle import IdleTimer
from kiosk.lockdown import CornerTaps, LockdownMixin, PinGuard, restart_process
from kiosk.memory import tune_malloc
from kiosk.navigation import KioskRoot, NavigationMixin
from kiosk.watchdog import attach_watchdog
from kiosk.window import configure_kivy, install_memory_fixes, set_rotation  # noqa: F401

log = logging.getLogger(__name__)


class KioskApp(LockdownMixin, LiveContentMixin, TicketsMixin, NavigationMixin, App):
    """The terminal app, built with the settings and a content view (see content.store).

    `now` (wall clock, for content and the header) and `monotonic` (idle timer, PIN lock,
    corner gesture) are injectable so tests control time; `restart` is 重启程序 (default: exit
    for systemd to start a fresh process, kiosk.lockdown.restart_process).
    """

    ui_unit = NumericProperty(1.0)      # real px per design px (kiosk.theme), follows window size
    text_scale = NumericProperty(1.0)   # 1.0, or 1.4 in elder mode
    text_unit = NumericProperty(1.0)    # ui_unit * text_scale: every font size binds to this
    elder_mode = BooleanProperty(False)
    landscape = BooleanProperty(True)
    compact = BooleanProperty(False)    # a small panel (short side < 600 px, e.g. 800x480)
    date_text = StringProperty("")
    time_text = StringProperty("")
    view = ObjectProperty(None)
    help_available = BooleanProperty(False)  # 呼叫工作人员 is shown (a queue service is configured)

    def __init__(self, settings, view, now: Callable[[], dt.datetime] | None = None,
                 rotate: bool = True, monotonic: Callable[[], float] = time.monotonic,
                 restart: Callable[[], None] = restart_process, demo=None, **kwargs):
        super().__init__(**kwargs)
        self.settings = settings
        self._rotate = rotate  # screenshots render the logical (unrotated) view
        self.view = view
        # China Standard Time, like the content's dates: a Pi left on UTC still shows the
        # lobby's clock. Naive datetimes from `now` count as CST too.
        self._now = now or (lambda: dt.datetime.now(CST))
        self._restart = restart
        self._events: list = []
        self._last_minute: tuple | None = None
        self._history: list[str] = []
        self.session: dict = {}  # whatever belongs to the current resident (masked ID card data)
        self.devices = AppDevices(settings, demo=demo)  # printer, ID reader (demo: simulators)
        self.enrolment = Enrolment(settings)  # the maintenance screen's 注册到管理平台 (sync/enroll.py)
        self.idle = IdleTimer(settings.idle_timeout_s, monotonic)
        self.corner = CornerTaps(clock=monotonic)
        self.pin_guard = PinGuard(settings.maintenance, monotonic)
        self._pin_pad = None
        self._maintenance_unlocked = False
        self._pending_view = None     # a new content version waiting for the next home
        self._opened_views: list = []  # views this app opened (closed when replaced)
        self._stale: set[str] = set()  # screens still showing the old content (current at swap)
        self.watcher = ContentWatcher.for_view(view, self.content_changed, record=rotate)  # screenshots: no showing
        self.use_kivy_settings = False
        self._init_tickets()
        self.bind(ui_unit=self._update_text_unit, text_scale=self._update_text_unit)
        self.elder_mode = bool(settings.elder_mode_default)
        self.text_scale = theme.text_scale(self.elder_mode)

    # ---- building --------------------------------------------------------------------------

    def build(self):
        from screens import base, home, widgets

        register_default_font()
        tune_malloc()
        install_memory_fixes()
        set_locale(self.settings.locale)
        self.title = _("Self-service terminal")
        widgets.load_kv()
        home.load_kv()
        base.load_kv()
        self._fit_window()
        from kivy.core.window import Window

        Window.clearcolor = theme.PAGE  # the page background: screens draw none of their own
        root = KioskRoot()
        self.root_widget = root
        root.manager.bind(current=self._on_screen_changed)
        self.open_screen(self.start_screen)
        self.refresh_urgent()
        self._tick(0)
        return root

    def build_config(self, config):  # no kivy settings panel on a public terminal
        pass

    def open_settings(self, *largs):  # F1 would open Kivy's settings panel
        return False

    def home_model(self):
        from screens.home import build_home_model

        return build_home_model(self.settings, self.view, self.queue_online)

    # ---- lifecycle -------------------------------------------------------------------------

    def on_start(self):
        from kivy.core.window import Window

        display = self.settings.display
        if self._rotate:
            set_rotation(Window, int(display.rotation))
        if display.fullscreen:
            Window.show_cursor = False
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard,
                    on_touch_down=self._on_any_touch, size=self._fit_window)
        self._fit_window()
        self.watchdog = attach_watchdog(self)  # sd_notify READY/WATCHDOG/STOPPING (kiosk.watchdog)
        self._events.append(Clock.schedule_interval(self._tick, 1.0))
        self._events.append(Clock.schedule_interval(self.watcher.tick, POLL_S))
        self._events.append(screenshot_request.watch(self))  # app-state.json, screenshots for the sync process
        self.devices.on_card = self.card_read
        self.devices.on_card_refused = self.card_refused
        self.devices.start()
        self.devices.poll_printer()
        self._events.append(Clock.schedule_interval(self.devices.poll_printer, PRINTER_POLL_S))
        self._start_tickets()

    def on_stop(self):
        from kivy.core.window import Window

        for event in self._events:
            event.cancel()
        self._events.clear()
        self.devices.stop()
        self._close_pin_pad()
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard,
                      on_touch_down=self._on_any_touch, size=self._fit_window)
        for view in self._opened_views:
            view.close()
        self._opened_views.clear()

    # ---- touches ---------------------------------------------------------------------------

    def _on_any_touch(self, window, touch) -> bool:
        """Every touch, before any widget: idle timer, maintenance gesture, attract loop."""
        self.idle.poke()
        if self.corner.observe(touch.x, touch.y, window.height):
            self.maintenance_gesture()
            return True
        if self.manager.current == "attract":
            self.go_home()
            return True  # the touch that wakes the terminal does not press what lies beneath
        if self.manager.current == "display":
            return True  # the calling board takes no touches: no resident navigation on a display
        return False

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

    # ---- the resident's session -------------------------------------------------------------

    def card_read(self, card: dict) -> None:
        """An ID card was placed (masked public data, kiosk.app_devices); forgotten on idle."""
        self.idle.poke()
        self.session["id_card"] = card
        if self.manager.current == "attract":
            self.go_home()  # a card on the reader wakes the terminal like a touch
        self.show_toast(_("ID card read"))
        self._tickets_card(card)

    def card_refused(self, reason: str) -> None:
        """The reader refused the card placed (`reason` is for the maintainer; logged there).
        Whatever card the session held belongs to the card that was lifted: forget it."""
        self.idle.poke()
        self.session.pop("id_card", None)
        if self.manager.current == "attract":
            self.go_home()
        self.show_toast(_("This card could not be read. Please ask the staff for help."))
        self._tickets_card(None)

    def reset_session(self) -> None:
        """Forget everything about the last resident (idle timeout)."""
        for screen in self.manager.screens:
            reset = getattr(screen, "reset", None)
            if callable(reset):
                reset()
        self.elder_mode = bool(self.settings.elder_mode_default)
        self.session.clear()
        self._reset_tickets()
        self.root_widget.toast.hide()
        self._close_pin_pad()
        self._history.clear()
        self.apply_pending_content()

    def on_idle(self) -> None:
        log.info("idle for %ss: attract loop", self.settings.idle_timeout_s)
        self.reset_session()
        if not self.open_screen("attract"):
            self.go_home()

    # ---- content ---------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The terminal's clock, timezone-aware (what the content view compares with)."""
        return aware(self._now()).astimezone(CST)

    # ---- clock and idle --------------------------------------------------------------------

    @property
    def _last_input(self) -> float:  # kept for tests written before kiosk.idle existed
        return self.idle.last_input

    @_last_input.setter
    def _last_input(self, value: float) -> None:
        self.idle.last_input = value

    def _tick(self, _dt) -> None:
        now = self.now()
        self.date_text = format_date(now.date())
        self.time_text = format_time(now)
        minute = (now.date(), now.hour, now.minute)
        if self._last_minute is not None and minute != self._last_minute:
            self.refresh_urgent()  # notices expire/publish by the terminal's own clock
        self._last_minute = minute
        if self.idle.due() and self.settings.role != "display":
            self.on_idle()
