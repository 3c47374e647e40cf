"""`kiosk-hub check`: what must hold for the hub to serve -- each check one line with a fix."""
from __future__ import annotations

import os
import stat
import tempfile

from sqlalchemy.exc import SQLAlchemyError

from hub import db, keys, migrate
from hub.errors import HubError
from hub.settings import HubSettings, redact

Result = tuple[bool, str, str]  # (ok, name, detail)


def _database(settings: HubSettings) -> tuple[list[Result], object]:
    missing = settings.missing_sqlite_file()
    if missing:
        return [(False, "database", f"no hub database at {missing}: run kiosk-hub init first")], None
    engine = db.make_engine(settings.database)
    try:
        revision = migrate.current(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return [(False, "database", f"{redact(settings.database)} does not answer: {reason}")], None
    out: list[Result] = [(True, "database", redact(settings.database))]
    if revision == migrate.head():
        out.append((True, "schema", f"at {revision} (head)"))
    elif revision is None:
        out.append((False, "schema", "empty database: run kiosk-hub init"))
    else:
        fix = "update the program" if not migrate.known(revision) else "run kiosk-hub init to migrate"
        out.append((False, "schema", f"at {revision}, head is {migrate.head()}: {fix}"))
    return out, engine


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
            results += _keys(settings, engine)
    finally:
        if engine is not None:
            engine.dispose()
    return [*results, _blobs(settings)]
