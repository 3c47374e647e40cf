"""A hub set up in process for the wire's tests: schema, signing key, a district > street > two
centres, one enrolled terminal of `centre-a`, and a TestClient with the app's lifespan (so the
event watcher runs). No tests here."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from hub import db, keys, migrate, org, terminals
from hub.api import create_app
from hub.settings import HubSettings

CENTRES = ("centre-a", "centre-b")
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class WireHub:
    settings: HubSettings
    engine: Engine  # the app's own: writes as this process's endpoints make them
    client: TestClient
    token: str
    terminal_id: str
    other: Engine  # another engine on the same database: writes as another process would make them


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def set_up(tmp_path, database_url: str) -> tuple[HubSettings, Engine]:
    settings = HubSettings(data_dir=tmp_path / "hub", database=database_url)
    settings.blobs_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    keys.create_first(engine, settings.keys_dir, "test")
    org.add_node(engine, "test", "district", "district", "区")
    org.add_node(engine, "test", "street", "street", "街道", "district")
    for centre in CENTRES:
        org.add_node(engine, "test", centre, "community", centre, "street")
    return settings, engine


def enrol(engine: Engine, centre: str, name: str = "lobby") -> tuple[str, str]:
    """(terminal id, token) of a new terminal of `centre`."""
    code, _ = org.create_code(engine, "test", centre, dt.timedelta(hours=1))
    terminal, token = terminals.enroll(engine, code, name, None, None)
    return terminal.id, token


@contextmanager
def make_hub(tmp_path, database_url: str):
    settings, engine = set_up(tmp_path, database_url)
    terminal_id, token = enrol(engine, CENTRES[0])
    try:
        with TestClient(create_app(settings)) as client:
            yield WireHub(settings, client.app.state.engine, client, token, terminal_id, engine)
    finally:
        engine.dispose()


# ---- content ----

def centre_doc(centre: str) -> dict:
    return {"id": centre, "kind": "centre", "title": centre, "name": centre, "address": "1 Road",
            "target": centre, "updated_at": "2026-11-01T08:00:00+08:00"}


def guide_doc(item_id: str, target: str, title: str = "低保申请", steps: int = 3) -> dict:
    return {"id": item_id, "kind": "guide", "title": title, "category": "民生保障", "target": target,
            "summary": "申请最低生活保障。", "steps": [f"第{i + 1}步：到窗口办理。" for i in range(steps)],
            "updated_at": "2026-11-01T08:00:00+08:00"}


def publish(engine: Engine, settings: HubSettings, *documents: dict) -> None:
    """Publish documents in one transaction, as the staff API does."""
    from hub import publish as publishing

    with engine.begin() as conn:
        for doc in documents:
            publishing.publish_revision(conn, settings, "test", doc["id"], doc)


# ---- a real `kiosk-hub serve` ----

def start_server(settings: HubSettings, log_path: Path) -> tuple[subprocess.Popen, int]:
    """`kiosk-hub serve` (one worker) on a free port, answering /healthz: (process, port)."""
    from tests.tickets_live import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve", "--data-dir", str(settings.data_dir),
                                 "--database", settings.database, "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError("kiosk-hub serve did not answer:\n" + log_path.read_text())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                if resp.status == 200:
                    return proc, port
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to its process group (its own session) after a grace time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
