"""The calling display's link to the queue service: events in, the queue's picture, spoken calls.

`DisplayFeed` follows `GET /api/events` (tickets.client.EventStream: reconnects by itself with
`Last-Event-ID`, so a call made while the display was disconnected still arrives) and reloads
`GET /api/queue` on its own loader thread: at start, on every (re)connection, after every event
(a `reset` event included: the service's way of saying "too much was missed, reload") and every
RELOAD_S, since estimated waits age without events. A `call` event goes to the announcer at once
(kiosk.announcer, Kivy-free, any thread).

Threads never touch widgets: everything for the screen is handed over with `post(fn, *args)`,
by default a Kivy `Clock.schedule_once` on the main thread, to the attached listener's
`show_queue(snapshot)`, `show_call(data)` and `show_connected(flag)` (screens.display). The
feed remembers the last picture on the main thread, so a screen built later starts from it.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tickets.client import Event, EventStream, QueueClient, QueueRefused, QueueUnavailable

log = logging.getLogger(__name__)

RELOAD_S = 60.0
RELOAD_GAP_S = 0.08   # bursts of events (call-next writes done + call) cost one reload
MAX_DISCARDS = 3      # a picture fetched while newer events came in is stale: fetch again, up to this


def kivy_post(fn: Callable, *args) -> None:
    """Run `fn(*args)` on the Kivy main thread (the next Clock tick)."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(*args), 0)


class DisplayFeed:
    def __init__(self, url: str, announcer=None, post: Callable = kivy_post,
                 client: QueueClient | None = None, reload_s: float = RELOAD_S):
        self.url = url
        self.announcer = announcer
        self.client = client or QueueClient(url, "")  # events and /api/queue are public: no token
        self.reload_s = reload_s
        self._post = post
        self.listener = None       # main thread: the screen (show_queue, show_call, show_connected)
        self.snapshot: dict | None = None
        self.connected = False
        self.loads = 0             # pictures delivered (tests and the log)
        self._stop = threading.Event()
        self._wanted = threading.Event()
        self._stream: EventStream | None = None
        self._loader: threading.Thread | None = None

    # ---- main thread ----------------------------------------------------------------------

    def start(self) -> "DisplayFeed":
        self._wanted.set()
        self._loader = threading.Thread(target=self._load_loop, name="display-queue", daemon=True)
        self._loader.start()
        self._stream = EventStream(self.url, self._on_event, self._on_state).start()
        return self

    def stop(self) -> None:
        """End both threads and the announcer; nothing reaches the listener afterwards."""
        self._stop.set()
        self._wanted.set()
        self.listener = None
        if self._stream is not None:
            self._stream.stop()
        if self._loader is not None:
            self._loader.join(timeout=2.0)
        if self.announcer is not None:
            self.announcer.stop()

    @property
    def running(self) -> bool:
        return self._loader is not None and not self._stop.is_set()

    def attach(self, listener) -> None:
        """Send everything to `listener` from now on, starting with the last picture."""
        self.listener = listener
        if self.snapshot is not None:
            listener.show_queue(self.snapshot)
        listener.show_connected(self.connected)

    def reload(self) -> None:
        self._wanted.set()

    def _deliver(self, method: str, value) -> None:
        if self._stop.is_set():
            return
        if method == "show_queue":
            self.snapshot = value
            self.loads += 1
        elif method == "show_connected":
            self.connected = value
        if self.listener is not None:
            getattr(self.listener, method)(value)

    # ---- the event stream's thread ----------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.type == "call" and isinstance(event.data, dict):
            data = event.data
            if self.announcer is not None:
                self.announcer.announce(data.get("number"), data.get("counter"), bool(data.get("recall")))
            self._post(self._deliver, "show_call", dict(data))
        elif event.type == "reset":
            log.info("queue events: the service says too much was missed; reloading the queue")
        self._wanted.set()

    def _on_state(self, connected: bool) -> None:
        self._post(self._deliver, "show_connected", bool(connected))
        if connected:
            self._wanted.set()  # whatever happened while away

    # ---- the loader thread ------------------------------------------------------------------

    def _load_loop(self) -> None:
        discards = 0
        while not self._stop.is_set():
            self._wanted.wait(timeout=self.reload_s)
            if self._stop.is_set():
                return
            self._wanted.clear()
            try:
                snapshot = self.client.queue()
            except (QueueUnavailable, QueueRefused) as exc:
                log.info("queue picture not loaded: %s", exc)
                continue
            if self._wanted.is_set() and discards < MAX_DISCARDS:
                discards += 1  # an event came in meanwhile: this picture may already be old
                continue
            discards = 0
            self._post(self._deliver, "show_queue", snapshot)
            self._stop.wait(RELOAD_GAP_S)


def feed_for(app) -> DisplayFeed | None:
    """The running feed for a display app (role `display` with a queue url), else None: a
    terminal shows the board only as a preview (`kiosk screenshot --screen display`)."""
    settings = app.settings
    if settings.role != "display" or not settings.tickets.url.strip():
        return None
    from kiosk.announcer import Announcer

    return DisplayFeed(settings.tickets.url.strip(), announcer=Announcer()).start()
