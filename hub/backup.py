"""`kiosk-hub backup` and `kiosk-hub restore`: the hub's database to one file and back, its schema
revision included -- so a failed upgrade is undone by restoring what was backed up before it.

* backup PATH: a consistent copy while the hub runs. SQLite: the sqlite3 backup API in one step
  (a snapshot; the hub's writers go on, in WAL mode nobody waits). PostgreSQL: `pg_dump
  --format=custom` (one snapshot too). Written to PATH.tmp, fsynced, renamed: PATH is whole or
  absent. A killed backup leaves PATH.tmp behind; the next backup to the same PATH removes it.
* restore PATH: the database becomes the backup's content, tables and revision alike; the hub
  must be stopped (its caches would not know). The file is checked first -- a hub backup of this
  kind of database, whole, with a revision -- and nothing changes when it is refused or fails.
  SQLite: the backup API into the database file, one write transaction. PostgreSQL: `pg_restore
  --clean --if-exists --no-owner` writes the SQL, psql runs it in one transaction, after dropping
  the tables the backup does not have (a newer release's migration added them; left in place,
  their foreign keys would stop the clean and a later migrate would find them already there).
  COMMIT is sent only once pg_restore has read the whole file, so a damaged dump changes nothing.
Passwords never reach a message, a command line or `ps`: libpq gets it through PGPASSWORD.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from content.bundle import fsync_dir
from hub.db import BUSY_TIMEOUT_MS
from hub.errors import HubError
from hub.settings import HubSettings, redact

HUB_TABLES = ("alembic_version", "users", "org_nodes", "signing_keys", "audit_log")  # since 0001
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
LOCK_WAIT_S = 60.0  # how long a locked SQLite database is waited for
CLIENT_FIX = "apt-get install postgresql-client"


@dataclass
class Done:
    database: str                # the URL, redacted
    path: Path
    size: int                    # bytes of the backup file
    revision: str                # the schema revision in the backup (and, after restore, the database's)
    before: str | None = None    # restore: the database's revision before


def _refuse(message: str) -> HubError:
    return HubError("backup", message)


def _where(path: Path) -> Path:
    """PATH made absolute with its folder's links and `..` resolved (as the kernel will), the name kept."""
    path = Path(path).absolute()
    return path if path.name in ("", "..") else path.parent.resolve() / path.name


# ---- backup ------------------------------------------------------------------------------

def backup(settings: HubSettings, path: Path, *, force: bool = False) -> Done:
    """The database copied to `path` (refused when it exists, unless `force`)."""
    path = _where(path)
    tmp = _prepare(settings, path, force)
    try:
        revision = _dump_sqlite(settings, tmp) if settings.is_sqlite else _dump_pg(settings, tmp)
        size = _publish(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    return Done(redact(settings.database), path, size, revision)


def _prepare(settings: HubSettings, path: Path, force: bool) -> Path:
    """PATH.tmp, empty and private (the database holds password hashes), after the checks on PATH."""
    if path.is_dir():
        raise _refuse(f"{path} is a folder: give a file name, e.g. {path / 'hub-backup'}")
    if settings.is_sqlite and os.path.realpath(path) == os.path.realpath(_sqlite_path(settings)):
        raise _refuse(f"{path} is the hub's database itself: give another file")
    if os.path.lexists(path) and not force:
        raise _refuse(f"{path} exists: give a new file name, or --force to replace it")
    if not path.parent.is_dir():
        raise _refuse(f"the folder {path.parent} does not exist: create it first")
    tmp = path.with_name(path.name + ".tmp")
    try:
        _remove(tmp, strict=True)  # left by a backup that was killed
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise _refuse(f"cannot write {tmp}: {exc.strerror}") from None
    return tmp


def _remove(tmp: Path, strict: bool = False) -> None:
    for name in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm"))):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        except OSError:
            if strict:
                raise


def _publish(tmp: Path, path: Path) -> int:
    """fsync, rename, fsync the folder: after a power cut PATH is the old file or the whole new one."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise _refuse(f"cannot write {path}: {exc.strerror}") from None
    return size


# ---- SQLite ------------------------------------------------------------------------------

def _sqlite_path(settings: HubSettings) -> str:
    return settings.database[len("sqlite:///"):]


def _open_sqlite(path: str | Path) -> sqlite3.Connection:
    """Never creates a file. Read-write even for the source: a read-only connection would leave
    -wal/-shm files behind, owned by whoever ran the command."""
    return sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None,
                           timeout=BUSY_TIMEOUT_MS / 1000)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """All pages in one step: one snapshot of the source (copying in steps would start over at
    every write of the running hub). sqlite3 retries a locked source for ever: not past LOCK_WAIT_S."""
    deadline = time.monotonic() + LOCK_WAIT_S

    def progress(status, _remaining, _total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _refuse(f"the database stayed locked for {LOCK_WAIT_S:.0f} s: try again when the "
                          "program holding it is done")

    source.backup(target, progress=progress)


def _close(*conns: sqlite3.Connection | None) -> None:
    for conn in conns:
        if conn is not None:
            conn.close()


def _hub_revision(conn: sqlite3.Connection, what: str) -> str:
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in HUB_TABLES if t not in tables]
    if missing:
        raise _refuse(f"{what} is not a hub database (no table {missing[0]})")
    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) != 1:
        raise _refuse(f"{what} has {len(rows)} schema revisions, not one: it is not a hub database")
    return rows[0][0]


def _existing_sqlite(settings: HubSettings, fix: str) -> str:
    missing = settings.missing_sqlite_file()
    if missing:
        raise _refuse(f"no hub database at {missing}: {fix}")
    return _sqlite_path(settings)


def _dump_sqlite(settings: HubSettings, tmp: Path) -> str:
    source = _existing_sqlite(settings, "run kiosk-hub init first")
    src = dst = None
    try:
        src, dst = _open_sqlite(source), _open_sqlite(tmp)
        _hub_revision(src, f"the database {source}")
        _copy(src, dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file: no -wal beside it
        return _hub_revision(dst, f"the database {source}")
    except sqlite3.Error as exc:
        raise _refuse(f"cannot back up {source}: {exc}") from None
    finally:
        _close(src, dst)


# ---- restore -----------------------------------------------------------------------------

def restore(settings: HubSettings, path: Path) -> Done:
    """The database put back to the backup at `path`; the hub must be stopped."""
    path = _where(path)
    head, size = _read_head(path)
    if settings.is_sqlite:
        if head.startswith(PGDUMP_MAGIC):
            raise _refuse(f"{path} is a PostgreSQL backup (pg_dump) and this hub's database is SQLite")
        before, revision = _restore_sqlite(settings, path, head, size)
    else:
        if head.startswith(SQLITE_MAGIC):
            raise _refuse(f"{path} is a SQLite backup and this hub's database is PostgreSQL")
        before, revision = _restore_pg(settings, path)
    return Done(redact(settings.database), path, size, revision, before)


def _read_head(path: Path) -> tuple[bytes, int]:
    try:
        with open(path, "rb") as f:
            return f.read(100), os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        raise _refuse(f"no file {path}: give the file kiosk-hub backup wrote") from None
    except IsADirectoryError:
        raise _refuse(f"{path} is a folder: give the file kiosk-hub backup wrote") from None
    except OSError as exc:
        raise _refuse(f"cannot read {path}: {exc.strerror}") from None


def _check_sqlite_file(path: Path, head: bytes, size: int) -> None:
    """A SQLite file, whole: its header's page size times page count is its length."""
    if not head.startswith(SQLITE_MAGIC):
        raise _refuse(f"{path} is not a SQLite database: give a file kiosk-hub backup wrote")
    if len(head) < 100:
        raise _refuse(f"{path} is truncated ({size} bytes): use another backup")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    if head[24:28] == head[92:96] and size < page_size * pages:  # the page count is valid
        raise _refuse(f"{path} is truncated: {size:,} bytes of the {page_size * pages:,} its header "
                      "gives: use another backup")


def _restore_sqlite(settings: HubSettings, path: Path, head: bytes, size: int) -> tuple[str | None, str]:
    _check_sqlite_file(path, head, size)
    target = _existing_sqlite(settings, "set the hub up with kiosk-hub init, then restore")
    if os.path.realpath(path) == os.path.realpath(target):
        raise _refuse(f"{path} is the hub's database itself: give the backup file")
    src = dst = None
    try:
        src = _open_sqlite(path)
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("quick_check finds it damaged")
        revision = _hub_revision(src, str(path))
    except sqlite3.Error as exc:
        raise _refuse(f"{path} cannot be read as a hub backup ({exc}): use another backup") from None
    try:
        dst = _open_sqlite(target)
        try:
            before = _hub_revision(dst, target)
        except (HubError, sqlite3.Error):
            before = None  # not a hub database (yet): it is replaced all the same
        dst.execute("PRAGMA synchronous = FULL")
        _copy(src, dst)  # one write transaction on the target: all of it or none
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before, _hub_revision(dst, target)
    except sqlite3.Error as exc:
        raise _refuse(f"cannot restore into {target}: {exc} (is the hub stopped?)") from None
    finally:
        _close(src, dst)


# ---- PostgreSQL --------------------------------------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise _refuse(f"{name} is not installed, PostgreSQL backups need it: {CLIENT_FIX}")
    return found


def _libpq(settings: HubSettings) -> tuple[str, dict[str, str], str | None]:
    """The URL for pg_dump and friends without its password, their environment, the password."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env, None if url.password is None else str(url.password)


def _tool_error(stderr: bytes, secret: str | None) -> str:
    """The first error line of a PostgreSQL tool, without its name or any password."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    line = next((x for x in lines if "error" in x.lower() or "fatal" in x.lower()), lines[0] if lines else "")
    line = re.sub(r"^(?:(?:pg_dump|pg_restore|psql)\S*\s+)?(?:error|fatal|ERROR|FATAL):\s*", "", line)
    line = redact(line)
    return line.replace(secret, "***") if secret else line


def _run(cmd: list[str], env: dict[str, str], secret: str | None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    if proc.returncode:
        raise _refuse(_tool_error(proc.stderr, secret) or f"{Path(cmd[0]).name} failed ({proc.returncode})")
    return proc


def _pg_revision(settings: HubSettings) -> tuple[str | None, list[str]]:
    """The database's revision and its tables; a plain line when it does not answer."""
    from sqlalchemy import text

    from hub.health import probe

    found = probe(settings)
    if found.engine is None:
        raise _refuse(found.problem)
    try:
        with found.engine.connect() as conn:
            tables = list(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                          .scalars())
    finally:
        found.engine.dispose()
    return found.revision, tables


def _dump_pg(settings: HubSettings, tmp: Path) -> str:
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    revision, _tables = _pg_revision(settings)
    if revision is None:
        raise _refuse(f"the database {redact(settings.database)} has no hub schema: nothing to back up")
    url, env, secret = _libpq(settings)
    try:
        _run([pg_dump, "--format=custom", "--no-password", f"--file={tmp}", f"--dbname={url}"], env, secret)
    except HubError as exc:
        raise _refuse(f"pg_dump failed: {exc.message}") from None
    return _dump_contents(pg_restore, tmp, env)[1]


def _dump_contents(pg_restore: str, path: Path, env: dict[str, str]) -> tuple[set[str], str]:
    """The tables a custom-format dump holds and its schema revision; refused when it is no hub dump."""
    try:
        listing = _run([pg_restore, "--list", str(path)], env, None).stdout.decode("utf-8", "replace")
        data = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)], env, None)
    except HubError as exc:
        raise _refuse(f"{path} is not a whole PostgreSQL hub backup ({exc.message}): use another backup") from None
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.MULTILINE))
    missing = [t for t in HUB_TABLES if t not in tables]
    rows = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$",
                     data.stdout.decode("utf-8", "replace"), re.MULTILINE | re.DOTALL)
    revisions = rows.group(1).split() if rows else []
    if missing or len(revisions) != 1:
        why = f"no table {missing[0]}" if missing else f"{len(revisions)} schema revisions, not one"
        raise _refuse(f"{path} is not a hub backup ({why}): use another backup")
    return tables, revisions[0]


def _restore_pg(settings: HubSettings, path: Path) -> tuple[str | None, str]:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    url, env, secret = _libpq(settings)
    tables, revision = _dump_contents(pg_restore, path, env)
    before, present = _pg_revision(settings)
    extra = sorted(set(present) - tables)
    prelude = "SET client_min_messages = warning;\nBEGIN;\n" + "".join(
        f'DROP TABLE IF EXISTS "{name.replace(chr(34), chr(34) * 2)}" CASCADE;\n' for name in extra)
    _pipe([pg_restore, "--clean", "--if-exists", "--no-owner", "--file=-", str(path)],
          [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", f"--dbname={url}"],
          prelude.encode(), env, secret)
    after, _present = _pg_revision(settings)
    return before, after


def _pipe(script_cmd: list[str], apply_cmd: list[str], prelude: bytes, env: dict[str, str],
          secret: str | None) -> None:
    """pg_restore's SQL into psql after `prelude` (which opens the transaction); COMMIT follows only
    when pg_restore read the whole dump, else psql's end rolls everything back."""
    with tempfile.TemporaryFile() as script_err, tempfile.TemporaryFile() as apply_err:
        script = subprocess.Popen(script_cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=script_err)
        apply = subprocess.Popen(apply_cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=apply_err)
        try:
            apply.stdin.write(prelude)
            shutil.copyfileobj(script.stdout, apply.stdin, 1 << 20)
            if script.wait() == 0:
                apply.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error: its stderr says which
        finally:
            for pipe in (apply.stdin, script.stdout):  # pg_restore, if still writing, ends on its closed pipe
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass
            script.wait()
            apply.wait()
        apply_err.seek(0)
        script_err.seek(0)
        read = _tool_error(script_err.read(), secret) if script.returncode else ""
        if read and "could not write" not in read:  # not just the pipe psql closed when it stopped
            raise _refuse(f"{script_cmd[-1]} is damaged ({read}): use another backup; nothing was changed")
        if apply.returncode or script.returncode:
            why = _tool_error(apply_err.read(), secret) or read or f"pg_restore exit code {script.returncode}"
            raise _refuse(f"the restore failed and changed nothing: {why}")
