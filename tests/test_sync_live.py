"""The terminal's identity and health report against a real `kiosk-hub serve` (subprocess): the
real `kiosk enroll` and `kiosk sync heartbeat` commands, checked through the staff JSON API --
devices, errors, a requested screenshot, and the queue's figures sent once."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from hub import db, org
from sync import app_files, identity, state
from sync.files import write_atomic
from tests.test_hub_serve import _run, get, hub_server  # noqa: F401  (a fixture)
from tests.test_hub_terminals_live import post
from tests.tickets_support import make_queue
from tickets.stats import write_outbox

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def database_url(tmp_path):  # one database is enough here: the hub's own tests cover PostgreSQL
    return f"sqlite:///{tmp_path / 'hub.sqlite'}"


def kiosk(*args, data_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    config = data_dir.parent / "kiosk.toml"
    if not config.exists():
        config.write_text("# the defaults: no printer, no reader\n")
    env["KIOSK_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args, "--data-dir", str(data_dir)],
                          env=env, capture_output=True, text=True, timeout=timeout)


def enrolment_code(tmp_path, database_url) -> str:
    engine = db.make_engine(database_url)
    try:
        org.add_node(engine, "cli", "d1", "district", "某区")
        org.add_node(engine, "cli", "s1", "street", "某街道", "d1")
        org.add_node(engine, "cli", "c-a", "community", "甲社区", "s1")
    finally:
        engine.dispose()
    cmd, env = _run(tmp_path / "hub", "enroll-code", database=database_url)
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=60).stdout.strip()


def png_bytes(url: str, token: str) -> bytes:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "image/png"
        return resp.read()


def play_app(data_dir: Path, stop: threading.Event) -> None:
    """What kiosk/screenshot_request.py does in the running app, without Kivy: device states now
    and then, a scaled screenshot when asked."""
    while not stop.is_set():
        app_files.write_app_state(data_dir, time.time() - 60, ("paper_out", ""), ("error", "timeout"))
        if app_files.screenshot_pending(data_dir):
            buf = io.BytesIO()
            Image.new("RGB", (app_files.SCREENSHOT_WIDTH, 960), (200, 30, 30)).save(buf, "PNG")
            write_atomic(data_dir / app_files.SCREENSHOT, buf.getvalue(), 0o644)
            app_files.close_request(data_dir)
        stop.wait(0.1)


def test_enrol_heartbeat_screenshot_and_stats_through_the_real_commands(hub_server, database_url, tmp_path):
    url, admin = hub_server
    data = tmp_path / "terminal"
    code = enrolment_code(tmp_path, database_url)

    out = kiosk("enroll", "--hub", url + "/", "--code", code, "--name", "大厅 1", data_dir=data)
    assert out.returncode == 0, out.stderr
    me = identity.load(data)
    assert "enrolled as " + me.terminal_id in out.stdout and me.hub_url == url and me.name == "大厅 1"
    assert stat.S_IMODE(os.stat(data / "identity.json").st_mode) == 0o600
    terminal_url = f"{url}/api/staff/terminals/{me.terminal_id}"
    assert get(terminal_url, admin)[1]["status"] == "never_seen"

    # the code is spent: enrolling again with it fails cleanly and keeps the identity
    before = (data / "identity.json").read_bytes()
    again = kiosk("enroll", "--hub", url, "--code", code, data_dir=data)
    assert again.returncode == 1 and "bad_code" in again.stderr and "new code" in again.stderr
    assert (data / "identity.json").read_bytes() == before

    # no app running: the heartbeat says so
    out = kiosk("sync", "heartbeat", data_dir=data)
    assert out.returncode == 0, out.stderr
    assert "heartbeat ok; hub's latest version: none published" in out.stdout
    row = get(terminal_url, admin)[1]
    assert row["printer"]["state"] == "off" and row["reader"]["state"] == "off"  # none configured
    assert "app is not running" in row["last_error"] and row["app_version"] and row["disk_total_bytes"] > 0
    assert row["uptime_s"] > 0 and row["version_shown"] is None and row["status"] != "never_seen"

    # the app runs: its device states arrive; a content sync error is carried too
    stop = threading.Event()
    app = threading.Thread(target=play_app, args=(data, stop), daemon=True)
    try:
        app_files.write_app_state(data, time.time() - 60, ("paper_out", ""), ("error", "timeout"))
        state.record_error(data, "last_error", "version v9 rejected: bad signature")
        out = kiosk("sync", "heartbeat", data_dir=data)
        assert out.returncode == 0, out.stderr
        row = get(terminal_url, admin)[1]
        assert row["printer"]["state"] == "paper_out" and not row["printer"].get("detail")
        assert row["reader"]["state"] == "error" and row["reader"]["detail"] == "timeout"
        assert row["last_error"] == "version v9 rejected: bad signature"
        assert "printer:paper_out" in row["reasons"] and "reader:error" in row["reasons"]

        # staff ask for a screenshot; the app does not answer in time: requested, then sent next time
        status, body, _ = post(terminal_url + "/screenshot", token=admin)
        assert status == 200, body
        out = kiosk("sync", "heartbeat", "--screenshot-wait", "0", data_dir=data)
        assert out.returncode == 0 and "screenshot: requested" in out.stdout, out
        assert app_files.screenshot_pending(data)
        app.start()  # now it answers
        deadline = time.monotonic() + 10
        while app_files.screenshot_ready(data) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        out = kiosk("sync", "heartbeat", data_dir=data)
        assert out.returncode == 0 and "screenshot: uploaded" in out.stdout, out
        shot = Image.open(io.BytesIO(png_bytes(terminal_url + "/screenshot", admin)))
        assert shot.size == (app_files.SCREENSHOT_WIDTH, 960) and not (data / app_files.SCREENSHOT).exists()
        row = get(terminal_url, admin)[1]
        assert row["screenshot"] is not None and row["screenshot_requested_at"] is None

        # asked again: this time the running app answers within the heartbeat's wait
        assert post(terminal_url + "/screenshot", token=admin)[0] == 200
        out = kiosk("sync", "heartbeat", data_dir=data)
        assert out.returncode == 0 and "screenshot: uploaded" in out.stdout, out
    finally:
        stop.set()
        if app.is_alive():
            app.join(5)

    # the queue's figures: the ended day once, today's not yet
    q = make_queue(tmp_path / "tickets.sqlite")
    ticket = q.issue("A", "ticket-key-1")
    q.call_next("1号窗口")
    q.act(ticket["id"], "done")
    ended = write_outbox(q, q.today(), data / "outbox", "queue")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    write_outbox(q, today, data / "outbox", "queue")
    out = kiosk("sync", "heartbeat", data_dir=data)
    assert out.returncode == 0 and f"stats sent: queue:queue:{q.today()}" in out.stdout, out
    assert today not in out.stdout
    out = kiosk("sync", "heartbeat", data_dir=data)  # remembered: not sent again
    assert out.returncode == 0 and "stats sent" not in out.stdout, out
    (data / state.STATE_FILE).unlink()  # a lost state file: resent, the hub knows it (duplicate), marked sent
    out = kiosk("sync", "heartbeat", data_dir=data)
    assert out.returncode == 0 and "stats sent: queue:queue:" in out.stdout, out
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(db.stats_batches.c.batch_id, db.stats_batches.c.body)).all()
    finally:
        engine.dispose()
    assert [r.batch_id for r in rows] == [f"queue:queue:{q.today()}"]
    assert rows[0].body["services"]["A"]["served"] == 1 and rows[0].body["from"].startswith(q.today())
    assert json.loads(ended.read_text())["batch_id"] == rows[0].batch_id

    # revoked: the heartbeat fails and says how to fix it; the error is kept for the next one
    assert post(terminal_url + "/revoke", token=admin)[0] == 200
    out = kiosk("sync", "heartbeat", data_dir=data)
    assert out.returncode == 1 and "kiosk enroll --hub URL --code CODE" in out.stderr and "401" in out.stderr
    assert "heartbeat failed" in state.read(data)["report_error"]
