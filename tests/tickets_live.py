"""A REAL `kiosk tickets serve` in a subprocess, for tests that need the service as it runs:
browsers, several workers, being killed.

    svc = start_service(tmp_path, workers=2)
    svc.url            # http://127.0.0.1:PORT
    svc.issue("A")     # a ticket through the API with the kiosk token
    svc.stop()         # SIGTERM, then SIGKILL after a grace time; svc.kill9() for a power cut

With `demo=True` (the default) the demo centre's services are used and the demo counter account
is read from the service's output (`svc.user`, `svc.password`). The service's output goes to
`svc.log_path`; a service that does not come up raises with its last lines. The fixtures
`tickets_service` (per test) and `tickets_service_module` (per module) wrap it.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
_DEMO_LOGIN = re.compile(r"sign in as (\S+) / (\S+);")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveService:
    url: str
    proc: subprocess.Popen
    data_dir: Path
    log_path: Path
    token: str
    env: dict = field(default_factory=dict, repr=False)
    user: str | None = None
    password: str | None = None
    _log_file: object = field(default=None, repr=False)
    _group_gone: bool = field(default=False, repr=False)

    # ---- talking to it ----------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict | None = None, *, token: str | None = None,
                timeout: float = 10.0) -> tuple[int, dict]:
        """(status, JSON body) of one request; `token` defaults to the kiosk token."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Authorization", f"Bearer {token or self.token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def issue(self, service: str, **card) -> dict:
        """A ticket for `service` as a kiosk takes one (card: name_masked=..., age=...)."""
        body = {"service": service, "idempotency_key": f"live-{secrets.token_hex(8)}"}
        if card:
            body["id_card"] = card
        status, ticket = self.request("POST", "/api/tickets", body)
        assert status == 201, (status, ticket)
        return ticket

    def add_user(self, name: str, password: str) -> None:
        """A counter account, added with `kiosk tickets user add` as a maintainer would."""
        secret = self.log_path.with_name(f"password-{secrets.token_hex(4)}")
        secret.write_text(password, encoding="utf-8")
        try:
            subprocess.run([sys.executable, "-m", "kiosk.cli", "tickets", "user", "add", name, "--password-file",
                            str(secret), "--data-dir", str(self.data_dir)], check=True, capture_output=True,
                           env=self.env, timeout=60)
        finally:
            secret.unlink()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    # ---- ending it --------------------------------------------------------------------------

    def stop(self) -> int | None:
        """SIGTERM (uvicorn stops its workers); SIGKILL to the group after STOP_TIMEOUT_S and to
        any worker the supervisor left behind. Safe to call again, and after kill9()."""
        if not self._group_gone:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    pass
            self._kill_group()
        self._close_log()
        return self.proc.returncode

    def kill9(self) -> None:
        """Every process of the service dies at once, as in a power cut (nothing is flushed)."""
        self._kill_group()
        self._close_log()

    def _kill_group(self) -> None:
        # the service runs in its own session (start_new_session): its group id is its pid
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(STOP_TIMEOUT_S)
        self._group_gone = True

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _wait_healthy(svc: LiveService, deadline: float) -> None:
    while time.monotonic() < deadline:
        if svc.proc.poll() is not None:
            raise RuntimeError(f"kiosk tickets serve exited with {svc.proc.returncode}:\n{svc.log()[-3000:]}")
        try:
            with urllib.request.urlopen(svc.url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.1)
    svc.kill9()
    raise RuntimeError(f"kiosk tickets serve did not answer /healthz in time:\n{svc.log()[-3000:]}")


def launch_service(tmp_path: Path, workers: int = 1, extra_args=(), env: dict | None = None, *,
                   demo: bool = True, token: str | None = None, port: int | None = None) -> LiveService:
    """Start `kiosk tickets serve` on a free port with its data in `tmp_path/data`, without
    waiting for it to answer (a service that waits for content, or exits at once). `token=""`:
    none at all."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    data_dir = tmp_path / "data"
    token = secrets.token_urlsafe(16) if token is None else token
    child_env = {**os.environ, "KIOSK_TICKETS_TOKEN": token, "PYTHONUNBUFFERED": "1",
                 "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    child_env.pop("KIOSK_CONFIG", None)
    child_env.update(env or {})
    port = port or free_port()
    cmd = [sys.executable, "-m", "kiosk.cli", "tickets", "serve", "--data-dir", str(data_dir),
           "--port", str(port), "--workers", str(workers), *(["--demo"] if demo else []), *extra_args]
    log_path = tmp_path / f"serve-{port}.log"
    log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed by stop/kill9)
    proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=child_env, cwd=tmp_path,
                            start_new_session=True)
    return LiveService(f"http://127.0.0.1:{port}", proc, data_dir, log_path, token, child_env,
                       _log_file=log_file)


def wait_until_serving(svc: LiveService, timeout: float = START_TIMEOUT_S) -> LiveService:
    """`svc` once /healthz answers (the demo account read from its output); raises otherwise."""
    try:
        _wait_healthy(svc, time.monotonic() + timeout)
    except BaseException:
        svc.stop()
        raise
    found = _DEMO_LOGIN.search(svc.log())
    if found:
        svc.user, svc.password = found.groups()
    return svc


def start_service(tmp_path: Path, workers: int = 1, extra_args=(), env: dict | None = None, *,
                  demo: bool = True, token: str | None = None, port: int | None = None) -> LiveService:
    """Start `kiosk tickets serve` on a free port with its data in `tmp_path/data`; wait for it."""
    return wait_until_serving(launch_service(tmp_path, workers, extra_args, env, demo=demo, token=token,
                                             port=port))


@pytest.fixture
def tickets_service(tmp_path):
    svc = start_service(tmp_path)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def tickets_service_module(tmp_path_factory):
    svc = start_service(tmp_path_factory.mktemp("tickets-live"))
    yield svc
    svc.stop()
