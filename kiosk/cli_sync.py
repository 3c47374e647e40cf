"""`kiosk enroll`, `kiosk sync heartbeat`, `kiosk sync once` and `kiosk sync run`: the terminal's
identity, health report and content pull (sync/; docs/sync.md). Failures end with one line on stderr saying what broke and how to fix it,
and exit code 1 -- or 2 when `kiosk sync run` finds a damaged identity, which no restart fixes
(kiosk-sync.service: RestartPreventExitStatus=2)."""
from __future__ import annotations

import argparse
import sys

EXIT_FAIL = 1
EXIT_CONFIG = 2  # the service's "do not restart me": kiosk-sync.service's RestartPreventExitStatus


def _fail(message: str, code: int = EXIT_FAIL) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def cmd_enroll(args, settings) -> int:
    from sync.enroll import EnrolError, enroll

    hub = args.hub or settings.hub_url
    if not hub:
        return _fail("no hub URL: give --hub https://hub.example.gov.cn (or set hub_url in the config)")
    try:
        me = enroll(settings.data_dir, hub, args.code, args.name, force=args.force)
    except EnrolError as exc:
        return _fail(str(exc))
    print(f"enrolled as {me.terminal_id} ({me.name}) with {me.hub_url}; identity in "
          f"{settings.data_dir}/identity.json (hub key {me.hub_public_key[:12]}… pinned)")
    if settings.hub_url and settings.hub_url.rstrip("/") != me.hub_url:
        print(f"note: the config's hub_url is {settings.hub_url}; the sync uses the enrolled {me.hub_url}",
              file=sys.stderr)
    return 0


def devices_of(settings):
    from sync.health import Devices

    return Devices(printer=bool(settings.printer.url), reader=bool(settings.idcard.enabled))


def cmd_heartbeat(args, settings) -> int:
    from sync.health import ReportFailed, report_once
    from sync.identity import IdentityError

    try:
        report = report_once(settings.data_dir, devices_of(settings), screenshot_wait_s=args.screenshot_wait)
    except IdentityError as exc:
        return _fail(str(exc))
    except ReportFailed as exc:
        return _fail(f"{exc}" + (" (the hub may be down: the sync retries with backoff)"
                                 if exc.problem is not None and exc.problem.retry else ""))
    reply = report.reply
    print(f"heartbeat ok; hub's latest version: {reply.latest_version or 'none published'}")
    if report.screenshot:
        print(f"screenshot: {report.screenshot}")
    for batch in report.stats.sent:
        print(f"stats sent: {batch}")
    for problem in report.stats.rejected:
        print(f"kiosk: stats refused: {problem}", file=sys.stderr)
    if report.stats.problem is not None:
        print(f"kiosk: stats not sent now: {report.stats.problem}", file=sys.stderr)
    return 0


def cmd_once(args, settings) -> int:
    """One content pull, then one heartbeat (which carries the pull's outcome)."""
    from sync.http import HubProblem
    from sync.identity import IdentityError
    from sync.pull import PullFailed, PullRejected, pull_once

    code = 0
    try:
        print(pull_once(settings.data_dir, wait=args.wait))
    except IdentityError as exc:
        return _fail(str(exc))
    except (PullRejected, PullFailed, HubProblem) as exc:
        code = _fail(f"content sync: {exc}")
    return cmd_heartbeat(argparse.Namespace(screenshot_wait=0.0), settings) or code


def cmd_run(args, settings) -> int:
    from kiosk.sync_loop import run_loop
    from sync.identity import IdentityError

    try:
        return run_loop(settings.data_dir, devices_of(settings), heartbeat_s=args.heartbeat or settings.sync.heartbeat_s)
    except IdentityError as exc:  # damaged or unreadable (not enrolled at all: the loop waits)
        return _fail(str(exc), EXIT_CONFIG)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: seconds from 0 to 60")
    return value


def add_parser(sub, common) -> None:
    p = sub.add_parser("enroll", parents=[common], help="enrol this terminal with the hub (a one-time code from the "
                       "hub's staff) and pin the hub's key")
    p.add_argument("--hub", metavar="URL", help="the hub, e.g. https://hub.example.gov.cn (default: hub_url of the config)")
    p.add_argument("--code", required=True, metavar="CODE", help="the one-time enrolment code (kiosk-hub enroll-code)")
    p.add_argument("--name", metavar="NAME", help="the name staff see in the fleet view (default: the host name)")
    p.add_argument("--force", action="store_true", help="replace an identity pinned to another hub key (a "
                   "reinstalled or another hub), or a damaged identity.json")
    p.set_defaults(func=cmd_enroll, needs_settings=True)

    sync = sub.add_parser("sync", help="talk to the hub: heartbeat, content")
    ssub = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    p = ssub.add_parser("heartbeat", parents=[common], help="send one heartbeat, a screenshot the hub asked for, "
                        "and the queue figures of days that have ended")
    p.add_argument("--screenshot-wait", type=_seconds, default=5.0, metavar="S",
                   help="seconds to wait for the app's screenshot when the hub asks for one (default 5)")
    p.set_defaults(func=cmd_heartbeat, needs_settings=True)

    p = ssub.add_parser("once", parents=[common], help="pull the hub's content once (a new version is built and "
                        "shown at the next return home), then send one heartbeat")
    p.add_argument("--wait", type=_seconds, default=0.0, metavar="S",
                   help="hold the manifest request up to S seconds for a change (default 0)")
    p.set_defaults(func=cmd_once, needs_settings=True)
    p = ssub.add_parser("run", parents=[common], help="the sync service: long-poll the hub for content, heartbeat "
                        "every minute, back off while the hub is unreachable; not enrolled yet, wait for "
                        "enrolment (SIGTERM ends it)")
    p.add_argument("--heartbeat", type=float, default=None, metavar="S", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run, needs_settings=True)
