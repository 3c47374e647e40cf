"""The kiosk's and the display's client of the queue service, against a live service: issuing
with retries, refusals with their reason, an unreachable service, and the event stream
reconnecting across a restart without losing a call."""
from __future__ import annotations

import queue
import time

import pytest

from tests.tickets_live import free_port, start_service
from tickets.client import EventStream, QueueClient, QueueRefused, QueueUnavailable, new_key, parse_sse


def test_issue_retry_refusal_and_unreachable(tmp_path):
    svc = start_service(tmp_path)
    try:
        client = QueueClient(svc.url, svc.token)
        key = new_key()
        first = client.issue("A", key, card={"name_masked": "张*明", "age": 70, "id_masked": "320***1234"})
        assert client.issue("A", key)["id"] == first["id"]  # a retry of the same tap
        assert first["priority"] is True
        assert client.mark_printed(first["id"])["printed"] is True
        with pytest.raises(QueueRefused) as err:
            client.issue("Z", new_key())
        assert err.value.code == "unknown_service" and err.value.status == 422
        with pytest.raises(QueueRefused) as err:
            QueueClient(svc.url, "wrong-token").issue("A", new_key())
        assert err.value.status == 401
        assert {s["code"] for s in client.queue()["services"]} >= {"A", "B"}
    finally:
        svc.stop()
    with pytest.raises(QueueUnavailable):
        QueueClient(svc.url, svc.token, timeout=1).queue()


def test_event_stream_resumes_after_the_service_restarts(tmp_path):
    port = free_port()
    svc = start_service(tmp_path, port=port)
    events: queue.Queue = queue.Queue()
    states: list[bool] = []
    stream = EventStream(svc.url, events.put, states.append).start()
    try:
        deadline = time.monotonic() + 10
        while not states and time.monotonic() < deadline:
            time.sleep(0.05)
        svc.issue("A")
        assert events.get(timeout=10).type == "issued"
        svc.stop()
        svc = start_service(tmp_path, port=port)  # same data, same port
        svc.issue("B")  # written while the stream may still be reconnecting
        got = events.get(timeout=20)
        assert got.type == "issued" and got.data["tickets"][0]["number"] == "B001"
        assert False in states and states[-1] is True
    finally:
        stream.stop()
        svc.stop()


def test_sse_parsing_skips_comments_and_garbage():
    lines = [": keep-alive", "", "retry: 2000", "", "id: 3", "event: call", 'data: {"number": "A001"}', "",
             "id: 4", "event: call", "data: {not json", "", "id: x", "event: call", "data: {}", ""]
    got = list(parse_sse(iter(lines)))
    assert [(e.id, e.type, e.data) for e in got] == [(3, "call", {"number": "A001"})]
