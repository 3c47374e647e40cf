"""The wire's JSON bodies (sync/wire.py) against what the terminal really has: its device states
(kiosk/app_devices.py) and the tickets service's outbox file (tickets/stats.py)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from kiosk import app_devices
from sync import wire
from tests.tickets_support import make_queue
from tickets.stats import write_outbox


def test_device_states_are_the_terminals_own():
    assert wire.PRINTER_STATES == app_devices.PRINTER_STATES
    assert wire.READER_STATES == app_devices.READER_STATES
    assert wire.CARD_REFUSED == app_devices.CARD_REFUSED
    assert set(wire.PRINTER_FAULTS) < set(wire.PRINTER_STATES) and set(wire.READER_FAULTS) < set(wire.READER_STATES)


def test_the_tickets_outbox_with_its_period_is_a_stats_batch(tmp_path):
    q = make_queue(tmp_path / "tickets.sqlite")
    ticket = q.issue("A", "ticket-key-1")
    q.call_next("1号窗口")
    q.act(ticket["id"], "done")
    q.rate(ticket["id"], 5, "")
    day = q.today()
    body = json.loads(write_outbox(q, day, tmp_path / "outbox", "lobby-1").read_text())
    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    body.update({"from": start.isoformat(), "to": (start + dt.timedelta(days=1)).isoformat()})
    batch = wire.StatsBatch.model_validate_json(json.dumps(body))
    assert batch.batch_id == f"lobby-1:queue:{day}" and batch.services["A"].served == 1
    assert batch.services["A"].ratings["5"] == 1 and batch.windows["1号窗口"].served == 1
    again = wire.StatsBatch.model_validate_json(json.dumps(batch.stored()))  # what the hub keeps reads back
    assert again == batch and again.stored() == batch.stored() and "from" in batch.stored()


FIGURES = {"issued": 1, "served": 1, "no_show": 0, "transferred": 0, "cancelled": 0, "waiting": 0,
           "wait_mean_min": 1.0, "wait_p90_min": 1.0, "service_mean_min": 2.5, "ratings": {"5": 1}}


def stats(services: int) -> dict:
    return {"batch_id": "x", "from": "2026-11-03T00:00:00Z", "to": "2026-11-04T00:00:00Z",
            "services": {f"S{i}": FIGURES for i in range(services)}}


def hb(**changes) -> dict:
    body = {"version_shown": "20261103-0930-ab12", "app_version": "0.4.0", "uptime_s": 5, "disk_free_bytes": 1,
            "disk_total_bytes": 2, "printer": {"state": "near_end"}, "reader": {"state": "off"},
            "sent_at": "2026-11-03T09:30:00+08:00"}
    return {**body, **changes}


def test_a_heartbeat_round_trips():
    beat = wire.Heartbeat.model_validate_json(json.dumps(hb(last_error="line 1\nline 2\ttab")))
    assert beat.sent_at.utcoffset() == dt.timedelta(hours=8) and beat.last_error == "line 1\nline 2\ttab"
    assert wire.Heartbeat.model_validate_json(json.dumps(beat.model_dump(mode="json"))) == beat
    reply = wire.HeartbeatReply.model_validate_json('{"latest_version": null, "screenshot": true}')
    assert reply.screenshot is True


@pytest.mark.parametrize("model, body", [
    (wire.Heartbeat, hb(app_version="0.4\n[forged log line]")),
    (wire.Heartbeat, hb(app_version="")),
    (wire.Heartbeat, hb(disk_total_bytes=(1 << 60) + 1, disk_free_bytes=0)),
    (wire.Heartbeat, hb(disk_free_bytes=1.0)),
    (wire.Heartbeat, hb(printer={"state": "ok", "detail": "x" * 501})),
    (wire.Heartbeat, hb(reader={"state": "ready", "detail": "a\x00b"})),
    (wire.Heartbeat, {k: v for k, v in hb().items() if k != "sent_at"}),
    (wire.EnrollRequest, {"code": "A", "name": "x", "hardware": {"k": "v" * 4096}}),
    (wire.EnrollRequest, {"code": "A" * 65, "name": "x"}),
    (wire.EnrollRequest, {"code": "A", "name": "  "}),
    (wire.StatsBatch, stats(101)),
    (wire.StatsBatch, {**stats(1), "to": "2026-11-04T00:00:00"}),
])
def test_out_of_bounds_bodies_are_refused(model, body):
    with pytest.raises(ValidationError):
        model.model_validate_json(json.dumps(body))


def test_enrol_request_bounds():
    ok = wire.EnrollRequest.model_validate_json(json.dumps({"code": "ABCD-EFGH", "name": " 大厅 ",
                                                            "hardware": {"k": "v" * 4000}}))
    assert ok.name == "大厅"
    assert wire.EnrollRequest.model_validate_json('{"code": "A", "name": "x"}').hardware == {}
    assert len(wire.StatsBatch.model_validate_json(json.dumps(stats(100))).services) == 100
