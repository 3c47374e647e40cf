"""Long-polls of `GET /api/v1/manifest?wait=`: woken within a second of a publish -- in process,
from another process's write, with no watcher at all, and across two real `kiosk-hub serve`
processes sharing one database (PostgreSQL: LISTEN/NOTIFY; SQLite: the poll of hub_events)."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_wire_support import (auth, centre_doc, enrol, guide_doc, make_hub, publish, set_up,
                                         start_server, stop_server)

@pytest.fixture
def hub(tmp_path, database_url):
    with make_hub(tmp_path, database_url) as made:
        yield made


class Held:
    """One long-poll running in a thread: `.status`, `.headers`, `.body`, `.at` (when it returned)."""

    def __init__(self, get):
        self.status = self.headers = self.body = self.at = None
        self._thread = threading.Thread(target=self._run, args=(get,), daemon=True)
        self._thread.start()

    def _run(self, get):
        self.status, self.headers, self.body = get()
        self.at = time.monotonic()

    def join(self, seconds: float) -> Held:
        self._thread.join(seconds)
        assert not self._thread.is_alive(), "the long-poll did not return"
        return self


def _client_get(client, token, etag, wait):
    def get():
        answer = client.get("/api/v1/manifest", params={"wait": wait}, headers={**auth(token), "If-None-Match": etag})
        return answer.status_code, answer.headers, answer.content
    return get


def _etag(client, token) -> str:
    answer = client.get("/api/v1/manifest", headers=auth(token))
    assert answer.status_code == 200
    return answer.headers["etag"]


@pytest.mark.parametrize("writer", ["this process", "another process"])
def test_a_publish_wakes_the_long_polls_of_its_centre_within_a_second(hub, writer):
    publish(hub.engine, hub.settings, centre_doc("centre-a"), centre_doc("centre-b"))
    etag = _etag(hub.client, hub.token)
    _, token_b = enrol(hub.engine, "centre-b")
    etag_b = _etag(hub.client, token_b)
    held = [Held(_client_get(hub.client, hub.token, etag, 30)) for _ in range(3)]
    other = Held(_client_get(hub.client, token_b, etag_b, 3))
    time.sleep(0.5)  # they are held
    assert all(h.at is None for h in held)
    publish(hub.engine if writer == "this process" else hub.other, hub.settings, guide_doc("g1", "centre-a"))
    published = time.monotonic()
    for h in held:
        h.join(5)
        assert h.status == 200 and h.headers["etag"] != etag and h.at - published < 1.0, h.at - published
        assert b'"g1"' in h.body
    other.join(5)  # another centre's poll is not woken: it ends with its wait, unchanged
    assert other.status == 304 and other.at - published > 1.5


def test_woken_polls_asking_for_deltas_all_get_the_same_one(hub):
    from sync import manifest as wire_manifest

    publish(hub.engine, hub.settings, centre_doc("centre-a"), guide_doc("g1", "centre-a"))
    first = hub.client.get("/api/v1/manifest", headers=auth(hub.token))
    etag = first.headers["etag"]

    def get():
        answer = hub.client.get("/api/v1/manifest", params={"wait": 30}, headers={
            **auth(hub.token), "If-None-Match": etag, "A-IM": "manifest-delta"})
        return answer.status_code, answer.headers, answer.content

    held = [Held(get) for _ in range(8)]
    time.sleep(0.5)
    publish(hub.other, hub.settings, guide_doc("g1", "centre-a", "低保申请（新）"))
    published = time.monotonic()
    for h in held:
        h.join(5)
        assert h.status == 226 and h.at - published < 1.0
    assert len({h.body for h in held}) == 1
    rebuilt = wire_manifest.apply_delta(json.loads(first.content), json.loads(held[0].body))
    assert rebuilt == hub.client.get("/api/v1/manifest", headers=auth(hub.token)).content


def test_a_long_poll_ends_with_304_when_nothing_changes(hub):
    publish(hub.engine, hub.settings, centre_doc("centre-a"))
    etag = _etag(hub.client, hub.token)
    start = time.monotonic()
    held = Held(_client_get(hub.client, hub.token, etag, 1.5)).join(5)
    assert held.status == 304 and held.headers["etag"] == etag and held.body == b""
    assert 1.4 < held.at - start < 2.5


def test_a_long_poll_with_a_stale_etag_answers_at_once(hub):
    publish(hub.engine, hub.settings, centre_doc("centre-a"))
    start = time.monotonic()
    held = Held(_client_get(hub.client, hub.token, '"old"', 30)).join(5)
    assert held.status == 200 and held.at - start < 1.0


def test_a_long_poll_waits_for_the_first_manifest(hub):
    held = Held(_client_get(hub.client, hub.token, "", 30))
    time.sleep(0.3)
    publish(hub.other, hub.settings, centre_doc("centre-a"))
    published = time.monotonic()
    held.join(5)
    assert held.status == 200 and held.at - published < 1.0
    nothing = Held(_client_get(hub.client, enrol(hub.engine, "centre-b")[1], "", 0.5)).join(5)
    assert nothing.status == 404 and json.loads(nothing.body)["error"] == "no_content"


def test_without_a_watcher_long_polls_still_wake_within_a_second_or_so(tmp_path, database_url):
    """No lifespan (a test client not entered): nothing is cached, held polls re-read the database."""
    settings, engine = set_up(tmp_path, database_url)
    _, token = enrol(engine, "centre-a")
    publish(engine, settings, centre_doc("centre-a"))
    client = TestClient(create_app(settings))
    try:
        assert not client.app.state.wire.trusted()
        etag = _etag(client, token)
        held = Held(_client_get(client, token, etag, 30))
        time.sleep(0.3)
        publish(engine, settings, guide_doc("g1", "centre-a"))
        published = time.monotonic()
        held.join(5)
        assert held.status == 200 and held.at - published < 1.5
    finally:
        client.app.state.engine.dispose()
        engine.dispose()


def test_the_watcher_reconnects_when_its_listen_connection_drops(hub):
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN is PostgreSQL's")
    from sqlalchemy import text

    from hub.notify import APPLICATION_NAME

    publish(hub.engine, hub.settings, centre_doc("centre-a"))
    etag = _etag(hub.client, hub.token)
    wire = hub.client.app.state.wire
    with hub.other.connect() as conn:
        killed = conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE application_name = :name AND datname = current_database()"),
                              {"name": APPLICATION_NAME}).all()
    assert len(killed) == 1
    deadline = time.monotonic() + 3
    while wire.trusted():  # it notices, and stops trusting its caches
        assert time.monotonic() < deadline
        time.sleep(0.05)
    held = Held(_client_get(hub.client, hub.token, etag, 30))
    time.sleep(0.3)
    publish(hub.other, hub.settings, guide_doc("g1", "centre-a"))
    published = time.monotonic()
    held.join(5)
    assert held.status == 200 and held.at - published < 1.5  # re-read from the database meanwhile
    deadline = time.monotonic() + 5
    while not wire.trusted():  # back on LISTEN after its backoff
        assert time.monotonic() < deadline, "the watcher did not reconnect"
        time.sleep(0.05)
    etag = held.headers["etag"]
    held = Held(_client_get(hub.client, hub.token, etag, 30))
    time.sleep(0.3)
    publish(hub.other, hub.settings, guide_doc("g2", "centre-a"))
    published = time.monotonic()
    assert held.join(5).status == 200 and held.at - published < 1.0


# ---- two real server processes ----

def _url_get(url, token, etag="", timeout=70):
    req = urllib.request.Request(url, headers={**auth(token), "If-None-Match": etag})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_two_servers_wake_each_others_long_polls(tmp_path, database_url):
    settings, engine = set_up(tmp_path, database_url)
    _, token = enrol(engine, "centre-a")
    publish(engine, settings, centre_doc("centre-a"))
    servers = []
    try:
        for i in (1, 2):
            proc, port = start_server(settings, tmp_path / f"serve{i}.log")
            servers.append((proc, f"http://127.0.0.1:{port}"))
        status, headers, _ = _url_get(servers[0][1] + "/api/v1/manifest", token, timeout=5)
        assert status == 200
        etag = headers["etag"]
        for round_ in range(2):  # two publishes in a row: each wakes both servers' polls
            held = [Held(lambda u=url: _url_get(u + "/api/v1/manifest?wait=30", token, etag)) for _p, url in servers]
            time.sleep(0.5)
            assert all(h.at is None for h in held)
            publish(engine, settings, guide_doc(f"g{round_}", "centre-a"))
            published = time.monotonic()
            for h in held:
                h.join(10)
                assert h.status == 200 and h.at - published < 1.0, (h.status, h.at - published)
            etag = held[0].headers["etag"]
            assert held[1].headers["etag"] == etag
    finally:
        for proc, _ in servers:
            stop_server(proc)
        engine.dispose()


def test_a_held_poll_ends_when_its_client_leaves(tmp_path):
    """Under uvicorn in this process: held polls are let go as soon as their connections close."""
    import socket

    import uvicorn

    from tests.tickets_live import free_port

    settings, engine = set_up(tmp_path, f"sqlite:///{tmp_path / 'hub.sqlite'}")
    _, token = enrol(engine, "centre-a")
    publish(engine, settings, centre_doc("centre-a"))
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    socks = []
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        etag = _url_get(f"http://127.0.0.1:{port}/api/v1/manifest", token)[1]["etag"]
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(f"GET /api/v1/manifest?wait=30 HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {token}\r\n"
                         f"If-None-Match: {etag}\r\n\r\n".encode())
            socks.append(sock)

        def held_becomes(n):
            deadline = time.monotonic() + 2
            while app.state.waiters.held != n:
                assert time.monotonic() < deadline, f"{app.state.waiters.held} polls held, not {n}"
                time.sleep(0.02)

        held_becomes(3)
        for sock in socks[:2]:
            sock.close()
        held_becomes(1)
        socks[2].close()
        held_becomes(0)
    finally:
        for sock in socks:
            sock.close()
        server.should_exit = True
        thread.join(10)
        engine.dispose()
