"""`kiosk-hub` as an operator runs it (a real subprocess): init, users, tokens, enrolment codes,
key rotation and check, with one-line errors; and every command documented in README.md."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from hub import accounts, db, org
from hub.cli import build_parser
from sync import signing
from tests.hub_support import database_url  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"


def hub(data_dir, *args, database=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    extra = ["--database", database] if database else []
    return subprocess.run([sys.executable, "-m", "hub.cli", *args[:1], "--data-dir", str(data_dir), *extra,
                           *map(str, args[1:])], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "pw"
    path.write_text(PASSWORD + "\n")
    return path


def _init(tmp_path, password_file, database=None):
    data = tmp_path / "hub"
    out = hub(data, "init", "--admin-user", "admin", "--admin-password-file", password_file, database=database)
    assert out.returncode == 0, out.stderr
    return data


def test_init_then_every_command(tmp_path, password_file, database_url):
    pg = database_url.startswith("postgresql")
    data = _init(tmp_path, password_file, database_url if pg else None)
    if pg:  # the URL is remembered: later commands need no --database
        assert stat.S_IMODE((data / "hub.toml").stat().st_mode) == 0o600
    (key_file,) = (data / "keys").iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    check = hub(data, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert [line.split()[0] for line in check.stdout.splitlines()] == ["ok"] * 6

    token = hub(data, "token", "--user", "admin")
    assert token.returncode == 0 and token.stdout.startswith("khub_")
    engine = db.make_engine(database_url if pg else f"sqlite:///{data / 'hub.sqlite'}")
    try:
        assert accounts.user_for_token(engine, token.stdout.strip()) == "admin"
        assert accounts.roles_of(engine, "admin") == [("admin", None)]
        org.add_node(engine, "t", "d1", "district", "区")
        org.add_node(engine, "t", "s1", "street", "街道", "d1")
        org.add_node(engine, "t", "demo-centre", "community", "幸福里社区", "s1")

        made = hub(data, "create-user", "ed", "--password-file", password_file, "--role", "editor", "--node", "s1")
        assert made.returncode == 0, made.stderr
        assert accounts.roles_of(engine, "ed") == [("editor", "s1")]

        code = hub(data, "enroll-code", "--expires", "2h")  # the only centre by default
        assert code.returncode == 0, code.stderr
        assert "demo-centre" in code.stderr and len(code.stdout.strip()) == 19
        assert org.redeem(engine, code.stdout.strip()) == "demo-centre"

        first = signing.public_key_b64(signing.load_private_key_pem(key_file.read_bytes()))
        rotated = hub(data, "rotate-key")
        assert rotated.returncode == 0, rotated.stderr
        new = rotated.stdout.strip()
        proof = rotated.stderr.split()[-1]
        signing.verify_rotation(first, new, proof)
        with engine.connect() as conn:
            actors = set(conn.execute(select(db.audit_log.c.actor)).scalars())
        assert any(a.startswith("cli") for a in actors)
    finally:
        engine.dispose()
    assert hub(data, "check").returncode == 0


def test_init_twice_adds_nothing(tmp_path, password_file):
    data = _init(tmp_path, password_file)
    again = hub(data, "init", "--admin-user", "other", "--admin-password-file", password_file)
    assert again.returncode == 0 and "set up before" in again.stderr
    assert len(list((data / "keys").iterdir())) == 1


def test_an_interrupted_init_is_finished_by_running_it_again(tmp_path, password_file):
    """The admin was added, then init stopped before the key (here: the key taken away again)."""
    from sqlalchemy import delete

    data = _init(tmp_path, password_file)
    engine = db.make_engine(f"sqlite:///{data / 'hub.sqlite'}")
    try:
        with engine.begin() as conn:
            conn.execute(delete(db.signing_keys))
        for f in (data / "keys").iterdir():
            f.unlink()
        assert hub(data, "check").returncode == 1
        again = hub(data, "init", "--admin-user", "admin", "--admin-password-file", password_file)
        assert again.returncode == 0 and "signing key" in again.stderr and "admin admin" not in again.stderr
        assert accounts.roles_of(engine, "admin") == [("admin", None)]
    finally:
        engine.dispose()
    assert hub(data, "check").returncode == 0


@pytest.mark.parametrize("args, code, says", [
    (("token", "--user", "admin"), 1, "no hub database at "),
    (("check",), 1, "FAIL database: no hub database at "),
    (("token", "--user", "admin", "--database", "mysql://x/y"), 2, "database = 'mysql://x/y': allowed"),
    (("enroll-code", "--expires", "forever"), 1, "not a duration"),
])
def test_before_init_errors_are_one_line(tmp_path, args, code, says):
    out = hub(tmp_path / "hub", *args)
    assert out.returncode == code, out.stdout + out.stderr
    text = out.stderr if "FAIL" not in says else out.stdout
    assert says in text and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) <= 1
    assert not (tmp_path / "hub").exists()  # nothing created by a command that failed


def test_an_empty_database_is_named(tmp_path):
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "hub.sqlite").write_bytes(b"")
    out = hub(tmp_path / "hub", "token", "--user", "admin")
    assert out.returncode == 1 and "empty database: run kiosk-hub init first" in out.stderr
    out = hub(tmp_path / "hub", "check")
    assert out.returncode == 1 and "FAIL schema: empty database" in out.stdout


def test_errors_after_init(tmp_path, password_file):
    data = _init(tmp_path, password_file)
    cases = [
        (("token", "--user", "nobody"), "kiosk-hub token: no user 'nobody'"),
        (("create-user", "admin", "--password-file", password_file, "--role", "admin"), "exists already"),
        (("create-user", "x", "--password-file", tmp_path / "missing", "--role", "admin"), "cannot read the password"),
        (("enroll-code",), "no centre yet"),
        (("enroll-code", "--centre", "nowhere"), "no centre 'nowhere'"),
    ]
    for args, says in cases:
        out = hub(data, *args)
        assert out.returncode == 1 and says in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_init_refuses_a_weak_password_and_leaves_no_admin(tmp_path):
    (tmp_path / "pw").write_text("short\n")
    out = hub(tmp_path / "hub", "init", "--admin-user", "admin", "--admin-password-file", tmp_path / "pw")
    assert out.returncode == 1 and "a password is 10 to 200 characters" in out.stderr


def test_check_reports_a_readable_key_and_an_unreachable_database(tmp_path, password_file):
    data = _init(tmp_path, password_file)
    (key_file,) = (data / "keys").iterdir()
    key_file.chmod(0o640)
    out = hub(data, "check")
    assert out.returncode == 1 and "FAIL signing key" in out.stdout and "chmod 600" in out.stdout
    key_file.chmod(0o600)
    down = hub(data, "check", "--database", "postgresql://nobody:secret@127.0.0.1:1/none")
    assert down.returncode == 1 and "FAIL database" in down.stdout and "secret" not in down.stdout


def test_without_the_hub_extra_the_fix_is_named(tmp_path, password_file):
    """alembic made unimportable (as on a terminal without [hub]): one line naming the extra."""
    blocker = tmp_path / "blocked" / "alembic"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'alembic'\", name='alembic')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
    env["PYTHONPATH"] = os.pathsep.join((str(blocker.parent), str(ROOT)))
    out = subprocess.run([sys.executable, "-m", "hub.cli", "init", "--data-dir", str(tmp_path / "hub"),
                          "--admin-user", "admin", "--admin-password-file", str(password_file)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 1 and "pip install 'lobby-kiosk[hub]'" in out.stderr and "Traceback" not in out.stderr


def test_every_command_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "hub.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) >= {"init", "create-user", "token", "enroll-code", "rotate-key", "check"}
    for name in sub.choices:
        assert f"kiosk-hub {name}" in readme, f"`kiosk-hub {name}` is not in README.md"
        assert f"kiosk-hub {name}" in guide, f"`kiosk-hub {name}` is not in docs/hub.md"


def test_migrate_brings_an_older_schema_to_head_and_refuses_what_it_cannot(tmp_path, password_file):
    from hub import migrate

    data = _init(tmp_path, password_file)
    engine = db.make_engine(f"sqlite:///{data / 'hub.sqlite'}")
    try:
        with engine.begin() as conn:  # back to the schema before the last revision, as an old release left it
            from alembic import command

            command.downgrade(migrate.alembic_config(conn), "-1")
        old = migrate.current(engine)
        assert old != migrate.head()
        assert hub(data, "check").returncode == 1  # what install-pi.sh's rollback sees before migrating
        out = hub(data, "migrate")
        assert out.returncode == 0 and f"schema {old} -> {migrate.head()}" in out.stderr, out.stderr
        assert migrate.current(engine) == migrate.head() and hub(data, "check").returncode == 0
        again = hub(data, "migrate")
        assert again.returncode == 0 and "already at schema" in again.stderr
        with engine.begin() as conn:  # a newer release's revision: refused, nothing changed
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        newer = hub(data, "migrate")
        assert newer.returncode == 1 and "newer release" in newer.stderr and "Traceback" not in newer.stderr
        assert migrate.current(engine) == "9999_from_the_future"
    finally:
        engine.dispose()
    missing = hub(tmp_path / "nothing-here", "migrate")
    assert missing.returncode == 1 and "run kiosk-hub init first" in missing.stderr
    assert not (tmp_path / "nothing-here").exists()
