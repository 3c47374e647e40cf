"""kiosk.background: results and errors of work done off the UI thread come back, never lost."""
from __future__ import annotations

import logging
import queue

from kiosk import background


def _run(work, on_error=None, caplog=None):
    delivered: queue.Queue = queue.Queue()
    got = []
    thread = background.call(work, lambda v: got.append(("ok", v)),
                             (lambda e: got.append(("error", e))) if on_error else None,
                             name="test-call", deliver=delivered.put)
    thread.join(5)
    while not delivered.empty():
        delivered.get()()  # what the UI thread does
    return got


def test_the_result_comes_back():
    assert _run(lambda: 42) == [("ok", 42)]


def test_an_error_comes_back_to_on_error():
    got = _run(lambda: 1 / 0, on_error=True)
    assert got[0][0] == "error" and isinstance(got[0][1], ZeroDivisionError)


def test_an_error_without_on_error_is_logged_with_its_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="kiosk.background"):
        assert _run(lambda: {}["missing"]) == []
    record = next(r for r in caplog.records if "test-call failed" in r.getMessage())
    assert record.exc_info and record.exc_info[0] is KeyError
