"""The terminal's clock against the hub's (sync/clock.py): a heartbeat to a real `kiosk-hub serve`
from a terminal whose clock is two hours ahead puts the problem in sync-state, the next heartbeat
carries it to the hub's terminal data, and `kiosk doctor` shows it; a right clock reports nothing."""
from __future__ import annotations

import datetime as dt

from sync import clock, identity, state
from sync.health import Devices, report_once
from tests.sync_pull_support import enrolled_demo_terminal, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import database_url, kiosk  # noqa: F401  (a fixture)

UTC = dt.timezone.utc
NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
DATE = "Wed, 02 Dec 2026 12:00:00 GMT"


def test_the_skew_and_its_words():
    assert clock.skew_seconds(DATE, NOON + dt.timedelta(hours=2)) == 7200
    assert clock.skew_seconds(DATE, NOON - dt.timedelta(minutes=10)) == -600
    assert clock.skew_seconds(None, NOON) is None and clock.skew_seconds("not a date", NOON) is None
    assert clock.skew_seconds("Wed, 02 Dec 2026 12:00:00", NOON) is None  # no zone: not trusted
    assert clock.problem(None) is None and clock.problem(120) is None and clock.problem(-300) is None
    assert "2.0 hours ahead of" in clock.problem(7200) and "timedatectl" in clock.problem(7200)
    assert "10 minutes behind" in clock.problem(-600)


def test_a_wrong_clock_is_reported_to_the_hub_and_the_doctor(hub_server, database_url, tmp_path):  # noqa: F811
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)
    devices = Devices(printer=False, reader=False)
    ahead = dt.datetime.now(UTC) + dt.timedelta(hours=2)
    report_once(data, devices, screenshot_wait_s=0, now=ahead)
    known = state.read(data)
    assert 7100 < known["clock_skew_s"] < 7300 and "2.0 hours ahead of the hub's" in known["report_error"]

    report_once(data, devices, screenshot_wait_s=0)  # carries it; this one's clock is right
    me = identity.load(data)
    row = staff(url, admin, "GET", f"/api/staff/terminals/{me.terminal_id}")
    assert "hours ahead of the hub's" in (row.get("last_error") or ""), row
    assert abs(state.read(data)["clock_skew_s"]) < 60 and not state.read(data)["report_error"]

    report_once(data, devices, screenshot_wait_s=0, now=ahead)
    doctor = kiosk("doctor", data_dir=data)
    assert "hours ahead of the hub's" in doctor.stdout, doctor.stdout
