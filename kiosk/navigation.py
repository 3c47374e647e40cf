"""The screens of the app: the root widget that holds them, and the one way to open one.

`KioskRoot` is the urgent banner, the red bar and the screen manager; `NavigationMixin` is the
part of KioskApp that opens screens (`open_screen`, building each on its first visit), goes back
and home, and shows the toast. Everything here runs on the main thread.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import ScreenManager

from kiosk.i18n import N_, _
from kiosk.memory import release_free_memory
from kiosk.window import PlainScreenManager, PlainTransition

log = logging.getLogger(__name__)

# what a screen without its own `unavailable` says when its show() refuses
UNAVAILABLE = N_("This page cannot be opened now. Please ask the staff.")
# screens that are never a "back" target: the attract loop, and maintenance (behind a PIN)
NO_HISTORY = frozenset({"attract", "maintenance"})
# opening these means the resident left what they were reading: a waiting content version
# applies (home; the notices list, reached from the urgent banner showing the new notice)
SWAP_CONTENT_ON = frozenset({"home", "notices"})


class KioskRoot(FloatLayout):
    """Urgent banner, the red bar of the resident screens, the screens; the toast floats over
    everything. The bar (screens.base.NavBar) is one for all screens: shown above each
    KioskScreen with its title, taken out for home and the attract loop."""

    def __init__(self, **kwargs):
        from screens import base
        from screens.widgets import Toast, UrgentBanner

        base.load_kv()
        super().__init__(**kwargs)
        column = self.column = BoxLayout(orientation="vertical")
        self.banner = UrgentBanner()
        self.navbar = base.NavBar()
        self.manager = PlainScreenManager(transition=PlainTransition())
        column.add_widget(self.banner)
        column.add_widget(self.manager)
        self.toast = Toast()
        self.add_widget(column)
        self.add_widget(self.toast)
        self._titled = None  # the screen whose title the bar shows
        self.manager.bind(current_screen=self._follow_screen)

    def _follow_screen(self, _manager, screen) -> None:
        from screens.base import KioskScreen

        bar = self.navbar
        if self._titled is not None:
            self._titled.funbind("title", self._show_title)
            self._titled = None
        if isinstance(screen, KioskScreen):
            self._titled = screen
            screen.fbind("title", self._show_title)
            bar.title = screen.title
            if bar.parent is None:
                self.column.add_widget(bar, index=1)  # under the banner, above the screens
        elif bar.parent is not None:
            self.column.remove_widget(bar)

    def _show_title(self, _screen, title: str) -> None:
        self.navbar.title = title



class NavigationMixin:
    """The KioskApp's screens: open one, go back, go home, the toast. Expects `root_widget`,
    `settings`, `apply_pending_content`, `_history`, `_stale` and `_maintenance_unlocked`
    (kiosk.app.KioskApp)."""

    # ---- navigation ------------------------------------------------------------------------

    @property
    def manager(self) -> ScreenManager:
        return self.root_widget.manager

    def _ensure_screen(self, name: str) -> bool:
        from screens import registry

        if self.manager.has_screen(name):
            return True
        if name not in registry.SCREENS:
            return False
        self.manager.add_widget(registry.create(name, self))
        return True

    def open_screen(self, name: str, **params) -> bool:
        """Show screen `name`, building it on first visit: the one way to open a screen.

        `params` go to the screen's `show(**params)` before the switch (a detail screen takes the
        item to show), so it never shows its previous item first. When `show` says no (the item
        is gone, a parameter it does not take) the resident gets that screen's calm `unavailable`
        toast and stays where they are. Unknown screens get a calm toast too. Returns True when
        the screen is now shown. `maintenance` opens only after the PIN.
        """
        if name == "maintenance" and not self._maintenance_unlocked:
            log.warning("maintenance screen refused: no PIN entered")
            return False
        manager = self.manager
        previous = manager.current
        # the resident left what they were reading: a waiting content version applies now
        swapped = name in SWAP_CONTENT_ON and self.apply_pending_content()
        if not self._ensure_screen(name):
            log.info("screen %r is not available yet", name)
            self.show_toast(_("This service is coming soon. Please ask the staff for help."))
            return False
        from screens import registry

        screen = manager.get_screen(name)
        show = getattr(screen, "show", None)
        if not registry.takes(show, params) or (show is not None and not show(**params)):
            log.info("screen %r refused %r", name, params)
            self.show_toast(_(getattr(screen, "unavailable", UNAVAILABLE)))
            return False
        if previous and previous != name and previous not in NO_HISTORY and not swapped:
            self._history.append(previous)
            del self._history[:-20]
        manager.current = name
        if previous in self._stale and previous != name:  # built from the old content
            self._stale.discard(previous)
            manager.remove_widget(manager.get_screen(previous))
        if name in ("home", "attract", "maintenance"):
            self._history.clear()  # back from maintenance goes home, never to a resident's page
        return True

    @property
    def start_screen(self) -> str:
        """Where the app starts and "home" leads: the calling board on a display (role `display`,
        which has no attract loop either), the home screen on a terminal."""
        return "display" if self.settings.role == "display" else "home"

    def go_home(self) -> None:
        self.open_screen(self.start_screen)

    def go_back(self) -> None:
        """The previous screen (home when there is none)."""
        target = self._history.pop() if self._history else "home"
        if target == "home" or not self._ensure_screen(target):
            self.go_home()
            return
        self.manager.current = target

    def _on_screen_changed(self, _manager, name: str) -> None:
        if name != "maintenance":
            self._maintenance_unlocked = False  # leaving maintenance locks it again
        if name in ("home", "attract"):
            # the resident's pages are behind us: what the heap freed goes back to the system
            # (kiosk.memory), after this frame is drawn
            Clock.schedule_once(lambda _dt: release_free_memory(), 0)

    def show_toast(self, text: str, seconds: float = 3.5) -> None:
        self.root_widget.toast.show(text, seconds)
