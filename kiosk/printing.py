"""Printing from the UI: jobs run on one worker thread; the outcome comes back on the main thread.

A screen calls `PrintService.submit(key, make_receipt, on_done)`. The worker thread (started with
the first job, alive until `close()`) builds and prints
the receipt (devices.printer), then `deliver` hands the finished Job to `on_done` on the UI
thread (Kivy's Clock in the app). The same `key` submitted again while its job is queued, or
within `repeat_window_s` after it printed, is ignored: a double tap (PITFALLS.md) never prints
twice.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from devices.printer import Job, Printer
from devices.receipt import Receipt

log = logging.getLogger(__name__)


def _kivy_deliver(fn: Callable[[], None]) -> None:
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(), 0)


class PrintService:
    def __init__(self, printer: Printer | None, deliver: Callable[[Callable[[], None]], None] = _kivy_deliver,
                 repeat_window_s: float = 5.0):
        self.printer = printer
        self.deliver = deliver
        self.repeat_window_s = repeat_window_s
        self._queue: queue.Queue = queue.Queue()
        self._recent: dict[str, float] = {}  # key -> when its job was queued or finished
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last_job: Job | None = None

    @property
    def available(self) -> bool:
        return self.printer is not None

    @property
    def busy(self) -> bool:
        """A job is queued or printing (its outcome not handed back yet)."""
        with self._lock:
            return bool(self._pending)

    def submit(self, key: str, make: Callable[[], Receipt], on_done: Callable[[Job], None]) -> bool:
        """Queue a job; False when it is a repeat of one queued or just printed (nothing queued)."""
        if self.printer is None:
            return False
        now = time.monotonic()
        with self._lock:
            if key in self._pending or now - self._recent.get(key, -1e9) < self.repeat_window_s:
                log.info("print %s ignored: the same job is queued or just printed", key)
                return False
            self._pending.add(key)
            self._recent[key] = now
        self._queue.put((key, make, on_done))
        self._ensure_worker()
        return True

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="print-worker", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Let the worker finish the job in hand and end (the app stops)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)

    def _work(self) -> None:
        """One long-lived worker: jobs run one after another, in the order they were tapped."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            key, make, on_done = item
            try:
                job = self.printer.print_receipt(make(), key)
            except Exception as exc:  # a bug building the receipt must still answer the resident
                log.exception("print %s crashed", key)
                job = Job(key, state="failed", reason="unknown")
                job.history.append((time.monotonic(), f"crashed: {exc}"))
            with self._lock:
                self._pending.discard(key)
                self._recent[key] = time.monotonic()
                if not job.printed:
                    self._recent.pop(key, None)  # a failed job may be retried (补打) at once
            self.last_job = job
            self.deliver(lambda job=job, on_done=on_done: on_done(job))
