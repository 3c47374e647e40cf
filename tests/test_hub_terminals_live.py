"""A terminal against `kiosk-hub serve --workers 2` (a real subprocess, SQLite and PostgreSQL):
enrol over HTTP, heartbeat, and once staff revoke it every later request is refused, whichever
worker process answers it."""
from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

from hub import db, org
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_hub_terminals import beat


def post(url: str, body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(url, data=json.dumps(body or {}).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def test_revocation_is_refused_by_every_worker(hub_server, database_url):
    url, admin = hub_server
    engine = db.make_engine(database_url)
    try:
        org.add_node(engine, "cli", "d1", "district", "某区")
        org.add_node(engine, "cli", "s1", "street", "某街道", "d1")
        org.add_node(engine, "cli", "c-a", "community", "甲社区", "s1")
        code, _ = org.create_code(engine, "cli", "c-a", dt.timedelta(hours=1))
    finally:
        engine.dispose()
    status, body, headers = post(url + "/api/v1/enroll", {"code": code, "name": "大厅 1", "hardware": {}})
    assert status == 200, body
    answer = json.loads(body)
    signing.verify(answer["hub_public_key"], body, headers["X-Signature"])
    token = answer["token"]
    for _ in range(6):
        status, body, _ = post(url + "/api/v1/heartbeat", beat(), token)
        assert status == 200 and json.loads(body) == {"latest_version": None, "screenshot": False}
    status, body, _ = post(url + f"/api/staff/terminals/{answer['terminal_id']}/revoke", token=admin)
    assert status == 200 and json.loads(body)["status"] == "revoked"
    for _ in range(20):  # new connections: both workers answer some of them
        status, body, _ = post(url + "/api/v1/heartbeat", beat(), token)
        assert status == 401 and json.loads(body)["error"] == "unauthorized"
