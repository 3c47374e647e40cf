"""Live content: notice when `data_dir/current` points at another version and open it.

The sync client (or `kiosk content` on the command line) switches `current` atomically once a
version is complete (content.store). Polling is one `readlink` plus one `stat` every few seconds
on the Kivy Clock: cheap, no thread, no inotify dependency, and it sees a switch made by any
process. What the app does with the new view (banner at once, screens at the next return to
home) is the app's business; this module only hands it over.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from content.store import current_version
from content.view import ContentView
from kiosk.i18n import _

log = logging.getLogger(__name__)

POLL_S = 5.0


class ContentWatcher:
    """Calls `on_change(view)` with a freshly opened ContentView when `current` moves."""

    def __init__(self, data_dir: Path, version: str | None,
                 on_change: Callable[[ContentView], None]):
        self.data_dir = Path(data_dir)
        self.version = version
        self._on_change = on_change
        self._broken: str | None = None  # a version that failed to open: do not retry it

    def poll(self, *_args) -> bool:
        """Check once; True when a new version was handed over."""
        try:
            version = current_version(self.data_dir)
        except OSError as exc:  # a data dir on a failing SD card: keep showing what we have
            log.warning("cannot read %s/current: %s", self.data_dir, exc)
            return False
        if version is None or version in (self.version, self._broken):
            return False
        try:
            view = ContentView(self.data_dir, version)
        except Exception:  # noqa: BLE001 - keep the old content on screen, log why
            log.exception("new content version %s cannot be opened; keeping %s",
                          version, self.version)
            self._broken = version
            return False
        log.info("content version %s -> %s", self.version, version)
        self.version = version
        self._on_change(view)
        return True


class LiveContentMixin:
    """The KioskApp's side of live content: which view the screens and the banner show.

    A new version waits in `_pending_view` until the resident returns home (never mid-reading);
    the urgent banner reads it at once. Expects `view`, `watcher`, `manager`, `home_model`,
    `now` and `root_widget` (kiosk.app.KioskApp).
    """

    def set_view(self, view) -> None:
        """Show `view` everywhere now (main thread): home is updated, other screens rebuilt.

        The screen on display (if not home) keeps its old content until it is left; the back
        history is dropped, since it points at pages of the old content.
        """
        old, self.view = self.view, view
        self.watcher.version = view.version
        manager = self.manager
        for screen in manager.screens[:]:
            if screen.name == "home":
                continue
            if screen.name == manager.current:
                self._stale.add(screen.name)
            else:
                self._stale.discard(screen.name)
                manager.remove_widget(screen)
        self._history.clear()
        if manager.has_screen("home"):
            manager.get_screen("home").show_model(self.home_model())
        self.refresh_urgent()
        if old is not view and old in self._opened_views:
            self._opened_views.remove(old)
            old.close()

    def content_changed(self, view) -> None:
        """A new version is installed: the banner follows at once, screens at the next home."""
        self._opened_views.append(view)
        if self._pending_view is not None and self._pending_view in self._opened_views:
            self._opened_views.remove(self._pending_view)
            self._pending_view.close()
        self._pending_view = view
        self.refresh_urgent()
        if self.manager.current in ("home", "attract"):
            self.apply_pending_content()

    def apply_pending_content(self) -> bool:
        """Switch to the waiting version, if any; True when it did.

        Called when the resident leaves what they were reading: going home, idle, opening the
        notices list -- and by whatever opens the notice the banner shows (the banner already
        shows the waiting version's urgent notices).
        """
        view, self._pending_view = self._pending_view, None
        if view is None:
            return False
        self.set_view(view)
        return True

    def refresh_urgent(self) -> None:
        """The banner shows the newest content's urgent notices, even before screens switch."""
        view = self._pending_view or self.view
        notices = view.urgent_notices(self.now())
        banner = self.root_widget.banner
        banner.active = bool(notices)
        banner.title = notices[0].title if notices else ""
        banner.more = (_("{count} urgent notices in total").format(count=len(notices))
                       if len(notices) > 1 else "")
