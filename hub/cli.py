"""The `kiosk-hub` command: set up and look after the central server (DESIGN.md, "CLI").

Errors an operator can fix end the command with one plain line on stderr: exit code 2 for a bad
setting or usage, 1 for a refused or failed action; the traceback only with `--debug`. Passwords
are read from a file, never from the command line (they would show in `ps` and shell history).
Tokens and enrolment codes are printed once, on stdout alone, so a script can capture them.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import json
import sys
from pathlib import Path

from hub.errors import HubError
from hub.server import DEFAULT_PORT
from hub.settings import CONFIG_NAME, HubSettings, SettingsError, load_settings, redact

EXIT_FAIL = 1
EXIT_USAGE = 2
MAX_PASSWORD_FILE = 4096
HUB_PACKAGES = ("alembic", "psycopg", "pypdfium2")  # the [hub] extra: imported only by the commands that need them
log = logging.getLogger("kiosk-hub")


class CommandError(Exception):
    """A one-line failure; exit code EXIT_FAIL."""


def _actor() -> str:
    """Who ran the command, for the audit log: the server account (no staff account is signed in)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _read_password(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_PASSWORD_FILE + 1)
    except OSError as exc:
        raise CommandError(f"cannot read the password file {path}: {exc.strerror}") from None
    if len(data) > MAX_PASSWORD_FILE:
        raise CommandError(f"the password file {path} is larger than {MAX_PASSWORD_FILE} bytes")
    try:
        return data.decode("utf-8").removesuffix("\n").removesuffix("\r")
    except UnicodeDecodeError:
        raise CommandError(f"the password file {path} is not UTF-8") from None


def _engine(settings: HubSettings, *, at_head: bool = True):
    """The database engine, reachable and (with at_head) migrated to this program's schema."""
    from hub.health import probe, schema_problem

    found = probe(settings, may_create=not at_head)
    if found.engine is None:
        raise CommandError(found.problem)
    problem = schema_problem(found.revision) if at_head else None
    if problem:
        found.engine.dispose()
        raise CommandError(problem)
    return found.engine


def _write_config(settings: HubSettings) -> None:
    """DATA_DIR/hub.toml naming the database, by temp file + fsync + rename."""
    path = settings.data_dir / CONFIG_NAME
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the URL may hold a password
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("# written by kiosk-hub init: the database every kiosk-hub command and worker uses\n")
        f.write(f"database = {json.dumps(settings.database, ensure_ascii=False)}\n")  # a TOML basic string
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---- commands ----------------------------------------------------------------------------

def cmd_init(args, settings: HubSettings) -> int:
    from hub import accounts, keys, migrate

    password = _read_password(args.admin_password_file)
    accounts.check_user_name(args.admin_user)
    accounts.check_password(password)
    settings.data_dir.mkdir(mode=0o750, parents=True, exist_ok=True)
    settings.blobs_dir.mkdir(exist_ok=True)
    if args.database:
        _write_config(settings)
    engine = _engine(settings, at_head=False)
    try:
        from sqlalchemy import select

        from hub import db

        migrate.upgrade(engine)
        with engine.connect() as conn:
            has_user = conn.execute(select(db.users.c.id)).first() is not None
            has_key = conn.execute(select(db.signing_keys.c.id)).first() is not None
        # an init interrupted between its steps is finished by running it again
        done = [f"database {redact(settings.database)} at schema {migrate.head()}"]
        actor = _actor()
        if not has_user:
            accounts.create_user(engine, actor, args.admin_user, password, "admin")
            done.append(f"admin {args.admin_user}")
        if not has_key:
            done.append(f"signing key {keys.create_first(engine, settings.keys_dir, actor)}")
    finally:
        engine.dispose()
    if has_user and has_key:
        done.append("set up before, so no user or key was added")
    print("kiosk-hub init: " + "; ".join(done), file=sys.stderr)
    return 0


def cmd_create_user(args, settings: HubSettings) -> int:
    from hub import accounts

    password = _read_password(args.password_file)
    engine = _engine(settings)
    try:
        accounts.create_user(engine, _actor(), args.name, password, args.role, args.node)
    finally:
        engine.dispose()
    where = "the whole tree" if args.node is None else f"{args.node} and below"
    print(f"kiosk-hub create-user: {args.name} is {args.role} of {where}", file=sys.stderr)
    return 0


def cmd_token(args, settings: HubSettings) -> int:
    from hub import accounts, org

    lifetime = org.parse_duration(args.expires, accounts.MAX_TOKEN_LIFETIME, "a staff API token")
    engine = _engine(settings)
    try:
        token = accounts.create_token(engine, _actor(), args.user, lifetime)
    finally:
        engine.dispose()
    print(token)
    print(f"kiosk-hub token: valid for {args.expires}; only its sha256 is kept", file=sys.stderr)
    return 0


def cmd_enroll_code(args, settings: HubSettings) -> int:
    from hub import org

    lifetime = org.parse_duration(args.expires)
    engine = _engine(settings)
    try:
        centre = org.choose_centre(engine, args.centre)
        code, expires = org.create_code(engine, _actor(), centre, lifetime)
    finally:
        engine.dispose()
    print(code)
    print(f"kiosk-hub enroll-code: for centre {centre}, once, until {expires:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    return 0


def cmd_rotate_key(args, settings: HubSettings) -> int:
    from hub import keys, publish

    engine = _engine(settings)
    try:
        new = keys.rotate(engine, settings.keys_dir, _actor())
        with engine.begin() as conn:  # every manifest signed again, with the new key
            resigned = publish.rebuild_all(conn, settings, force=True)
    finally:
        engine.dispose()
    print(new.public_key)
    print(f"kiosk-hub rotate-key: {len(resigned)} centre manifest(s) signed again with the new key", file=sys.stderr)
    print("kiosk-hub rotate-key: terminals accept the new key through the old key's signature "
          f"{new.rotation_signature}", file=sys.stderr)
    return 0


def cmd_import_demo(args, settings: HubSettings) -> int:
    from hub.demo_import import DEMO_CENTRE, demo_writer, import_demo

    engine = _engine(settings)
    try:
        done = import_demo(engine, settings, _actor(), demo_writer())
    finally:
        engine.dispose()
    if done.existing:
        print(f"kiosk-hub import-demo: the demo centre is on the hub already ({done.existing} items): nothing new; "
              f"{DEMO_CENTRE} at version {done.version}", file=sys.stderr)
    else:
        print(f"kiosk-hub import-demo: {done.items} items published, {done.blobs} new files; "
              f"{DEMO_CENTRE} at version {done.version}", file=sys.stderr)
    return 0


def cmd_migrate(args, settings: HubSettings) -> int:
    """An existing hub's database brought to this release's schema (an upgrade; `init` sets up)."""
    from hub import migrate
    from hub.health import probe

    found = probe(settings)
    if found.engine is None:
        raise CommandError(found.problem)
    try:
        before = found.revision
        if before is None:
            raise CommandError("the database has no hub schema yet: set it up with kiosk-hub init")
        if not migrate.known(before):
            raise CommandError(f"the database is at schema {before}, which this release does not know: a newer "
                               f"release migrated it -- run that release (this one is at {migrate.head()})")
        migrate.upgrade(engine := found.engine)
        after = migrate.current(engine)
    finally:
        found.engine.dispose()
    print(f"kiosk-hub migrate: schema {before} -> {after}" if after != before else
          f"kiosk-hub migrate: already at schema {after}", file=sys.stderr)
    return 0


def cmd_backup(args, settings: HubSettings) -> int:
    from hub import backup

    done = backup.backup(settings, Path(args.path), force=args.force)
    print(f"kiosk-hub backup: {done.database} at schema {done.revision} -> {done.path} ({done.size:,} bytes)",
          file=sys.stderr)
    return 0


def cmd_restore(args, settings: HubSettings) -> int:
    from hub import backup, migrate

    done = backup.restore(settings, Path(args.path))
    note = "" if migrate.known(done.revision) else "; a newer release made it: run that release"
    print(f"kiosk-hub restore: {done.database} restored from {done.path} ({done.size:,} bytes): schema "
          f"{done.before or 'none'} -> {done.revision}{note}", file=sys.stderr)
    return 0


def cmd_check(args, settings: HubSettings) -> int:
    from hub.health import run_checks

    results = run_checks(settings)
    for ok, name, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    return 0 if all(ok for ok, _, _ in results) else EXIT_FAIL


def cmd_serve(args, settings: HubSettings) -> int:
    from hub import keys
    from hub.server import serve

    engine = _engine(settings)  # fail here, once, with a plain line -- not in every worker
    try:
        keys.active(engine, settings.keys_dir)
    finally:
        engine.dispose()
    print(f"kiosk-hub serve: http://{args.host}:{args.port}/ with {args.workers} worker(s) on "
          f"{redact(settings.database)}", file=sys.stderr)
    serve(settings, args.host, args.port, args.workers)
    return 0


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a TCP port (1 to 65535)")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 32:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: workers are 1 to 32 processes")
    return int(text)


# ---- the parser --------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR",
                        help="the hub's folder (default $KIOSK_HUB_DATA_DIR or /var/lib/kiosk-hub)")
    common.add_argument("--database", metavar="URL",
                        help="sqlite:///ABSOLUTE/PATH or postgresql://... (default: DIR/hub.toml, else DIR/hub.sqlite)")
    common.add_argument("--debug", action="store_true", help="log the traceback of a failure")
    parser = argparse.ArgumentParser(prog="kiosk-hub", description="The central server of the lobby kiosks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("serve", parents=[common], help="run the hub's HTTP server (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, behind a proxy)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--workers", type=_workers, default=1,
                   help="worker processes sharing the database (default 1; PostgreSQL for several)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init", parents=[common], help="create the database, the signing key and the first admin")
    p.add_argument("--admin-user", required=True, metavar="NAME")
    p.add_argument("--admin-password-file", required=True, metavar="FILE", help="a file holding the password")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("create-user", parents=[common], help="add a staff user with a role")
    p.add_argument("name")
    p.add_argument("--password-file", required=True, metavar="FILE", help="a file holding the password")
    p.add_argument("--role", required=True, choices=("admin", "editor", "viewer"))
    p.add_argument("--node", metavar="ID", help="the organisation node an editor or viewer covers (with all below)")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("token", parents=[common], help="print a new staff API token for a user")
    p.add_argument("--user", required=True, metavar="NAME")
    p.add_argument("--expires", default="365d", metavar="DURATION",
                   help="how long the token works: 30m, 24h, 90d (default 365d, at most 3650d)")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("enroll-code", parents=[common], help="print a one-time code that enrols a terminal")
    p.add_argument("--centre", metavar="ID", help="the centre (default: the only one)")
    p.add_argument("--expires", default="24h", metavar="DURATION", help="lifetime: 30m, 24h, 7d (default 24h)")
    p.set_defaults(func=cmd_enroll_code)

    p = sub.add_parser("rotate-key", parents=[common], help="a new signing key, signed by the current one")
    p.set_defaults(func=cmd_rotate_key)

    p = sub.add_parser("import-demo", parents=[common],
                       help="the embedded demo centre as hub content: its organisation nodes, items and files")
    p.set_defaults(func=cmd_import_demo)

    p = sub.add_parser("migrate", parents=[common],
                       help="bring an existing hub's database to this release's schema (before serving an upgrade)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("backup", parents=[common],
                       help="a consistent copy of the database in the file PATH, safe while the hub runs")
    p.add_argument("path", metavar="PATH", help="the backup file (SQLite: a database file; PostgreSQL: pg_dump -Fc)")
    p.add_argument("--force", action="store_true", help="replace PATH when it exists")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common],
                       help="put the database back to a backup, schema revision included (stop the hub first)",
                       description="Put the hub's database back to the content and schema revision of a file "
                                   "written by kiosk-hub backup. Stop the hub first (systemctl stop kiosk-hub): "
                                   "a running hub would keep serving what it had cached.")
    p.add_argument("path", metavar="PATH", help="a file written by kiosk-hub backup")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("check", parents=[common],
                       help="database reachable and at schema head, key files 0600, blob folder writable")
    p.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(message)s")
    prefix = f"kiosk-hub {args.command}"
    try:
        settings = load_settings(args.data_dir, args.database)
    except SettingsError as exc:
        print(f"{prefix}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args, settings)
    except (CommandError, HubError) as exc:
        log.debug("%s failed", prefix, exc_info=True)
        print(f"{prefix}: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except ModuleNotFoundError as exc:
        if exc.name not in HUB_PACKAGES:
            raise
        print(f"{prefix}: the hub's packages are not installed ({exc.name}): pip install 'lobby-kiosk[hub]'",
              file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
