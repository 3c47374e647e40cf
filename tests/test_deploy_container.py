"""systemd/install-pi.sh for real, on a throw-away machine booted with systemd (tests/container.py):
real apt/dpkg look-ups, useradd and usermod, pip installing the release from a wheelhouse
(`--wheels`, no network in the machine), systemctl enabling and starting the units, and systemd
itself holding the app to its READY and watchdog. The app runs offscreen (the machine has no
DRM card): `/etc/kiosk/kiosk.env` says SDL_VIDEODRIVER=offscreen, as a maintainer's override
would, and the installer's doctor runs in that same environment.

The tests share one machine and run in order: a dry run on the bare machine, the install, a
second run, the watchdog, a power cut, then two upgrades that must not stick.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.container import Machine, build_wheels, wait_for
from tests.deploy_support import ROOT

pytestmark = pytest.mark.skipif(Machine.unavailable() is not None, reason=str(Machine.unavailable()))

INSTALL = "bash /srv/lobby-kiosk/systemd/install-pi.sh --role terminal,queue-host --wheels /srv/wheels"
UNITS = ("kiosk.service", "kiosk-sync.service", "kiosk-tickets.service")
# What an install writes; compared before and after a dry run and a second run.
WATCHED = ("etc/kiosk", "etc/systemd/system", "etc/udev/rules.d", "etc/passwd", "etc/group", "opt", "var/lib/kiosk")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    return build_wheels(tmp_path_factory.mktemp("wheels"), ROOT)


@pytest.fixture(scope="module")
def machine(tmp_path_factory, wheels):
    m = Machine(tmp_path_factory.mktemp("machine"), {"/srv/lobby-kiosk": ROOT, "/srv/wheels": wheels})
    m.create()
    try:
        env = m.path("/etc/kiosk/kiosk.env")
        env.parent.mkdir(parents=True, exist_ok=True)
        env.write_text("# this machine has no DRM card\nSDL_VIDEODRIVER=offscreen\n")
        m.boot()
        yield m
    finally:
        m.destroy()


def snapshot(m: Machine) -> dict[str, tuple]:
    out = {}
    for top in WATCHED:
        base = m.path(top)
        for path in [base, *sorted(base.rglob("*"))] if base.is_dir() else [base]:
            if path.exists() or path.is_symlink():
                st = path.lstat()
                out[str(path.relative_to(m.merged))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def active(m: Machine, *units: str) -> bool:
    return m.sh(f"systemctl is-active --quiet {' '.join(units)}", check=False).returncode == 0


def main_pid(m: Machine, unit: str = "kiosk.service") -> int:
    return int(m.show(unit, "MainPID")["MainPID"])


def current(m: Machine) -> str:
    return m.sh("readlink /opt/kiosk/current").stdout.strip()


def test_a_dry_run_on_the_bare_machine_changes_nothing(machine):
    before = snapshot(machine)
    result = machine.sh(f"{INSTALL} --dry-run")
    assert "+ useradd --system --user-group" in result.stdout
    assert "--no-index --find-links /srv/wheels /srv/wheels/lobby_kiosk-" in result.stdout
    assert "+ systemctl enable kiosk.service kiosk-sync.service kiosk-tickets.service" in result.stdout
    assert snapshot(machine) == before
    assert machine.sh("getent passwd kiosk", check=False).returncode == 2  # no user was made


def test_a_fresh_terminal_and_queue_host_installs_and_comes_up(machine):
    result = machine.sh(f"{INSTALL} --timeout 150", timeout=600)
    assert "is current" in result.stdout, result.stdout[-3000:]
    # the user, in its device groups
    groups = machine.sh("id -nG kiosk").stdout.split()
    assert set(groups) >= {"kiosk", "video", "render", "input", "dialout", "lp"}
    assert machine.sh("getent passwd kiosk").stdout.strip().endswith(":/var/lib/kiosk:/usr/sbin/nologin")
    # the release, built from the wheels, and the link to it
    release = current(machine)
    assert release.startswith("releases/0.") and machine.path(f"/opt/kiosk/{release}/.complete").exists()
    assert machine.sh("/opt/kiosk/current/bin/kiosk --help").returncode == 0
    # every unit enabled for the next boot, and running now as user kiosk
    for unit in UNITS:
        assert machine.sh(f"systemctl is-enabled {unit}").stdout.strip() == "enabled"
    wait_for("the three units active", lambda: active(machine, *UNITS))
    pid = main_pid(machine)
    assert machine.sh(f"ps -o user=,args= -p {pid}").stdout.split()[:1] == ["kiosk"]
    assert " run" in machine.sh(f"ps -o args= -p {pid}").stdout
    journal = machine.journal("kiosk.service", 400)
    assert "READY sent" in journal and "watchdog ping every 15 s" in journal
    assert "[INFO   ]" not in journal  # Kivy logs through Python's logging: each line once
    # the queue host's token: made once, kept from the log, shared through kiosk.env
    env = machine.path("/etc/kiosk/kiosk.env")
    token = [line for line in env.read_text().splitlines() if line.startswith("KIOSK_TICKETS_TOKEN=")]
    assert len(token) == 1 and len(token[0]) > 40 and token[0].split("=", 1)[1] not in result.stdout
    assert oct(env.stat().st_mode & 0o777) == "0o640"
    # this terminal takes numbers from its own queue, which answers with the terminal's token
    assert 'url = "http://127.0.0.1:8300"' in machine.path("/etc/kiosk/kiosk.toml").read_text()
    queue = machine.sh("set -a; . /etc/kiosk/kiosk.env; /opt/kiosk/current/bin/python -c '"
                       "import os, requests; print(requests.get(\"http://127.0.0.1:8300/api/queue\", timeout=10, "
                       "headers={\"Authorization\": \"Bearer \" + os.environ[\"KIOSK_TICKETS_TOKEN\"]}).status_code)'")
    assert queue.stdout.strip() == "200"


def test_a_second_run_changes_nothing(machine):
    before = snapshot(machine)
    pid = main_pid(machine)
    result = machine.sh(f"{INSTALL} --timeout 60", timeout=300)
    assert "is already current" in result.stdout
    assert snapshot(machine) == before
    assert main_pid(machine) == pid  # the running app was left alone


def test_the_app_pings_and_systemd_restarts_it_when_its_main_loop_freezes(machine):
    dropin = machine.path("/etc/systemd/system/kiosk.service.d/test-watchdog.conf")
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text("[Service]\nWatchdogSec=10\n")  # 30 s in the unit: a shorter wait for the test
    try:
        machine.sh("systemctl daemon-reload && systemctl restart kiosk.service")
        wait_for("kiosk.service active", lambda: active(machine, "kiosk.service"))
        first = main_pid(machine)
        restarts = int(machine.show("kiosk.service", "NRestarts")["NRestarts"])
        # pings arrive: systemd's last-ping stamp moves on, twice, and nothing is restarted
        stamps: list[str] = []

        def new_pings() -> bool:
            stamp = machine.show("kiosk.service", "WatchdogTimestampMonotonic")["WatchdogTimestampMonotonic"]
            if not stamps or stamps[-1] != stamp:
                stamps.append(stamp)
            return len(stamps) >= 3

        wait_for("two watchdog pings", new_pings, timeout=60)
        assert main_pid(machine) == first
        # the main loop stops (SIGSTOP: a hang that no exception reports)
        machine.sh(f"kill -STOP {first}")
        second = wait_for("a new app process", lambda: (pid := main_pid(machine)) not in (0, first) and pid,
                          timeout=90)
        wait_for("kiosk.service active again", lambda: active(machine, "kiosk.service"))
        assert int(machine.show("kiosk.service", "NRestarts")["NRestarts"]) == restarts + 1
        assert "Watchdog timeout" in machine.journal("kiosk.service", 400)
        assert second != first
    finally:
        dropin.unlink()
        machine.sh("systemctl daemon-reload && systemctl restart kiosk.service")
        wait_for("kiosk.service active", lambda: active(machine, "kiosk.service"))


def test_after_a_power_cut_the_machine_boots_into_the_app_and_the_queue(machine):
    machine.sh("set -a; . /etc/kiosk/kiosk.env; printf 'counter-secret-1\\n' > /run/pw; chmod 644 /run/pw; "
               "runuser -u kiosk -- env KIOSK_CONFIG=/etc/kiosk/kiosk.toml "
               "/opt/kiosk/current/bin/kiosk tickets user add wangfang --password-file /run/pw")
    release = current(machine)
    machine.power_cut()
    machine.boot()
    wait_for("the units started by the boot itself", lambda: active(machine, *UNITS))
    assert current(machine) == release
    users = machine.sh("runuser -u kiosk -- env KIOSK_CONFIG=/etc/kiosk/kiosk.toml "
                       "/opt/kiosk/current/bin/kiosk tickets user list").stdout
    assert "wangfang" in users
    assert "READY sent" in machine.journal("kiosk.service", 400)


def broken_copy(machine: Machine, name: str, breakage: str) -> str:
    """A copy of the current release (a venv built at another path) with one thing broken."""
    folder = f"/var/tmp/{name}"
    machine.sh(f"rm -rf {folder} && cp -a /opt/kiosk/current/ {folder} && rm {folder}/.complete && "
               f"cd {folder}/lib/python3*/site-packages && {breakage}")
    return folder


def test_an_upgrade_that_fails_kiosk_doctor_leaves_the_old_release_running(machine):
    release = current(machine)
    built = broken_copy(machine, "1.9-nodoctor", "rm kiosk/doctor.py")  # a release missing a file
    result = machine.sh(f"{INSTALL} --release {built} --timeout 60", timeout=300, check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert f"failed its health check: staying on {release.split('/')[-1]}" in result.stdout
    assert current(machine) == release
    wait_for("the old release's app running again", lambda: active(machine, *UNITS))
    # the copied venv's scripts were pointed at their new place, not at /var/tmp
    shebang = machine.path("/opt/kiosk/releases/1.9-nodoctor/bin/kiosk").read_text().splitlines()[0]
    assert shebang == "#!/opt/kiosk/releases/1.9-nodoctor/bin/python"


def test_an_upgrade_whose_app_never_sends_ready_is_rolled_back(machine):
    release = current(machine)
    # the first frame never reports: no READY=1, no watchdog ping
    built = broken_copy(machine, "2.0-silent", "sed -i 's/READY=1/STATUS=silent/' kiosk/*.py")
    result = machine.sh(f"{INSTALL} --release {built} --timeout 25", timeout=400, check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "not active after 25s" in result.stdout and f"rolling back to {release.split('/')[-1]}" in result.stdout
    assert current(machine) == release
    wait_for("the old release running again", lambda: active(machine, *UNITS))
    assert "READY sent" in machine.journal("kiosk.service", 100)
