"""Is the hub fit to serve? `probe` opens the database for every command; `run_checks` is
`kiosk-hub check`: each check one line with its fix."""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub import consistency, db, keys, migrate
from hub.blobstore import BlobStore
from hub.errors import HubError
from hub.settings import HubSettings, redact

Result = tuple[bool, str, str]  # (ok, name, detail)


@dataclass
class Probe:
    engine: Engine | None        # open (the caller disposes of it) when the database answered
    revision: str | None         # the database's schema revision (None: empty)
    problem: str | None = None   # why there is no engine: one line with the fix


def probe(settings: HubSettings, *, may_create: bool = False) -> Probe:
    """Open the database and read its revision; never creates a SQLite file unless `may_create`."""
    missing = None if may_create else settings.missing_sqlite_file()
    if missing:
        return Probe(None, None, f"no hub database at {missing}: run kiosk-hub init first")
    engine = db.make_engine(settings.database)
    try:
        return Probe(engine, migrate.current(engine))
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return Probe(None, None, f"cannot reach the database {redact(settings.database)}: {reason}")


def schema_problem(revision: str | None) -> str | None:
    """None when `revision` is this program's head; else what is wrong and the fix."""
    if revision == migrate.head():
        return None
    if revision is None:
        return "empty database: run kiosk-hub init first"
    fix = "update the program" if not migrate.known(revision) else "run kiosk-hub init to migrate"
    return f"the database is at schema {revision}, this program's is {migrate.head()}: {fix}"


def _database(settings: HubSettings) -> tuple[list[Result], Engine | None]:
    found = probe(settings)
    if found.engine is None:
        return [(False, "database", found.problem)], None
    problem = schema_problem(found.revision)
    return [(True, "database", redact(settings.database)),
            (problem is None, "schema", problem or f"at {found.revision} (head)")], found.engine


def _keys(settings: HubSettings, engine) -> list[Result]:
    try:
        files = keys.key_files(engine)
        current = keys.active(engine, settings.keys_dir)
    except HubError as exc:
        return [(False, "signing key", exc.message)]
    for name in files:
        path = settings.keys_dir / name
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError as exc:
            return [(False, "signing key", f"{path}: {exc.strerror} (an old key is needed to show the chain)")]
        if mode & 0o077:
            return [(False, "signing key", f"{path} has mode {mode:04o}: chmod 600 {path}")]
    return [(True, "signing key", f"{current.public_key} ({len(files)} key file(s), mode 0600)")]


def _blobs(settings: HubSettings) -> Result:
    folder = settings.blobs_dir
    try:
        fd, name = tempfile.mkstemp(prefix=".check-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return False, "blob folder", f"{folder} is not writable: {exc.strerror}"
    return True, "blob folder", f"{folder} writable"


def run_checks(settings: HubSettings) -> list[Result]:
    results, engine = _database(settings)
    try:
        if engine is not None and results[-1][0]:
            store = BlobStore(settings.blobs_dir)
            results += [*_keys(settings, engine), consistency.blobs(engine, store),
                        consistency.manifests(engine, store)]
    finally:
        if engine is not None:
            engine.dispose()
    return [*results, _blobs(settings)]
