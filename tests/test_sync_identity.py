"""identity.json (mode 0600 from the first byte, whole or not at all, clear errors), the sync
state file, and the backoff."""
from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync import backoff, identity, signing, state
from sync.files import write_atomic

ROOT = Path(__file__).resolve().parents[1]
KEY = signing.public_key_b64(signing.generate_private_key())


def make(n: int) -> identity.Identity:
    return identity.Identity(terminal_id=f"t-{n}", token=f"kterm_{n}" * 20, hub_url="https://hub.example",
                             hub_public_key=KEY, name=f"大厅 {n}")


def test_written_0600_and_read_back(tmp_path):
    old = os.umask(0o000)  # even with a careless umask
    try:
        identity.save(tmp_path / "d", make(1))
    finally:
        os.umask(old)
    assert identity.mode_of(tmp_path / "d") == 0o600
    me = identity.load(tmp_path / "d")
    assert me.terminal_id == "t-1" and me.name == "大厅 1" and me.enrolled_at
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["identity.json"]  # no temp file left


def test_never_world_readable_while_written(tmp_path, monkeypatch):
    """The temp file is 0600 before the first byte goes in: watch every file the write opens."""
    seen = []
    real_fdopen = os.fdopen

    def spy(fd, *args, **kwargs):
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", spy)
    old = os.umask(0o000)
    try:
        write_atomic(tmp_path / "identity.json", b"{}")
    finally:
        os.umask(old)
    assert seen == [0o600]


@pytest.mark.parametrize("content, words", [
    (None, "does not exist: this terminal is not enrolled: enrol it with kiosk enroll --hub URL --code CODE"),
    (b"", "is damaged (not JSON"),
    (b'{"terminal_id": "t', "is damaged (not JSON"),
    (b"[]", "is damaged (not a JSON object)"),
    (b"\xff\xfe", "is damaged (not JSON"),
    (b'{"terminal_id": "t", "token": "k", "hub_url": "u"}', "is damaged (hub_public_key: Field required)"),
    (b'{"terminal_id": "t", "token": "k", "hub_url": "u", "hub_public_key": "AAAA"}',
     "is damaged (the public key is 3 bytes, not 32)"),
    (b"{" + b" " * 20000 + b"}", "is damaged (larger than 16 KB)"),
    (('{"terminal_id": "t", "token": "k", "hub_url": "ftp://hub", "hub_public_key": "%s"}' % KEY).encode(),
     "is damaged ('ftp://hub' is not a hub URL"),
])
def test_unusable_identity_names_the_file_and_the_fix(tmp_path, content, words):
    if content is not None:
        (tmp_path / "identity.json").write_bytes(content)
    with pytest.raises(identity.IdentityError) as err:
        identity.load(tmp_path)
    assert str(tmp_path / "identity.json") in str(err.value) and words in str(err.value)
    assert "kiosk enroll --hub URL --code CODE" in str(err.value)


WRITER = """
import sys
from pathlib import Path
from tests.test_sync_identity import make
from sync import identity
n = 0
print("ready", flush=True)
while True:
    n += 1
    identity.save(Path(sys.argv[1]), make(n % 2))
"""


def test_kill_9_while_writing_leaves_the_old_or_the_new_file(tmp_path):
    data = tmp_path / "d"
    identity.save(data, make(0))
    rng = random.Random(15)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)], stdout=subprocess.PIPE, env=env, cwd=ROOT)
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        assert identity.load(data).terminal_id in ("t-0", "t-1")
        assert identity.mode_of(data) == 0o600
    leftovers = [p.name for p in data.iterdir() if p.name != "identity.json"]
    assert all(name.startswith(".identity.json.") for name in leftovers)  # a killed write's temp file at most
    identity.save(data, make(5))  # the next write removes them: no stray copies of the token
    assert [p.name for p in data.iterdir()] == ["identity.json"]


def test_state_updates_and_a_damaged_state_file(tmp_path):
    state.record_error(tmp_path, "last_error", "version v2 rejected: bad signature")
    state.update(tmp_path, lambda s: s.setdefault("stats_sent", {}).update(b="x"))
    found = state.read(tmp_path)
    assert found["last_error"] == "version v2 rejected: bad signature" and found["stats_sent"] == {"b": "x"}
    state.record_error(tmp_path, "last_error", None)
    assert state.read(tmp_path)["last_error"] is None
    (tmp_path / state.STATE_FILE).write_text("{torn")
    assert state.read(tmp_path) == {} and (tmp_path / (state.STATE_FILE + ".damaged")).exists()


def test_backoff_grows_with_jitter_up_to_the_cap():
    assert backoff.delay(0) == 0
    assert [backoff.delay(n, base=2, cap=60, rand=lambda: 1.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert [backoff.delay(n, base=2, cap=60, rand=lambda: 0.0) for n in range(1, 8)] == [2] * 7
    assert backoff.delay(3, base=2, cap=60, rand=lambda: 0.5) == 5.0
    assert backoff.delay(1000, base=2, cap=300, rand=lambda: 1.0) == 300  # no overflow
    assert backoff.delay(1, rand=lambda: 0.0, retry_after=600) == 600  # the hub's Retry-After wins
    assert backoff.delay(1, rand=lambda: 0.0, retry_after=10 ** 9) == 86400


def test_backoff_state_with_an_injected_clock():
    now = [100.0]
    draws = iter([1.0, 1.0, 0.0])
    b = backoff.Backoff(base=2, cap=10, clock=lambda: now[0], rand=lambda: next(draws))
    assert b.wait_s() == 0
    assert b.failed() == 2 and b.wait_s() == 2
    now[0] += 1
    assert b.wait_s() == 1
    assert b.failed() == 4 and b.failures == 2
    assert b.failed() == 2  # a low draw: jitter
    b.succeeded()
    assert b.failures == 0 and b.wait_s() == 0
