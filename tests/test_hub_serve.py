"""`kiosk-hub serve` as it runs: a real subprocess with two workers on a free port, on SQLite and
PostgreSQL -- /healthz, the token-authenticated whoami, and JSON refusals."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hub import migrate
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.tickets_live import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"


def _run(data, *args, database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return [sys.executable, "-m", "hub.cli", args[0], "--data-dir", str(data), "--database", database,
            *map(str, args[1:])], env


def get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def hub_server(tmp_path, database_url):
    data = tmp_path / "hub"
    (tmp_path / "pw").write_text(PASSWORD)
    cmd, env = _run(data, "init", "--admin-user", "admin", "--admin-password-file", tmp_path / "pw",
                    database=database_url)
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
    cmd, env = _run(data, "token", "--user", "admin", database=database_url)
    token = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=120).stdout.strip()
    port = free_port()
    cmd, env = _run(data, "serve", "--port", port, "--workers", 2, database=database_url)
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if get(url + "/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        else:
            pytest.fail("kiosk-hub serve did not answer:\n" + (tmp_path / "serve.log").read_text())
        yield url, token
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the group id is its pid
        except ProcessLookupError:
            pass
        proc.wait(10)
        log.close()


def test_healthz_whoami_and_json_refusals(hub_server):
    """One running server (two workers) per database: starting one costs seconds, so one test asks it everything."""
    url, token = hub_server
    assert get(url + "/healthz") == (200, {"status": "ok", "schema": migrate.head()})
    for _ in range(4):  # a few requests: both workers answer from the shared database
        assert get(url + "/api/staff/whoami", token) == (200, {"user": "admin",
                                                               "roles": [{"role": "admin", "node": None}]})
    for wrong in (None, token + "x", token[:-1], "not-even-ours", "khub_" + "x" * 300):
        status, body = get(url + "/api/staff/whoami", wrong)
        assert status == 401 and body["error"] == "unauthorized" and "kiosk-hub token" in body["message"], wrong
    assert get(url + "/nope") == (404, {"error": "not_found", "message": "no such endpoint"})
    req = urllib.request.Request(url + "/healthz", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 405 and json.loads(err.value.read())["error"] == "method_not_allowed"


def test_serve_refuses_before_init(tmp_path):
    cmd, env = _run(tmp_path / "hub", "serve", "--port", free_port(), database=f"sqlite:///{tmp_path}/none.sqlite")
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "run kiosk-hub init first" in out.stderr and "Traceback" not in out.stderr


def test_healthz_is_503_when_the_schema_is_not_this_programs(database_url, tmp_path):
    """In process (the same app): a database migrated by another version of the hub, then one gone."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from hub import db, migrate
    from hub.api import create_app
    from hub.settings import HubSettings

    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    with TestClient(create_app(HubSettings(data_dir=tmp_path, database=database_url))) as client:
        assert client.get("/healthz").status_code == 200
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.json()["error"] == "schema" and "9999" in answer.json()["message"]
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(text("DROP TABLE api_tokens"))
        answer = client.get("/api/staff/whoami", headers={"Authorization": "Bearer khub_x"})
        assert answer.status_code == 503 and answer.json() == {
            "error": "unavailable", "message": "the hub's database does not answer: try again shortly"}
    engine.dispose()
