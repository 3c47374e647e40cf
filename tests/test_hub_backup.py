"""`kiosk-hub backup` and `kiosk-hub restore` as the installer runs them around an upgrade (the
CLI's own `main` in this process, a real process where it matters -- a kill -9, --help; a hub
made by `kiosk-hub init`): a restore brings back the data and the schema
revision exactly as they were at the backup, on SQLite and on PostgreSQL; bad files and
unreachable databases are refused in one line with nothing changed; a killed backup never leaves
a file at PATH."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from alembic import command
from sqlalchemy import inspect, text

from hub import accounts, db, migrate, org
from tests.hub_support import database_url  # noqa: F401  (a fixture)
from tests.test_hub_cli import PASSWORD, ROOT

SECRET = "s3cret-pw"  # trust auth ignores it; no message may show it


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "pw"
    path.write_text(PASSWORD + "\n")
    return path


def hub(data_dir, *args, database=None) -> subprocess.CompletedProcess:
    """`kiosk-hub ARGS --data-dir DIR` through hub.cli.main, as the console script calls it, in
    this process: the same code without a Python start (3 s on a busy machine) per call."""
    from hub.cli import main

    extra = ["--database", database] if database else []
    argv = [*map(str, args[:1]), "--data-dir", str(data_dir), *extra, *map(str, args[1:])]
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("KIOSK_HUB_")}
    try:
        with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.environ.update(saved)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def _url(database_url: str) -> str:
    """PostgreSQL with a password in the URL (the hub must never print it); SQLite as it is."""
    return database_url.replace("postgres@", f"postgres:{SECRET}@", 1)


def _init(tmp_path, password_file, url: str):
    data = tmp_path / "hub"
    out = hub(data, "init", "--admin-user", "admin", "--admin-password-file", password_file, database=url)
    assert out.returncode == 0, out.stderr
    return data  # hub.toml names the database: later commands need no --database


def _ok(out: subprocess.CompletedProcess, says: str) -> None:
    assert out.returncode == 0 and says in out.stderr, out.stderr
    assert SECRET not in out.stdout + out.stderr


def _refused(out: subprocess.CompletedProcess, says: str) -> None:
    assert out.returncode == 1, out.stdout + out.stderr
    assert says in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr and SECRET not in out.stdout + out.stderr


def snapshot(url: str) -> dict:
    """Every table's columns and rows, alembic_version included: what a restore must bring back."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            return {name: ([c["name"] for c in found.get_columns(name)],
                           sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{name}"'))))
                    for name in sorted(found.get_table_names())}
    finally:
        engine.dispose()


def _change(url: str, down_to: str | None = None) -> None:
    """New rows, a changed row, and (down_to) the schema taken back to an older revision."""
    engine = db.make_engine(url)
    try:
        accounts.create_user(engine, "t", "later", PASSWORD, "admin")
        org.add_node(engine, "t", "later-district", "district", "后来的区")
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET disabled = :yes WHERE name = 'admin'"), {"yes": True})
        if down_to:
            with engine.begin() as conn:
                command.downgrade(migrate.alembic_config(conn), down_to)
    finally:
        engine.dispose()


def test_restore_undoes_changes_and_a_downgrade(tmp_path, password_file, database_url):
    url = _url(database_url)
    data = _init(tmp_path, password_file, url)
    _ok(hub(data, "import-demo"), "items published")
    before = snapshot(url)
    assert before["alembic_version"][1] == [repr((migrate.head(),))] and before["items"][1]

    out = hub(data, "backup", tmp_path / "hub.backup")
    _ok(out, f"at schema {migrate.head()} -> {tmp_path / 'hub.backup'} (")
    assert "bytes)" in out.stderr and (tmp_path / "hub.backup").stat().st_mode & 0o077 == 0
    _change(url, down_to="0004")
    changed = snapshot(url)
    assert changed != before and changed["alembic_version"][1] == [repr(("0004",))]

    out = hub(data, "restore", tmp_path / "hub.backup")
    _ok(out, f"schema 0004 -> {migrate.head()}")
    assert snapshot(url) == before
    assert hub(data, "check").returncode == 0


def test_restore_undoes_a_migration(tmp_path, password_file, database_url):
    """The installer's rollback: back up at the old schema, migrate, the release fails, restore --
    the tables the migration added are gone too, so migrating again works."""
    url = _url(database_url)
    data = _init(tmp_path, password_file, url)
    _change(url, down_to="0004")
    old = snapshot(url)
    _ok(hub(data, "backup", tmp_path / "old.backup"), "at schema 0004 ->")
    _ok(hub(data, "migrate"), f"schema 0004 -> {migrate.head()}")
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:  # written by the new release before it failed
            conn.execute(text("INSERT INTO disclosure_days (node_id, day, updated_at, updated_by) "
                              "VALUES ('later-district', 5, CURRENT_TIMESTAMP, 't')"))
    finally:
        engine.dispose()

    _ok(hub(data, "restore", tmp_path / "old.backup"), f"schema {migrate.head()} -> 0004")
    assert snapshot(url) == old and "disclosure_days" not in old
    _ok(hub(data, "migrate"), f"schema 0004 -> {migrate.head()}")
    assert hub(data, "check").returncode == 0


def test_backup_refuses_what_it_must_not_write(tmp_path, password_file):
    data = _init(tmp_path, password_file, f"sqlite:///{tmp_path / 'hub' / 'hub.sqlite'}")
    target = tmp_path / "b"
    target.write_bytes(b"an older backup")
    _refused(hub(data, "backup", target), "exists: give a new file name, or --force")
    assert target.read_bytes() == b"an older backup"
    _refused(hub(data, "backup", tmp_path), "is a folder: give a file name")
    _refused(hub(data, "backup", tmp_path / "no-such-folder" / "b"), "does not exist: create it first")
    _refused(hub(data, "backup", data / "hub.sqlite", "--force"), "is the hub's database itself")
    _refused(hub(tmp_path / "no-hub", "backup", tmp_path / "c"), "run kiosk-hub init first")
    assert not (tmp_path / "no-hub").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "hub", "pw"]  # no .tmp left behind
    _ok(hub(data, "backup", "--force", os.path.relpath(target, ROOT)), f"-> {target} (")  # relative to the cwd
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_restore_refuses_bad_files_and_changes_nothing(tmp_path, password_file, database_url):
    url = _url(database_url)
    data = _init(tmp_path, password_file, url)
    good = tmp_path / "good.backup"
    _ok(hub(data, "backup", good), "bytes)")
    _change(url)
    now = snapshot(url)
    whole = good.read_bytes()
    other = sqlite3.connect(tmp_path / "other.sqlite")
    other.execute("CREATE TABLE notes (x)")
    other.commit()
    other.close()
    cases = [(tmp_path / "missing", "no file"), (tmp_path, "is a folder"),
             (password_file, "use another backup" if url.startswith("postgresql") else "is not a SQLite database")]
    for n, cut in enumerate((20, len(whole) // 2, len(whole) - 1)):
        (tmp_path / f"cut{n}").write_bytes(whole[:cut])
        cases.append((tmp_path / f"cut{n}", "use another backup"))
    (tmp_path / "noise").write_bytes(whole[:100] + os.urandom(len(whole) - 100))
    cases.append((tmp_path / "noise", "use another backup"))
    if url.startswith("sqlite"):
        cases.append((tmp_path / "other.sqlite", "is not a hub database (no table alembic_version)"))
    else:
        cases.append((tmp_path / "other.sqlite", "is a SQLite backup and this hub's database is PostgreSQL"))
    for path, says in cases:
        _refused(hub(data, "restore", path), says)
    if url.startswith("postgresql"):  # the database does not answer
        down, says = f"postgresql://nobody:{SECRET}@127.0.0.1:1/none", "cannot reach the database postgresql"
    else:
        down, says = f"sqlite:///{tmp_path / 'nowhere' / 'hub.sqlite'}", "no hub database at"
    _refused(hub(data, "restore", good, database=down), says)
    assert snapshot(url) == now
    _ok(hub(data, "restore", good), "restored from")


def test_a_postgresql_backup_is_refused_by_a_sqlite_hub(tmp_path, password_file):
    data = _init(tmp_path, password_file, f"sqlite:///{tmp_path / 'hub' / 'hub.sqlite'}")
    (tmp_path / "dump").write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
    _refused(hub(data, "restore", tmp_path / "dump"), "is a PostgreSQL backup (pg_dump) and this hub's database is SQLite")


def test_an_unreachable_database_or_missing_client_is_one_line(tmp_path, monkeypatch):
    down = f"postgresql://nobody:{SECRET}@127.0.0.1:1/none"
    (tmp_path / "some.backup").write_bytes(b"PGDMP")
    if shutil.which("pg_dump") and shutil.which("pg_restore"):
        _refused(hub(tmp_path, "backup", tmp_path / "x", database=down),
                 "cannot reach the database postgresql+psycopg://nobody:***@127.0.0.1:1/none")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no PostgreSQL client programs
    _refused(hub(tmp_path, "backup", tmp_path / "x", database=down),
             "pg_dump is not installed, PostgreSQL backups need it: apt-get install postgresql-client")
    _refused(hub(tmp_path, "restore", tmp_path / "some.backup", database=down),
             "pg_restore is not installed, PostgreSQL backups need it: apt-get install postgresql-client")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["some.backup"]


def test_restore_help_says_to_stop_the_hub():
    out = subprocess.run([sys.executable, "-m", "hub.cli", "restore", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0 and "Stop the hub first" in " ".join(out.stdout.split())


# ---- a backup killed half-way, and one taken while the hub writes ------------------------

def _pad(path, megabytes: int) -> None:
    """Audit rows enough that a backup takes a while to copy."""
    conn = sqlite3.connect(path)
    row = '{"pad": "' + "0123456789abcdef" * 256 + '"}'  # 4 kB
    conn.executemany("INSERT INTO audit_log (at, actor, action, target, after) VALUES "
                     "(CURRENT_TIMESTAMP, 't', 'pad', ?, ?)", ((f"pad:{i}", row) for i in range(megabytes * 250)))
    conn.commit()
    conn.close()


def test_a_killed_backup_leaves_no_file_and_the_next_one_cleans_up(tmp_path, password_file):
    url = f"sqlite:///{tmp_path / 'hub' / 'hub.sqlite'}"
    data = _init(tmp_path, password_file, url)
    _pad(data / "hub.sqlite", 160)
    target, tmp = tmp_path / "big.backup", tmp_path / "big.backup.tmp"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "backup", "--data-dir", str(data), str(target)],
                            cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not (tmp.exists() and tmp.stat().st_size > 0):  # copying has begun
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the backup finished before the kill: pad the database more"
    assert not target.exists() and tmp.exists()  # a half copy is only ever under PATH.tmp

    _ok(hub(data, "backup", target), f"-> {target} (")
    assert not tmp.exists()
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA quick_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM audit_log WHERE action = 'pad'").fetchone() == (160 * 250,)


def test_a_backup_while_the_hub_writes_is_consistent(tmp_path, password_file):
    """A writer commits rows 1, 2, 3, ... throughout: the copy holds a prefix of them, whole."""
    url = f"sqlite:///{tmp_path / 'hub' / 'hub.sqlite'}"
    data = _init(tmp_path, password_file, url)
    _pad(data / "hub.sqlite", 40)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(data / "hub.sqlite")], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == b"writing\n"
        _ok(hub(data, "backup", tmp_path / "live.backup"), "bytes)")
    finally:
        writer.kill()
        writer.wait()
    with sqlite3.connect(tmp_path / "live.backup") as copy:
        assert copy.execute("PRAGMA quick_check").fetchone() == ("ok",)
        seqs = [int(t[5:]) for (t,) in copy.execute("SELECT target FROM audit_log WHERE action = 'live'")]
    assert seqs and sorted(seqs) == list(range(1, len(seqs) + 1))


WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("PRAGMA journal_mode = WAL")
n = 0
while True:
    n += 1
    conn.execute("INSERT INTO audit_log (at, actor, action, target) VALUES (CURRENT_TIMESTAMP, 't', 'live', ?)",
                 (f"live:{n}",))
    if n == 1:
        print("writing", flush=True)
"""
