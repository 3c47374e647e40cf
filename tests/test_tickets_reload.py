"""While the queue serves, a new content version changes its ticket services (added, removed,
renamed, other windows): every worker takes them in place, without a restart, and today's queue
-- in SQLite -- carries on: the tickets already issued, their numbering, a window calling them.
A version without usable ticket services keeps the services in use. Real `kiosk tickets serve`
processes (1 and 2 workers) on real data dirs; outcomes are polled for, never timed."""
from __future__ import annotations

import secrets
import signal
import threading
import time

import pytest
import requests

from tests.tickets_live import start_service
from tests.tickets_support import MORNING, install_items, install_services, make_queue, service_items
from tickets.queue import QueueError

DEADLINE_S = 60.0
STOPPED = (0, -signal.SIGTERM)  # uvicorn ends by its signal once shut down; systemd counts it a clean stop


def _services_everywhere(svc, expected: list[str], in_a_row: int = 20) -> bool:
    """`expected` in `in_a_row` consecutive /healthz answers: with 2 workers either may answer,
    so a run of the same answer means both have it."""
    deadline = time.monotonic() + DEADLINE_S
    run = 0
    while time.monotonic() < deadline and svc.proc.poll() is None:
        run = run + 1 if svc.request("GET", "/healthz")[1]["services"] == expected else 0
        if run >= in_a_row:
            return True
        time.sleep(0.05)
    return False


class _EventStream:
    """GET /api/events read by a thread, as a calling board does."""

    def __init__(self, url: str):
        self.response = requests.get(url + "/api/events", stream=True, timeout=(10, 120))
        assert self.response.status_code == 200
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                self.lines.append(line)
        except (requests.RequestException, AttributeError, ValueError):  # closed by close()
            pass

    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, needle: str) -> bool:
        deadline = time.monotonic() + DEADLINE_S
        while needle not in self.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        return needle in self.text()

    def close(self) -> None:
        self.response.close()


def _new_version():
    """A renamed and moved to window 6, B removed, C as it was, D added."""
    a, _b, c = (i.model_copy(update={"hours": []}) for i in service_items(999))
    a = a.model_copy(update={"name": "综合受理（新）", "windows": ["1号窗口", "6号窗口"]})
    d = c.model_copy(update={"id": "ticket-d", "code": "D", "name": "退役军人服务", "windows": ["7号窗口"], "sort": 30})
    return [a, c, d]


@pytest.mark.parametrize("workers", [1, 2])
def test_changed_services_are_taken_in_place_and_todays_queue_is_kept(tmp_path, workers):
    install_services(tmp_path / "data")
    svc = start_service(tmp_path, workers=workers, demo=False)
    try:
        before = [svc.issue("A"), svc.issue("A"), svc.issue("B"), svc.issue("C")]
        board = _EventStream(svc.url)  # a display following the queue, connected before the change
        version = install_items(svc.data_dir, _new_version())
        assert _services_everywhere(svc, ["A", "C", "D"]), svc.log()[-3000:]
        assert svc.proc.poll() is None  # no restart: the same process serves

        a3 = svc.issue("A")
        assert (a3["number"], a3["service_name"]) == ("A003", "综合受理（新）")  # numbering goes on
        assert svc.issue("D")["number"] == "D001"
        assert board.wait_for('"D001"'), board.text()  # on the connection it opened before the change
        board.close()
        status, body = svc.request("POST", "/api/tickets", {"service": "B", "idempotency_key": secrets.token_hex(8)})
        assert (status, body["error"]) == (422, "unknown_service")
        for ticket in before:  # every ticket issued before the change is still there, as it was
            status, now = svc.request("GET", f"/api/tickets/{ticket['id']}")
            assert status == 200 and (now["number"], now["state"]) == (ticket["number"], "waiting")

        svc.add_user("staff", "a long enough password")
        counter = requests.Session()
        login = counter.post(svc.url + "/api/login", json={"user": "staff", "password": "a long enough password"},
                             timeout=10)
        assert login.status_code == 200, login.text
        called = counter.post(svc.url + "/api/counters/6号窗口/call-next",  # the new window calls today's A001
                              headers={"X-CSRF-Token": login.json()["csrf"]}, timeout=10)
        assert called.status_code == 200 and called.json()["ticket"]["number"] == "A001", called.text
        assert f"content {version}: ticket services now A, C, D (added: D; removed: B; changed: A)" in svc.log()

        broken = install_items(svc.data_dir, [])  # a version without ticket services: the queue keeps its own
        deadline = time.monotonic() + DEADLINE_S
        while f"content {broken}" not in svc.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "the queue keeps its ticket services (A, C, D)" in svc.log(), svc.log()[-3000:]
        assert svc.request("GET", "/healthz")[1]["services"] == ["A", "C", "D"]
        assert svc.issue("C")["number"] == "C002"
    finally:
        code = svc.stop()
    assert code in STOPPED, svc.log()[-3000:]


def test_a_ticket_for_a_service_removed_after_its_check_is_refused_not_a_500(tmp_path):
    """The writer thread looks the service up again: a reload may have removed it meanwhile."""
    from tickets.issuing import issue_many
    from tickets.rules import services_from_items

    queue = make_queue(tmp_path / "tickets.sqlite", MORNING)
    request = queue.issue_request("B", "key-0000001")
    queue.replace_services(services_from_items(_new_version()), "v2")
    [result] = issue_many(queue, [request])
    assert isinstance(result, QueueError) and result.code == "unknown_service"
    queue.engine.dispose()
