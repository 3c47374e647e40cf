"""The content pull through a hostile path: a proxy between the terminal and a real
`kiosk-hub serve` flips a byte of a blob, cuts a blob short, signs the manifest with another key,
alters a signed manifest, replays an older signed manifest, or serves a (hub-signed) manifest of
another centre. Each time the version is refused, `current` stays as it was, and the reason is in
sync-state.json for the next heartbeat; once the path is clean again the version installs. Then a
key rotation is followed, and a full disk fails cleanly."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest

from content.store import current_version
from sync import identity, signing, state
from sync.health import Devices, report_once
from sync.http import HubProblem
from sync.pull import DOWNLOAD_DIR, PullFailed, PullRejected, pull_once
from tests.store_crash import assert_complete
from tests.sync_pull_support import Proxy, edit_and_publish_a_guide, enrolled_demo_terminal, hub_cli, staff
from tests.test_hub_serve import hub_server  # noqa: F401  (a fixture)
from tests.test_sync_live import database_url  # noqa: F401  (a fixture)


class Tamper:
    """What the proxy does now: `mode` is None (pass through), "flip", "cut", "other_key",
    "altered", "replay" or "centre"."""

    def __init__(self, hub_key):
        self.mode = None
        self.hub_key = hub_key
        self.old = None   # (body, signature) of the first manifest that passed
        self.broken_deltas = 0

    def __call__(self, path, status, headers, body):
        if path.startswith("/api/v1/manifest") and self.mode == "replay":
            headers = {k: v for k, v in headers.items() if k.lower() not in ("x-signature", "etag")}
            (body, headers["X-Signature"]), status = self.old, 200  # whatever the hub said (a 304)
        elif path.startswith("/api/v1/manifest") and status in (200, 226):
            name = next(k for k in headers if k.lower() == "x-signature")
            signature = headers.pop(name)
            self.old = self.old or (body, signature)
            if status == 226 and self.mode in ("altered", "centre"):
                body = b'{"broken": "delta"}'  # the terminal then asks for the whole manifest, tampered below
                self.broken_deltas += 1
            if self.mode == "other_key":
                signature = signing.sign(signing.generate_private_key(), body)
            elif self.mode == "altered":  # the same JSON, other bytes: the signature no longer covers them
                body = body.replace(b'"format":1', b'"format": 1')
            elif self.mode == "centre":  # signed with the hub's own key, for another centre
                body = body.replace(b'"centre":"demo-centre"', b'"centre":"other-centre"')
                signature = signing.sign(self.hub_key, body)
            headers["X-Signature"] = signature
        elif path.startswith("/api/v1/blobs/") and status in (200, 206) and len(body) > 8:
            if self.mode == "flip":
                body = body[:5] + bytes([body[5] ^ 1]) + body[6:]
            elif self.mode == "cut":
                body = body[: len(body) // 2]
        return status, headers, body


@pytest.fixture
def terminal(hub_server, database_url, tmp_path):
    url, admin = hub_server
    data = enrolled_demo_terminal(tmp_path, database_url, url)
    key_file = next((tmp_path / "hub" / "keys").glob("hub-*.pem"))
    return url, admin, data, signing.load_private_key_pem(key_file.read_bytes())


def test_every_tampering_is_refused_and_current_stays(terminal, tmp_path, database_url):
    url, admin, data, hub_key = terminal
    me = identity.load(data)
    tamper = Tamper(hub_key)
    with Proxy(url, tamper) as proxy:
        identity.save(data, me.model_copy(update={"hub_url": proxy.url}))
        first = pull_once(data).version
        assert current_version(data) == first
        edit_and_publish_a_guide(url, admin, "（篡改测试）")

        expected = {
            "flip": (PullRejected, "do not match the manifest's sha256"),
            "other_key": (PullRejected, "bad signature"),
            "altered": (PullRejected, "bad signature"),
            "centre": (PullRejected, "for centre 'other-centre'"),
            "cut": (HubProblem, "cut short"),  # last: its part file stays for the resume
        }
        for mode, (error, reason) in expected.items():
            tamper.mode = mode
            with pytest.raises(error, match=reason):
                pull_once(data, wait=10)
            assert current_version(data) == first, mode
            assert assert_complete(data) == first
            last = state.read(data)["last_error"]
            assert last.startswith("content sync: ") and reason in last, (mode, last)
            parts = [p.name for p in (data / DOWNLOAD_DIR).iterdir() if p.name.endswith(".part")]
            assert (mode == "cut") == bool(parts), (mode, parts)  # only a cut transfer is kept to resume

        assert tamper.broken_deltas == 2  # the pulls asked for deltas (A-IM) and fell back to whole manifests

        # the path is clean again: the cut blob resumes with a Range, the version installs
        tamper.mode = None
        seen = len(proxy.paths)
        outcome = pull_once(data, wait=10)
        second = outcome.version
        assert outcome.status == "installed" and second != first and current_version(data) == second
        assert assert_complete(data) == second and state.read(data)["last_error"] is None
        assert len(proxy.paths) - seen == 1 + len(outcome.fetched)
        assert len(proxy.ranges) == 1 and proxy.ranges[0].startswith("bytes=") and proxy.ranges[0] != "bytes=0-"

        # an older signed manifest replayed: refused, the newer version stays
        tamper.mode = "replay"
        with pytest.raises(PullRejected, match="older than the one accepted"):
            pull_once(data)
        assert current_version(data) == second
        assert "a replay" in state.read(data)["last_error"]
        # ... and the next heartbeat carries the reason to the staff's fleet view
        report_once(data, Devices(printer=False, reader=False), screenshot_wait_s=0)
        row = staff(url, admin, "GET", f"/api/staff/terminals/{me.terminal_id}")
        assert "a replay" in row["last_error"] and row["version_shown"] == second

        # the hub rotates its key: the terminal follows the chain and pins the new key
        tamper.mode = None
        new_key = hub_cli(tmp_path, database_url, "rotate-key")
        edit_and_publish_a_guide(url, admin, "（换钥匙后）")
        third = pull_once(data, wait=10).version
        assert third not in (first, second) and current_version(data) == third
        assert identity.load(data).hub_public_key == new_key != me.hub_public_key

    # the sha256 the flipped blob was refused under is not in the store: no bad byte was kept
    for blob in (data / "blobs").iterdir():
        if not blob.name.startswith("."):
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name

    # a bad sector in the store: a blob with the right size and other bytes is fetched again
    identity.save(data, identity.load(data).model_copy(update={"hub_url": url}))
    bad = sorted(p for p in (data / "blobs").iterdir() if not p.name.startswith("."))[0]
    raw = bytearray(bad.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    os.chmod(bad, 0o644)
    bad.write_bytes(bytes(raw))
    # ... and an item document kept in the download folder, the same
    held = json.loads((data / DOWNLOAD_DIR / "manifest.json").read_bytes())
    doc = data / DOWNLOAD_DIR / next(e["sha256"] for e in held["items"] if e["id"] == "demo-centre")  # not edited
    doc.write_bytes(doc.read_bytes().replace(b"{", b" ", 1))
    edit_and_publish_a_guide(url, admin, "（坏扇区）")
    outcome = pull_once(data, wait=10)
    assert outcome.status == "installed" and bad.name in outcome.fetched and doc.name in outcome.fetched
    assert hashlib.sha256(doc.read_bytes()).hexdigest() == doc.name
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == bad.name and assert_complete(data) == outcome.version

    check_a_full_disk(tmp_path, database_url, url)


def check_a_full_disk(tmp_path, database_url, url):
    """A new terminal whose download folder is a 64 KiB tmpfs (needs root; skipped otherwise):
    ENOSPC is a clean failure -- no part file, nothing installed, the reason recorded -- and the
    pull succeeds once there is room."""
    data = enrolled_demo_terminal(tmp_path, database_url, url, name="small-disk")
    down = data / DOWNLOAD_DIR
    down.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(down)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with pytest.raises(PullFailed, match="disk of .* is full"):
            pull_once(data)
        assert current_version(data) is None
        assert not [p.name for p in down.iterdir() if p.name.endswith(".part")]
        assert "is full" in state.read(data)["last_error"]
    finally:
        subprocess.run(["umount", str(down)], check=True)
    assert pull_once(data).status == "installed" and assert_complete(data) == current_version(data)
