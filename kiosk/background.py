"""Run slow work off the UI thread and hand its outcome back to the UI thread.

Threads never touch widgets (DESIGN.md, "Processes"): `call(work, on_result, on_error)` runs
`work()` on a daemon thread and then `on_result(value)` -- or `on_error(exception)` -- in a Kivy
Clock callback on the main thread. An exception is never lost: without `on_error` it is logged
with its traceback (and the caller's `name`), so a failing call shows up in the maintainer's log.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Deliver = Callable[[Callable[[], None]], None]


def kivy_deliver(fn: Callable[[], None]) -> None:
    """Run `fn` on the UI thread (the next Clock tick)."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(), 0)


def call(work: Callable[[], object], on_result: Callable[[object], None],
         on_error: Callable[[BaseException], None] | None = None, name: str = "background",
         deliver: Deliver = kivy_deliver) -> threading.Thread:
    def run() -> None:
        try:
            value = work()
        except Exception as exc:  # handed to the UI thread, never swallowed
            if on_error is None:
                log.error("%s failed", name, exc_info=exc)
                return
            log.info("%s failed: %s: %s", name, type(exc).__name__, exc)
            deliver(lambda exc=exc: on_error(exc))  # `exc` is unbound after the except block
            return
        deliver(lambda: on_result(value))

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
