"""`install-pi.sh --role hub` for real, on a throw-away machine booted with systemd
(tests/container.py): the release from a wheelhouse with the [hub] extra, `kiosk-hub init` by
hand as docs/deploy.md says, then upgrades -- one that goes through (the database backed up,
migrated, checked), and one whose new schema is migrated but whose server then dies: the
installer must put the database back as it was before the old release starts again.

The hub runs on SQLite here (the default); PostgreSQL's backup and restore are tested in
tests/test_hub_backup.py against the local server.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.container import Machine, build_wheels, wait_for
from tests.deploy_support import ROOT

pytestmark = pytest.mark.skipif(Machine.unavailable() is not None, reason=str(Machine.unavailable()))

INSTALL = "bash /srv/lobby-kiosk/systemd/install-pi.sh --role hub --wheels /srv/wheels"
HUB = "runuser -u kiosk-hub -- /opt/kiosk/current/bin/kiosk-hub"
DB = "/var/lib/kiosk-hub/hub.sqlite"
PYTHON = "/opt/kiosk/current/bin/python"


@pytest.fixture(scope="module")
def machine(tmp_path_factory):
    wheels = build_wheels(tmp_path_factory.mktemp("wheels"), ROOT, "[hub]")
    m = Machine(tmp_path_factory.mktemp("hub-machine"), {"/srv/lobby-kiosk": ROOT, "/srv/wheels": wheels})
    m.create()
    try:
        m.boot()
        yield m
    finally:
        m.destroy()


def active(m: Machine) -> bool:
    return m.sh("systemctl is-active --quiet kiosk-hub.service", check=False).returncode == 0


def healthz(m: Machine) -> str:
    return m.sh(f"{PYTHON} -c 'import requests; print(requests.get(\"http://127.0.0.1:8400/healthz\", "
                "timeout=10).status_code)'", check=False).stdout.strip()


def schema(m: Machine) -> str:
    return m.sh(f"{PYTHON} -c 'import sqlite3; print(sqlite3.connect(\"{DB}\").execute("
                "\"select version_num from alembic_version\").fetchone()[0])'").stdout.strip()


def tables(m: Machine) -> set[str]:
    out = m.sh(f"{PYTHON} -c 'import sqlite3; print(*(r[0] for r in sqlite3.connect(\"{DB}\").execute("
               "\"select name from sqlite_master where type=\\\"table\\\"\")))'").stdout
    return set(out.split())


def users(m: Machine) -> str:
    return m.sh(f"{PYTHON} -c 'import sqlite3; print(*(r[0] for r in sqlite3.connect(\"{DB}\").execute("
                "\"select name from users\")))'").stdout


def current(m: Machine) -> str:
    return m.sh("readlink /opt/kiosk/current").stdout.strip()


def test_a_new_hub_is_installed_and_waits_for_its_database(machine):
    result = machine.sh(f"{INSTALL} --version 1.0 --timeout 90", timeout=600)
    assert "the hub has no database yet: run kiosk-hub init" in result.stdout, result.stdout[-3000:]
    assert current(machine) == "releases/1.0"
    assert machine.sh("systemctl is-enabled kiosk-hub.service").stdout.strip() == "enabled"
    assert not active(machine)
    # docs/deploy.md, section 6: init as kiosk-hub with the password in a file, then start
    machine.sh("install -m 0600 -o kiosk-hub /dev/null /var/lib/kiosk-hub/pw && "
               "echo 'a long admin password 1' > /var/lib/kiosk-hub/pw && "
               f"{HUB} init --data-dir /var/lib/kiosk-hub --admin-user admin --admin-password-file /var/lib/kiosk-hub/pw && "
               f"{HUB} create-user wangfang --role admin --data-dir /var/lib/kiosk-hub "
               "--password-file /var/lib/kiosk-hub/pw && rm /var/lib/kiosk-hub/pw")
    machine.sh("systemctl start kiosk-hub.service")
    wait_for("the hub answering", lambda: healthz(machine) == "200", timeout=60)


def test_an_upgrade_backs_the_database_up_migrates_and_switches(machine):
    before = schema(machine)
    result = machine.sh(f"{INSTALL} --version 2.0 --timeout 90", timeout=600)
    assert "release 2.0 is current" in result.stdout, result.stdout[-3000:]
    steps = [line for line in result.stdout.splitlines() if "/bin/kiosk-hub " in line or "systemctl stop" in line]
    assert [s.split("/bin/kiosk-hub ")[-1].split()[0] if "kiosk-hub " in s else "stop" for s in steps] \
        == ["stop", "backup", "migrate", "check"]
    backups = sorted(machine.path("/var/lib/kiosk-hub/backups").glob("before-2.0-*.backup"))
    assert len(backups) == 1 and backups[0].read_bytes()[:16] == b"SQLite format 3\0"
    assert current(machine) == "releases/2.0" and schema(machine) == before
    wait_for("the new hub answering", lambda: healthz(machine) == "200", timeout=60)
    assert "wangfang" in users(machine)


def test_a_release_that_migrates_and_then_dies_leaves_the_database_as_it_was(machine):
    head = schema(machine)
    # a release one schema ahead (a new table) whose server stops at once
    built = "/var/tmp/3.0-dies"
    machine.sh(f"rm -rf {built} && cp -a /opt/kiosk/current/ {built} && rm {built}/.complete && "
               f"cd {built}/lib/python3*/site-packages/hub && "
               "printf 'def serve(*args, **kwargs):\\n    raise SystemExit(1)\\n' >> server.py && "
               "printf '%s\\n' 'import sqlalchemy as sa' 'from alembic import op' \"revision = '9999'\" "
               f"\"down_revision = '{head}'\" 'branch_labels = None' 'depends_on = None' "
               "\"def upgrade(): op.create_table('upgrade_probe', sa.Column('id', sa.Integer, primary_key=True))\" "
               "\"def downgrade(): op.drop_table('upgrade_probe')\" > migrations/versions/9999_probe.py")
    result = machine.sh(f"{INSTALL} --release {built} --timeout 20", timeout=600, check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "schema " + head + " -> 9999" in result.stdout + result.stderr
    assert "rolling back to 2.0, with the database as it was" in result.stdout
    assert current(machine) == "releases/2.0"
    assert schema(machine) == head and "upgrade_probe" not in tables(machine)
    wait_for("the old hub answering again", lambda: healthz(machine) == "200", timeout=60)
    assert "wangfang" in users(machine)
