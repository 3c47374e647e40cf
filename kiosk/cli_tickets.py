"""`kiosk tickets serve|user`: the lobby queue service and its counter accounts."""
from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

DEFAULT_PORT = 8300
EXIT_FAIL = 1
EXIT_CONFIG = 2  # kiosk-tickets.service's RestartPreventExitStatus: a restart would not fix it
DEMO_USER = "demo"
TOKEN_ENV = "KIOSK_TICKETS_TOKEN"


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a TCP port (1 to 65535)")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 16:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: workers are 1 to 16 processes")
    return int(text)


def kiosk_token(settings) -> str:
    return os.environ.get(TOKEN_ENV) or settings.tickets.token


def _options(args, settings, token: str):
    from tickets.server import ServeOptions

    from tickets.rules import QueueRules

    rules = {k: getattr(settings.tickets, k) for k in QueueRules.model_fields}
    if args.demo:
        rules["clock"] = "trust"  # a demo machine's clock may not report NTP sync; the demo still resets daily
    return ServeOptions(data_dir=str(settings.data_dir), token=token, rules=rules, terminal="queue", demo=args.demo)


def _read_password(args) -> str:
    if args.password_file:
        try:
            text = Path(args.password_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(f"kiosk tickets user add: cannot read {args.password_file}: {exc}") from None
        return text.rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("kiosk tickets user add: the two passwords differ; nothing was changed")
    return first


def _build(options, demo_password: str | None):
    """(queue, exit code): the queue -- with no services yet when there is nothing to queue for
    (tickets.server.build) -- or None and the code to exit with: 2 for a missing setting, 1 for
    another failure."""
    from tickets.queue import QueueError
    from tickets.server import ConfigProblem, ServeError, build

    try:
        queue, accounts = build(options)
        if demo_password:
            accounts.add_user(DEMO_USER, demo_password)
        return queue, 0
    except ConfigProblem as exc:
        print(f"kiosk tickets serve: {exc}", file=sys.stderr)
        return None, EXIT_CONFIG
    except (ServeError, QueueError) as exc:
        print(f"kiosk tickets serve: {exc}", file=sys.stderr)
        return None, EXIT_FAIL


def cmd_serve(args, settings) -> int:
    from tickets.server import RELOAD_POLL_S, serve

    token = kiosk_token(settings)
    demo_password = None
    if args.demo:
        from kiosk.demo_queue import DEMO_TOKEN

        token = token or DEMO_TOKEN
        demo_password = secrets.token_urlsafe(6)
    options = _options(args, settings, token)
    queue, code = _build(options, demo_password)
    if queue is None:
        return code
    queue.engine.dispose()
    if queue.waiting_for is not None:  # a fresh queue host: it answers, with no services yet
        print(f"tickets: {queue.waiting_for}. Serving with no ticket services: they are taken from the "
              f"installed content once it has some (looking every {RELOAD_POLL_S:g} s)", file=sys.stderr)
        status = f"waiting for content with ticket services: {queue.waiting_for.status}; answering on port {args.port}"
    else:
        services = ", ".join(f"{s.code} {s.name}" for s in queue.services.values())
        print(f"tickets: queue for {services}; data in {settings.data_dir / 'tickets.sqlite'}", file=sys.stderr)
        status = f"serving the queue for {', '.join(queue.services)} on port {args.port}"
    if demo_password:
        print(f"tickets: counter page http://{args.host}:{args.port}/counter/ -- sign in as {DEMO_USER} / "
              f"{demo_password}; kiosks send 'Authorization: Bearer {token}'", file=sys.stderr)
    from kiosk.watchdog import notify_when_listening

    notify_when_listening(args.host, args.port, status=status)  # READY=1 for kiosk-tickets.service
    serve(options, args.host, args.port, args.workers)
    return 0


def _accounts(settings):
    from tickets import db
    from tickets.auth import Accounts
    from tickets.clock import SystemClock

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.data_dir / "tickets.sqlite")
    db.create_schema(engine)
    return Accounts(engine, SystemClock(), kiosk_token(settings))


def cmd_user(args, settings) -> int:
    from tickets.queue import QueueError

    accounts = _accounts(settings)
    try:
        if args.user_command == "add":
            accounts.add_user(args.name, _read_password(args), args.window)
            where = "、".join(args.window) if args.window else "every window"
            print(f"counter user {args.name} can sign in at /counter/ and call at {where}")
        elif args.user_command == "remove":
            if not accounts.remove_user(args.name):
                print(f"kiosk tickets user remove: no user {args.name!r}", file=sys.stderr)
                return 1
            print(f"removed {args.name}; their sessions ended")
        else:
            for name, windows in accounts.list_users():
                print(f"{name}\t{'、'.join(windows) if windows else '(every window)'}")
    except QueueError as exc:
        print(f"kiosk tickets user {args.user_command}: {exc.message}", file=sys.stderr)
        return 1
    finally:
        accounts.engine.dispose()
    return 0


def add_parser(sub, common) -> None:
    tickets = sub.add_parser("tickets", help="the lobby queue: serve it, manage counter accounts")
    tsub = tickets.add_subparsers(dest="tickets_command", metavar="ACTION", required=True)
    p = tsub.add_parser("serve", parents=[common], help="run the queue service (HTTP) for kiosks, counters, displays")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for the LAN)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--workers", type=_workers, default=1, help="worker processes sharing tickets.sqlite (default 1)")
    p.add_argument("--demo", action="store_true",
                   help="the demo centre's services, always open, and a demo counter account (printed)")
    p.set_defaults(func=cmd_serve, needs_settings=True)
    user = tsub.add_parser("user", help="counter accounts: add, list, remove")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    p = usub.add_parser("add", parents=[common], help="add a counter user or set a new password")
    p.add_argument("name")
    p.add_argument("--password-file", metavar="FILE", help="read the password from FILE (default: ask twice)")
    p.add_argument("--window", action="append", metavar="NAME",
                   help="a window they may call at, as the content names it (repeatable; default: every window)")
    p.set_defaults(func=cmd_user, needs_settings=True)
    p = usub.add_parser("remove", parents=[common], help="remove a counter user and end their sessions")
    p.add_argument("name")
    p.set_defaults(func=cmd_user, needs_settings=True)
    p = usub.add_parser("list", parents=[common], help="list counter users")
    p.set_defaults(func=cmd_user, needs_settings=True)
