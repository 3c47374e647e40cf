"""A freshly installed queue host: no content yet (it comes later by sync), or content without
ticket services. `kiosk tickets serve` must wait for it -- READY with a STATUS line, one log line,
pings -- and start serving in the same process once the content has ticket services; SIGTERM
while waiting exits 0; no kiosk token is a configuration error, exit 2 (the unit's
RestartPreventExitStatus). Real processes on real temp data dirs and a stub notify socket;
outcomes are polled for with generous deadlines, never timed."""
from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request

import pytest

from tests.notify_support import notify_socket  # noqa: F401  (a fixture)
from tests.tickets_live import launch_service, wait_until_serving
from tests.tickets_support import install_items, install_services

DEADLINE_S = 60.0
WAITING = "Waiting: the queue starts by itself"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5):
            return True
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


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
def test_it_waits_for_ticket_services_then_serves_in_the_same_process(waiting_service, notify_socket,  # noqa: F811
                                                                      first, status):
    svc = waiting_service(first)
    got = notify_socket.wait_for("READY=1", timeout=DEADLINE_S)
    assert got[1:2] == ["READY=1"] and got[0].startswith("STATUS=waiting for content with ticket services: ") \
        and status in got[0], (got, svc.log())
    got = notify_socket.wait_until(lambda m: m.count("WATCHDOG=1") >= 3, timeout=DEADLINE_S)
    assert got.count("WATCHDOG=1") >= 3 and svc.proc.poll() is None, svc.log()
    assert svc.log().count(WAITING) == 1 and not _answers(svc.url), svc.log()

    if first is None:  # content arrives, still without ticket services: said once, still waiting
        version = install_items(svc.data_dir, [])
        assert _wait_for_log(svc, f"content {version} in {svc.data_dir} has no ticket_service items"), svc.log()
        assert svc.proc.poll() is None and not _answers(svc.url)

    install_services(svc.data_dir)  # what the sync installs when the hub's content has them
    wait_until_serving(svc, DEADLINE_S)
    assert svc.request("GET", "/healthz")[1]["services"] == ["A", "B", "C"]
    assert svc.issue("A")["number"] == "A001"
    port = svc.url.rsplit(":", 1)[1]
    got = notify_socket.wait_until(lambda m: m.count("READY=1") == 2, timeout=DEADLINE_S)
    assert got[-2:] == [f"STATUS=serving the queue for A, B, C on port {port}", "READY=1"], got
    assert svc.log().count(WAITING) == 1
    assert svc.stop() in (0, -signal.SIGTERM), svc.log()  # uvicorn ends by its signal once shut down


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_waiting_exits_0(waiting_service, notify_socket, sig):  # noqa: F811
    svc = waiting_service()
    assert "READY=1" in notify_socket.wait_for("READY=1", timeout=DEADLINE_S), svc.log()
    assert _wait_for_log(svc, WAITING), svc.log()
    svc.proc.send_signal(sig)
    assert svc.proc.wait(30) == 0, svc.log()
    assert "stopped while waiting for content" in svc.log()


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
