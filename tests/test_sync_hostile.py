"""A hostile or broken "hub" (a tiny local HTTP server) against the real `kiosk enroll` and
`kiosk sync heartbeat`: garbage, 5xx, a huge body, wrong types, a bad or missing signature,
another key than the pinned one, a slow answer -- each a clean failure with a reason, and
identity.json untouched."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync import identity, signing, state
from sync.enroll import EnrolError, enroll
from sync.http import HubHttp
from tests.test_sync_live import kiosk

KEY_A = signing.generate_private_key()
KEY_B = signing.generate_private_key()


def enrol_answer(key=KEY_A, named=None, **change) -> tuple[bytes, str]:
    body = {"terminal_id": "t-1", "token": "kterm_x", "hub_public_key": signing.public_key_b64(named or key),
            **change}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, signing.sign(key, raw)


class FakeHub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.path, self.headers.get("Authorization"), self.headers.get("User-Agent")))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(3)
        if mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")  # no length to refuse up front
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(400):  # 26 MB
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        status, body, headers = {
            "garbage": (200, b"<html>portal login</html>", {}),
            "json_list": (200, b"[1, 2]", {}),
            "5xx": (503, b'{"error": "unavailable", "message": "database down"}', {}),
            "redirect": (302, b"", {"Location": "https://elsewhere.example/"}),
            "bad_code": (401, b'{"error": "bad_code", "message": "this enrolment code is wrong, used or expired"}', {}),
            "locked": (429, b'{"error": "locked", "message": "too many wrong codes"}', {"Retry-After": "600"}),
        }.get(mode, (None, None, None))
        if status is None:
            body, signature = self.server.answer
            status, headers = 200, {"X-Signature": signature} if signature else {}
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the terminal gave up waiting (the slow case)
            pass


@pytest.fixture
def fake_hub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    server.mode, server.answer, server.seen = "ok", enrol_answer(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pinned(data_dir) -> bytes:
    """A terminal enrolled to KEY_A: its identity file's bytes."""
    identity.save(data_dir, identity.Identity(terminal_id="t-0", token="kterm_old", hub_url="http://127.0.0.1:9",
                                              hub_public_key=signing.public_key_b64(KEY_A), name="lobby"))
    return (data_dir / "identity.json").read_bytes()


REFUSALS = [
    ("garbage", None, "not JSON"),
    ("json_list", None, "not an object"),
    ("5xx", None, "HTTP 503: database down"),
    ("redirect", None, "redirects (HTTP 302 to https://elsewhere.example/)"),
    ("locked", None, "try again in 11 minutes"),
    ("huge", None, "larger than the 1048576 bytes"),
    ("ok", enrol_answer(terminal_id=5), "malformed (terminal_id: Input should be a valid string)"),
    ("ok", enrol_answer(extra=1), "malformed (extra: Extra inputs are not permitted)"),
    ("ok", enrol_answer(hub_public_key="not a key"), "not signed by the key it names (the public key is not base64)"),
    ("ok", enrol_answer(key=KEY_B, named=KEY_A), "not signed by the key it names (the signature does not match"),
    ("ok", (enrol_answer()[0], None), "the signature is 0 bytes"),
    ("ok", enrol_answer(token="k" * 600), "malformed (token: String should have at most 512 characters)"),
    ("ok", enrol_answer(KEY_B), "signs with another key than the one this terminal pinned"),
]


@pytest.mark.parametrize("mode, answer, words", REFUSALS, ids=[f"{m}-{w[:24]}" for m, _, w in REFUSALS])
def test_a_hostile_enrolment_answer_changes_nothing(fake_hub, tmp_path, mode, answer, words):
    server, url = fake_hub
    server.mode = mode
    if answer is not None:
        server.answer = answer
    data = tmp_path / "terminal"
    before = pinned(data)
    out = kiosk("enroll", "--hub", url, "--code", "ABCD-EFGH", data_dir=data)
    assert out.returncode == 1, out
    assert words in out.stderr and out.stderr.startswith("kiosk: ") and "Traceback" not in out.stderr, out.stderr
    assert (data / "identity.json").read_bytes() == before


def test_force_replaces_an_identity_pinned_to_another_key(fake_hub, tmp_path):
    server, url = fake_hub
    server.answer = enrol_answer(KEY_B)
    data = tmp_path / "terminal"
    pinned(data)
    out = kiosk("enroll", "--hub", url, "--code", "ABCD-EFGH", "--force", data_dir=data)
    assert out.returncode == 0, out.stderr
    assert identity.load(data).hub_public_key == signing.public_key_b64(KEY_B)
    assert server.seen[-1][0] == "/api/v1/enroll" and server.seen[-1][1] is None
    assert server.seen[-1][2].startswith("lobby-kiosk/")


def test_a_damaged_identity_needs_force_and_names_the_fix(fake_hub, tmp_path):
    server, url = fake_hub
    data = tmp_path / "terminal"
    data.mkdir()
    (data / "identity.json").write_text('{"terminal_id": "t-0", "tok')  # torn by hand
    out = kiosk("sync", "heartbeat", data_dir=data)
    assert out.returncode == 1 and "identity.json is damaged (not JSON" in out.stderr
    assert "kiosk enroll --hub URL --code CODE" in out.stderr and "--force" in out.stderr
    out = kiosk("enroll", "--hub", url, "--code", "ABCD-EFGH", data_dir=data)
    assert out.returncode == 1 and "damaged" in out.stderr
    out = kiosk("enroll", "--hub", url, "--code", "ABCD-EFGH", "--force", data_dir=data)
    assert out.returncode == 0 and identity.load(data).terminal_id == "t-1"


def test_a_slow_hub_times_out(fake_hub, tmp_path):
    server, url = fake_hub
    server.mode = "slow"
    data = tmp_path / "terminal"
    with pytest.raises(EnrolError, match="did not answer within 0.5 s"):
        enroll(data, url, "ABCD-EFGH", "lobby", http=HubHttp(url, timeout=(2, 0.5)))
    assert not (data / "identity.json").exists()


@pytest.mark.parametrize("mode, words", [("garbage", "not JSON"), ("5xx", "HTTP 503"), ("huge", "larger than"),
                                         ("ok", "heartbeat answer is malformed")])
def test_a_hostile_heartbeat_answer_fails_cleanly_and_is_reported_next_time(fake_hub, tmp_path, mode, words):
    server, url = fake_hub
    server.mode = mode
    data = tmp_path / "terminal"
    identity.save(data, identity.Identity(terminal_id="t-0", token="kterm_abc", hub_url=url,
                                          hub_public_key=signing.public_key_b64(KEY_A)))
    before = (data / "identity.json").read_bytes()
    out = kiosk("sync", "heartbeat", data_dir=data)
    assert out.returncode == 1 and words in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert "retries with backoff" in out.stderr
    assert server.seen[-1][:2] == ("/api/v1/heartbeat", "Bearer kterm_abc")
    assert words in state.read(data)["report_error"]
    assert (data / "identity.json").read_bytes() == before


def test_no_hub_at_all(tmp_path):
    data = tmp_path / "terminal"
    out = kiosk("enroll", "--hub", "http://127.0.0.1:9", "--code", "ABCD-EFGH", data_dir=data)
    assert out.returncode == 1 and "cannot reach the hub at http://127.0.0.1:9: connection refused" in out.stderr
    out = kiosk("enroll", "--hub", "ftp://hub", "--code", "ABCD-EFGH", data_dir=data)
    assert out.returncode == 1 and "is not a hub URL" in out.stderr
    out = kiosk("enroll", "--code", "ABCD-EFGH", data_dir=data)
    assert out.returncode == 1 and "no hub URL: give --hub" in out.stderr
    assert not (data / "identity.json").exists()
