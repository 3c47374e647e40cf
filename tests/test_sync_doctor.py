"""`kiosk doctor` shows the enrolment and the sync's last errors (kiosk/doctor.py, check_enrolment)."""
from __future__ import annotations

import os

from kiosk.config import Settings
from kiosk.doctor import check_enrolment, run_checks
from sync import identity, signing, state


def enrolled(data_dir):
    identity.save(data_dir, identity.Identity(
        terminal_id="t-7", token="kterm_x", hub_url="http://127.0.0.1:9",
        hub_public_key=signing.public_key_b64(signing.generate_private_key())))


def test_not_enrolled_damaged_and_enrolled(tmp_path):
    rows, hub = check_enrolment(tmp_path)
    assert [(r.name, r.status) for r in rows] == [("enrolment", "warn")] and hub == ""
    assert "kiosk enroll --hub URL --code CODE" in rows[0].detail
    (tmp_path / "identity.json").write_text("{")
    rows, _ = check_enrolment(tmp_path)
    assert rows[0].status == "FAIL" and "damaged" in rows[0].detail and "--force" in rows[0].detail
    enrolled(tmp_path)
    rows, hub = check_enrolment(tmp_path)
    assert [(r.name, r.status) for r in rows] == [("enrolment", "ok"), ("sync", "warn")]
    assert "t-7 with http://127.0.0.1:9" in rows[0].detail and "last heartbeat never" in rows[1].detail
    assert hub == "http://127.0.0.1:9"


def test_last_errors_and_loose_mode(tmp_path):
    enrolled(tmp_path)
    state.update(tmp_path, lambda s: s.update(last_heartbeat_at="2026-12-02T01:00:00+00:00", latest_version="v3"))
    rows, _ = check_enrolment(tmp_path)
    assert rows[1].status == "ok" and "2026-12-02T01:00:00+00:00" in rows[1].detail and "v3" in rows[1].detail
    state.record_error(tmp_path, "last_error", "version v4 rejected:\nbad signature")
    os.chmod(tmp_path / "identity.json", 0o644)
    rows, _ = check_enrolment(tmp_path)
    assert rows[0].status == "warn" and "chmod 600" in rows[0].detail
    assert rows[1].status == "warn" and "version v4 rejected: bad signature" in rows[1].detail


def test_the_table_tries_the_enrolled_hub(tmp_path):
    enrolled(tmp_path)
    checks = {c.name: c for c in run_checks(Settings(data_dir=tmp_path))}
    assert checks["hub"].status == "warn" and "http://127.0.0.1:9: unreachable" in checks["hub"].detail
