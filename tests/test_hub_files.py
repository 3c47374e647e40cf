"""`POST /api/staff/files` and `GET /api/staff/files/{sha256}` through the real app (httpx) on
SQLite and PostgreSQL, and the upload limit against a real `kiosk-hub serve` process: a 200 MB
chunked upload is stopped near the limit with a 413, the server's memory stays flat and no temp
file is left behind."""
from __future__ import annotations

import functools
import io
import resource
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from hub import accounts, db, migrate, org, uploads
from hub.api import create_app
from hub.settings import HubSettings
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.tickets_live import free_port
from tests.upload_support import (
    PAGE_COLOURS, assert_no_metadata, bomb_png, encrypted_pdf, pdf_pages, photo, png_with_metadata, save,
)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
# the tree: d1 > s1 > centre-a, centre-b; who is who
USERS = {"admin": ("admin", None), "ed-a": ("editor", "centre-a"), "ed-b": ("editor", "centre-b"),
         "view-a": ("viewer", "centre-a"), "ed-s1": ("editor", "s1")}


@dataclass
class Hub:
    client: TestClient
    engine: object
    settings: HubSettings
    tokens: dict[str, str]

    def auth(self, user: str) -> dict:
        """The header of `user` (one of USERS), made on first use (argon2 takes a while)."""
        if user not in self.tokens:
            accounts.create_user(self.engine, "cli", user, PASSWORD, *USERS[user])
            self.tokens[user] = accounts.create_token(self.engine, "cli", user)
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def upload(self, user: str | None, data: bytes, name: str = "upload.bin", mime: str = "application/octet-stream"):
        return self.client.post("/api/staff/files", files={"file": (name, data, mime)},
                                headers=self.auth(user) if user else {})

    def uploads(self) -> list[dict]:
        """The audit log's file.upload entries, oldest first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(db.audit_log).where(db.audit_log.c.action == "file.upload")
                                                  .order_by(db.audit_log.c.id)).mappings()]


@pytest.fixture
def staff_hub(tmp_path, database_url):
    """A migrated hub with the tree and USERS, served in-process."""
    settings = HubSettings(data_dir=tmp_path / "hub", database=database_url)
    settings.blobs_dir.mkdir(parents=True)
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    org.add_node(engine, "cli", "d1", "district", "区")
    org.add_node(engine, "cli", "s1", "street", "街道", "d1")
    org.add_node(engine, "cli", "centre-a", "community", "甲社区", "s1")
    org.add_node(engine, "cli", "centre-b", "community", "乙社区", "s1")
    try:
        with TestClient(create_app(settings)) as client:
            yield Hub(client, engine, settings, {})
    finally:
        engine.dispose()


def blob_row(hub: Hub, sha: str) -> dict | None:
    with hub.engine.connect() as conn:
        row = conn.execute(select(db.blobs).where(db.blobs.c.sha256 == sha)).mappings().first()
    return dict(row) if row else None


def temp_files(hub: Hub) -> list[Path]:
    return list(hub.settings.blobs_dir.glob(".tmp-*"))


def test_an_image_is_stored_clean_recorded_and_audited(staff_hub):
    sent = png_with_metadata(photo((640, 480)))
    resp = staff_hub.upload("ed-a", sent, "holiday.png", "image/png")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["mime"] == "image/jpeg" and (body["width"], body["height"]) == (640, 480)
    assert set(body) == {"sha256", "mime", "size", "width", "height"}

    got = staff_hub.client.get(f"/api/staff/files/{body['sha256']}", headers=staff_hub.auth("view-a"))
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert len(got.content) == body["size"] and "immutable" in got.headers["cache-control"]
    assert_no_metadata(Image.open(io.BytesIO(got.content)), got.content)
    assert (staff_hub.settings.blobs_dir / body["sha256"][:2] / body["sha256"]).read_bytes() == got.content
    assert got.headers["x-content-type-options"] == "nosniff" and "sandbox" in got.headers["content-security-policy"]
    part = staff_hub.client.get(f"/api/staff/files/{body['sha256']}", headers={**staff_hub.auth("view-a"),
                                                                              "Range": "bytes=2-11"})
    assert part.status_code == 206 and part.content == got.content[2:12]

    row = blob_row(staff_hub, body["sha256"])
    assert (row["size"], row["mime"], row["created_by"], row["pages"]) == (body["size"], "image/jpeg", "ed-a", None)
    (entry,) = staff_hub.uploads()
    assert (entry["actor"], entry["action"], entry["target"]) == ("ed-a", "file.upload", f"blob:{body['sha256']}")
    assert entry["after"] == {"sha256": body["sha256"], "mime": "image/jpeg", "size": body["size"],
                              "width": 640, "height": 480}
    assert not temp_files(staff_hub)


@functools.cache
def big_jpeg() -> bytes:
    return save(photo((6000, 4000)), "JPEG", quality=90)


def test_a_6000_by_4000_jpeg_is_stored_2048_wide(staff_hub):
    resp = staff_hub.upload("admin", big_jpeg(), "big.jpg")
    assert resp.status_code == 200, resp.text
    assert (resp.json()["width"], resp.json()["height"]) == (2048, 1365)


def test_a_decompression_bomb_is_refused_from_its_header(staff_hub):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    resp = staff_hub.upload("ed-a", bomb_png(30_000, 30_000), "bomb.png", "image/png")
    assert resp.status_code == 422 and resp.json()["error"] == "image_too_large"
    assert "40 megapixels" in resp.json()["message"]
    # never decoded: 900 megapixels would take gigabytes; the process's peak memory did not move
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 200 * 1024
    assert not temp_files(staff_hub) and not any(staff_hub.settings.blobs_dir.iterdir())


def test_a_pdf_is_stored_with_its_pages_in_order(staff_hub):
    sent = pdf_pages(3)
    resp = staff_hub.upload("ed-a", sent, "budget.pdf", "application/pdf")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["mime"] == "application/pdf" and body["size"] == len(sent) and len(body["pages"]) == 3
    assert len(set(body["pages"])) == 3
    for sha, colour in zip(body["pages"], PAGE_COLOURS):
        got = staff_hub.client.get(f"/api/staff/files/{sha}", headers=staff_hub.auth("ed-b"))
        page = Image.open(io.BytesIO(got.content)).convert("RGB")
        assert got.headers["content-type"] == blob_row(staff_hub, sha)["mime"] and page.width == uploads.PAGE_WIDTH
        assert all(abs(a - b) < 12 for a, b in zip(page.getpixel((800, 1500)), colour))
    assert blob_row(staff_hub, body["sha256"])["pages"] == body["pages"]
    got = staff_hub.client.get(f"/api/staff/files/{body['sha256']}", headers=staff_hub.auth("ed-a"))
    assert got.content == sent and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == f'attachment; filename="{body["sha256"]}.pdf"'
    (entry,) = staff_hub.uploads()
    assert entry["action"] == "file.upload" and entry["after"] == {
        "sha256": body["sha256"], "mime": "application/pdf", "size": len(sent), "pages": 3}

    again = staff_hub.upload("ed-b", sent, "same.pdf")  # the same bytes: the pages of the first upload
    assert again.status_code == 200 and again.json() == body
    assert [e["actor"] for e in staff_hub.uploads()] == ["ed-a", "ed-b"]


@pytest.mark.parametrize("data, code", [
    (pdf_pages(60, (20, 20)), "pdf_too_many_pages"), (encrypted_pdf(), "pdf_encrypted"),
    (pdf_pages(3)[:-300], "pdf_unreadable"),
])
def test_a_pdf_we_cannot_show_is_422_and_nothing_is_kept(staff_hub, data, code):
    resp = staff_hub.upload("ed-a", data, "x.pdf", "application/pdf")
    assert resp.status_code == 422 and resp.json()["error"] == code and resp.json()["field"] == "file"
    if code == "pdf_too_many_pages":
        assert "limit is 50" in resp.json()["message"]
    assert not any(staff_hub.settings.blobs_dir.iterdir())
    assert not staff_hub.uploads()


@pytest.mark.parametrize("data, name, mime", [
    (b"just some text, not a picture\n" * 20, "x.png", "image/png"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(4000), "setup.png", "image/png"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "logo.svg", "image/svg+xml"),
    (b"<!DOCTYPE html><html><body>hi</body></html>", "page.jpg", "image/jpeg"),
    (b"PK\x03\x04" + os.urandom(2000), "files.pdf", "application/pdf"),
])
def test_anything_else_is_415_naming_the_allowed_types(staff_hub, data, name, mime):
    resp = staff_hub.upload("ed-a", data, name, mime)
    assert resp.status_code == 415, resp.text
    assert resp.json()["error"] == "unsupported_type" and "PNG, JPEG, WebP" in resp.json()["message"]
    assert "PDF" in resp.json()["message"] and not any(staff_hub.settings.blobs_dir.iterdir())


def test_who_may_upload_and_read(staff_hub):
    png = save(Image.new("RGB", (10, 10), "red"), "PNG")
    assert staff_hub.upload(None, png).status_code == 401
    assert staff_hub.client.post("/api/staff/files", files={"file": ("a.png", png)},
                                 headers={"Authorization": "Bearer khub_wrong"}).status_code == 401
    refused = staff_hub.upload("view-a", png)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    sha = staff_hub.upload("ed-s1", png).json()["sha256"]
    assert staff_hub.client.get(f"/api/staff/files/{sha}").status_code == 401
    for user in USERS:
        assert staff_hub.client.get(f"/api/staff/files/{sha}", headers=staff_hub.auth(user)).status_code == 200
    for name in ("0" * 64, "ABC", sha.upper(), sha[:-1], "..%2F..%2Fhub.sqlite", "%2e%2e"):
        resp = staff_hub.client.get(f"/api/staff/files/{name}", headers=staff_hub.auth("admin"))
        assert resp.status_code == 404 and resp.json()["error"] == "not_found", name


def test_malformed_forms_are_refused_with_a_reason(staff_hub):
    auth = staff_hub.auth("ed-a")
    png = save(Image.new("RGB", (10, 10), "red"), "PNG")
    cases = [
        ({"files": {"photo": ("a.png", png)}, "data": {"title": "no file field"}}, 422, "no file"),
        ({"files": [("file", ("a.png", png)), ("file", ("b.png", png))]}, 422, "one file"),
        ({"files": {"file": ("empty.png", b"")}}, 422, "empty"),
        ({"content": png, "headers": {"Content-Type": "image/png"}}, 415, "multipart/form-data"),
        ({"content": b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\x89PNG\r\n\x1a\n",
          "headers": {"Content-Type": "multipart/form-data; boundary=x"}}, 422, "cut short"),
    ]
    for kwargs, status, words in cases:
        kwargs.setdefault("headers", {}).update(auth)
        resp = staff_hub.client.post("/api/staff/files", **kwargs)
        assert resp.status_code == status and words in resp.json()["message"], (kwargs, resp.text)
    assert not temp_files(staff_hub)


def test_an_image_over_its_limit_is_413_and_leaves_nothing(staff_hub):
    boundary = b"lim1t"
    head = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
            + b"\x89PNG\r\n\x1a\n")

    def body():
        yield head
        for _ in range(uploads.MAX_IMAGE_BYTES // (1 << 20) + 2):
            yield b"\0" * (1 << 20)

    resp = staff_hub.client.post("/api/staff/files", content=body(), headers={
        **staff_hub.auth("ed-a"), "Content-Type": f"multipart/form-data; boundary={boundary.decode()}"})
    assert resp.status_code == 413 and resp.json() == {
        "error": "too_large", "message": "larger than the limit of 20 MB", "field": "file"}
    assert not any(staff_hub.settings.blobs_dir.iterdir())


# ---- against a real server ------------------------------------------------------------------------

def _hub_cmd(data: Path, *args) -> tuple[list[str], dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return [sys.executable, "-m", "hub.cli", args[0], "--data-dir", str(data), *map(str, args[1:])], env


def _status_kb(pid: int, key: str) -> int:
    return int(Path(f"/proc/{pid}/status").read_text().split(f"{key}:")[1].split()[0])


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory):
    """`kiosk-hub serve` (one worker, SQLite: the limit does not depend on the database)."""
    tmp_path = tmp_path_factory.mktemp("live")
    data = tmp_path / "hub"
    (tmp_path / "pw").write_text(PASSWORD)
    cmd, env = _hub_cmd(data, "init", "--admin-user", "admin", "--admin-password-file", tmp_path / "pw")
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
    cmd, env = _hub_cmd(data, "token", "--user", "admin")
    token = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=120).stdout.strip()
    port = free_port()
    cmd, env = _hub_cmd(data, "serve", "--port", port, "--workers", 1)
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, token, proc.pid, data / "blobs"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def test_a_200_mb_chunked_upload_is_stopped_near_the_limit(live_hub):
    url, token, pid, blobs_dir = live_hub
    boundary = "b0undary"
    sent = 0

    def body():  # a "PDF" (the larger limit, 50 MB) of 200 MB, sent chunked
        nonlocal sent
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n"
               "%PDF-1.7\n").encode()
        chunk = b"\0" * (1 << 20)
        for _ in range(200):
            sent += len(chunk)
            yield chunk

    httpx.get(url + "/healthz")
    rss_before, peak, done = _status_kb(pid, "VmRSS"), [0], threading.Event()

    def sample():  # the server's resident memory every 5 ms while the upload runs
        while not done.wait(0.005):
            peak[0] = max(peak[0], _status_kb(pid, "VmRSS"))

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        with httpx.Client(timeout=30) as client:
            resp = client.post(url + "/api/staff/files", content=body(), headers={
                "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    finally:
        done.set()
        sampler.join()
    took = time.perf_counter() - started
    grew = (peak[0] - rss_before) // 1024
    print(f"\n200 MB chunked upload: {resp.status_code} after {sent >> 20} MB sent, {took:.2f} s; "
          f"server peak memory {grew:+d} MB over its resting size")
    assert resp.status_code == 413 and resp.json()["error"] == "too_large" and "50 MB" in resp.json()["message"]
    assert sent < uploads.MAX_PDF_BYTES + 32 * (1 << 20) and took < 15
    assert grew < 30
    assert not list(blobs_dir.glob(".tmp-*")) and not list(blobs_dir.glob("*/*"))


def test_a_declared_length_over_the_limit_is_refused_before_the_body(live_hub):
    url, token, _, _ = live_hub
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(("POST /api/staff/files HTTP/1.1\r\nHost: hub\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                      f"Content-Length: {200 << 20}\r\n\r\n").encode())
        answer = b""
        while chunk := conn.recv(4096):  # no body sent: the answer comes anyway, then the server closes
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and b'"too_large"' in answer
