"""Live content: notice when `data_dir/current` points at another version and open it.

The sync client (or `kiosk content` on the command line) switches `current` atomically once a
version is complete (content.store). Polling is one `readlink` plus one `stat` every few seconds
on the Kivy Clock: cheap, no thread, no inotify dependency, and it sees a switch made by any
process. What the app does with the new view (banner at once, screens at the next return to
home) is the app's business; this module only hands it over.

The watcher also keeps `data_dir/showing` (content.showing) naming the versions the app has open
-- the one displayed and the one waiting for home -- so the sync client's prune never removes
them. A new version is claimed under the store lock before it is opened (content.store
.claim_current); while a build holds the lock the watcher just tries again at the next poll, so
the UI never waits for it. And it reaps the child process building the first-start demo.
"""
from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from pathlib import Path

from content.lock import StoreLocked
from content.store import claim_current, current_version, record_showing
from content.view import ContentView
from kiosk.i18n import _

log = logging.getLogger(__name__)

POLL_S = 1.0  # a readlink of `current` a second: a publish is on screen within ~1 s of its build


class ContentWatcher:
    """Calls `on_change(view)` with a freshly opened ContentView when `current` moves."""

    def __init__(self, data_dir: Path, version: str | None,
                 on_change: Callable[[ContentView], None], build=None, record: bool = True):
        self.data_dir = Path(data_dir)
        self.version = version
        self._on_change = on_change
        self._broken: str | None = None  # a version that failed to open: do not retry it
        self.build = build  # content.build.ChildBuild installing the first-start demo, or None
        self._showing: list[str] = [version] if version else []
        self._record_pending = bool(self._showing)
        # False: leave `showing` alone (`kiosk screenshot` renders the content of a running
        # terminal's data dir); also once the data dir refused a write (read-only): stop trying
        self._can_record = record
        self._flush_showing()

    @classmethod
    def for_view(cls, view, on_change: Callable[[ContentView], None], record: bool = True) -> "ContentWatcher":
        """The watcher for the app's first view (an EmptyView may carry a running demo build)."""
        return cls(view.data_dir, view.version or None, on_change, build=getattr(view, "build", None),
                   record=record)

    def showing(self, *versions: str | None) -> None:
        """The app has these versions open now (displayed first, then the one waiting for home)."""
        self._showing = [v for v in versions if v]
        self._record_pending = True
        self._flush_showing()

    def _flush_showing(self) -> None:
        if not (self._record_pending and self._can_record):
            return
        try:
            record_showing(self.data_dir, self._showing)
            self._record_pending = False
        except StoreLocked:
            pass  # a build holds the lock: the next poll writes it
        except OSError as exc:
            self._cannot_record(exc)

    def _cannot_record(self, exc: OSError) -> None:
        log.warning("cannot record the shown content version in %s (%s): prune may remove it",
                    self.data_dir, exc)
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):  # a read-only data dir: stop trying
            self._can_record = False

    def _claim(self, version: str) -> str | None:
        """`version` (or whatever is current by now) recorded in `showing`; None: not now."""
        if not self._can_record:
            return version
        try:
            return claim_current(self.data_dir, self._showing)
        except StoreLocked:
            return None  # a build is running: it will move `current` anyway; look again later
        except OSError as exc:
            self._cannot_record(exc)
            return version

    def _reap_build(self) -> None:
        if self.build is None or self.build.poll() is None:
            return
        build, self.build = self.build, None
        try:
            log.info("the demo content build finished: version %s", build.wait())
        except Exception as exc:  # noqa: BLE001 - the terminal keeps running without content
            log.error("the demo content could not be built: %s", exc)

    def tick(self, *_args) -> None:
        """The Kivy Clock's callback: poll, returning None (an interval whose callback returns
        False is unscheduled -- returning poll()'s False stopped the watching after one look)."""
        self.poll()

    def poll(self, *_args) -> bool:
        """Check once; True when a new version was handed over."""
        self._reap_build()
        self._flush_showing()
        try:
            version = current_version(self.data_dir)
        except OSError as exc:  # a data dir on a failing SD card: keep showing what we have
            log.warning("cannot read %s/current: %s", self.data_dir, exc)
            return False
        if version is None or version in (self.version, self._broken):
            return False
        version = self._claim(version)
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
        self.watcher.showing(view.version)  # the waiting version, if any, is this one
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
        self.watcher.showing(self.view.version, view.version)
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
