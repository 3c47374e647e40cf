"""A freshly installed queue host: no content yet (it comes later by sync), or content without
ticket services. `kiosk tickets serve` must not exit: it answers with no services -- READY with a
STATUS line once its port is open, one log line -- and takes the services, in the same process,
once the content has some; SIGTERM stops it; no kiosk token is a configuration error, exit 2 (the
unit's RestartPreventExitStatus). Real processes on real temp data dirs and a stub notify
socket; outcomes are polled for with generous deadlines, never timed."""
from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request

import pytest

from tests.notify_support import notify_socket  # noqa: F401  (a fixture)
from tests.tickets_live import launch_service, wait_until_serving
from tests.tickets_support import install_items, install_services

DEADLINE_S = 60.0
WAITING = "Serving with no ticket services: they are taken from the installed content"


def _services(svc) -> list[str] | None:
    """The services /healthz names, or None while the port does not answer."""
    try:
        with urllib.request.urlopen(svc.url + "/healthz", timeout=5) as resp:
            return json.loads(resp.read())["services"]
    except (urllib.error.URLError, ConnectionError, OSError):
        return None


def _wait_for_services(svc, expected: list[str]) -> bool:
    deadline = time.monotonic() + DEADLINE_S
    while _services(svc) != expected and time.monotonic() < deadline and svc.proc.poll() is None:
        time.sleep(0.2)
    return _services(svc) == expected


def _wait_for_log(svc, text: str) -> bool:
    deadline = time.monotonic() + DEADLINE_S
    while text not in svc.log() and time.monotonic() < deadline and svc.proc.poll() is None:
        time.sleep(0.1)
    return text in svc.log()


@pytest.fixture
def waiting_service(notify_socket, tmp_path):  # noqa: F811
    """`kiosk tickets serve` (no --demo) started with `data_dir` as the test left it."""
    started = []

    def start(prepare=None):
        data = tmp_path / "svc" / "data"
        if prepare is not None:
            prepare(data)
        started.append(launch_service(tmp_path / "svc", demo=False, env={"NOTIFY_SOCKET": str(tmp_path / "notify")}))
        return started[-1]

    yield start
    for svc in started:
        svc.stop()


@pytest.mark.parametrize("first, status", [
    (None, "no content installed yet"),
    (lambda data: install_items(data, []), "has no ticket_service items"),
])
def test_it_answers_with_no_services_then_takes_them_in_the_same_process(waiting_service, notify_socket,  # noqa: F811
                                                                          first, status):
    svc = waiting_service(first)
    got = notify_socket.wait_for("READY=1", timeout=DEADLINE_S)
    port = svc.url.rsplit(":", 1)[1]
    assert len(got) == 2 and got[1] == "READY=1", (got, svc.log())
    assert got[0].startswith("STATUS=waiting for content with ticket services: ") and \
        got[0].endswith(f"{status}; answering on port {port}"), got
    # the port answers (kiosks and the installer's doctor find it), with nothing to queue for
    assert _wait_for_services(svc, []), svc.log()
    assert svc.request("GET", "/api/queue")[1]["services"] == []
    code, refused = svc.request("POST", "/api/tickets", {"service": "A", "idempotency_key": "k-waiting-1"})
    assert code == 422 and refused["error"] == "unknown_service", (code, refused)
    assert svc.log().count(WAITING) == 1, svc.log()
    pid = svc.proc.pid

    if first is None:  # content arrives, still without ticket services: said once, still none
        version = install_items(svc.data_dir, [])
        assert _wait_for_log(svc, f"content {version} in {svc.data_dir} has no ticket_service items"), svc.log()
        assert _services(svc) == []

    install_services(svc.data_dir)  # what the sync installs when the hub's content has them
    assert _wait_for_services(svc, ["A", "B", "C"]), svc.log()
    assert svc.proc.pid == pid and svc.proc.poll() is None  # the same process, never restarted
    assert svc.issue("A")["number"] == "A001"
    assert svc.log().count(WAITING) == 1
    assert svc.stop() in (0, -signal.SIGTERM), svc.log()  # uvicorn ends by its signal once shut down


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_it_has_no_services_stops_it(waiting_service, notify_socket, sig):  # noqa: F811
    svc = waiting_service()
    assert "READY=1" in notify_socket.wait_for("READY=1", timeout=DEADLINE_S), svc.log()
    assert _wait_for_services(svc, []), svc.log()
    svc.proc.send_signal(sig)
    assert svc.proc.wait(30) in (0, -sig), svc.log()
    assert "Traceback" not in svc.log()


@pytest.mark.parametrize("content", [False, True])
def test_no_kiosk_token_is_a_configuration_error_exit_2(notify_socket, tmp_path, content):  # noqa: F811
    if content:
        install_services(tmp_path / "svc" / "data")
    svc = launch_service(tmp_path / "svc", demo=False, token="", env={"NOTIFY_SOCKET": str(tmp_path / "notify")})
    try:
        assert svc.proc.wait(60) == 2, svc.log()  # RestartPreventExitStatus=2: no restart loop
    finally:
        svc.stop()
    assert "kiosk tickets serve: no kiosk token: set [tickets] token" in svc.log() and "Traceback" not in svc.log()
    assert notify_socket.received() == []  # never READY
