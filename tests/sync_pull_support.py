"""What the content-pull tests share: a real hub with the demo centre, an enrolled terminal, a
staff edit through the JSON API, and a small forwarding proxy the hostile tests tamper with."""
from __future__ import annotations

import http.client
import http.server
import json
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.test_hub_serve import _run
from tests.test_sync_live import kiosk


def hub_cli(tmp_path: Path, database_url: str, *args) -> str:
    cmd, env = _run(tmp_path / "hub", *args, database=database_url)
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=120).stdout.strip()


def enrolled_demo_terminal(tmp_path: Path, database_url: str, url: str, name: str = "terminal") -> Path:
    """The demo centre imported (once per hub) and a terminal of it enrolled; its data dir."""
    if not (tmp_path / ".demo-imported").exists():
        hub_cli(tmp_path, database_url, "import-demo")
        (tmp_path / ".demo-imported").touch()
    code = hub_cli(tmp_path, database_url, "enroll-code", "--centre", "demo-centre")
    data = tmp_path / name
    out = kiosk("enroll", "--hub", url, "--code", code, "--name", name, data_dir=data)
    assert out.returncode == 0, out.stderr
    return data


def staff(url: str, token: str, method: str, path: str, body: dict | None = None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def edit_and_publish_a_guide(url: str, admin: str, suffix: str) -> tuple[str, str]:
    """A staff edit of the first demo guide, published: (its id, its new title)."""
    rows = staff(url, admin, "GET", "/api/staff/items?centre=demo-centre&kind=guide")
    rows = rows["items"] if isinstance(rows, dict) else rows
    item_id = sorted(r["id"] for r in rows)[0]
    doc = staff(url, admin, "GET", f"/api/staff/items/{item_id}")["published"]
    doc["title"] = doc["title"] + suffix
    doc.pop("updated_at", None)
    staff(url, admin, "PUT", f"/api/staff/items/{item_id}", doc)
    staff(url, admin, "POST", f"/api/staff/items/{item_id}/publish", {})
    return item_id, doc["title"]


class Proxy:
    """A threaded HTTP proxy to the hub. `tamper(path, status, headers, body) -> (status, headers,
    body)` may change any answer; every request path is counted in `paths`."""

    def __init__(self, upstream: str, tamper: Callable | None = None):
        self.upstream = upstream.removeprefix("http://")
        self.tamper = tamper
        self.paths: list[str] = []
        self.ranges: list[str] = []   # the Range headers asked for
        self.answers: list[tuple[str, int, int]] = []   # (path, status, body bytes) as sent on
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):  # headers and body go out in two writes: no 40 ms delayed-ACK stall per answer
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                self.forward("GET", None)

            def do_POST(self):  # the heartbeat: passed on untouched
                self.forward("POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def forward(self, method, data):
                proxy.paths.append(self.path)
                if self.headers.get("Range"):
                    proxy.ranges.append(self.headers["Range"])
                conn = http.client.HTTPConnection(proxy.upstream, timeout=90)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(method, self.path, body=data, headers=headers)
                resp = conn.getresponse()
                status, out_headers, body = resp.status, dict(resp.getheaders()), resp.read()
                conn.close()
                if proxy.tamper:
                    status, out_headers, body = proxy.tamper(self.path, status, out_headers, body)
                proxy.answers.append((self.path, status, len(body)))
                self.send_response(status)
                for k, v in out_headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client killed mid-answer: expected here
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Proxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
