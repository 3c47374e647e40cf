"""The `kiosk` command (DESIGN.md, "CLI").

Errors a maintainer can fix (a bad config value, a broken bundle, a missing font) end the
command with one plain line and a non-zero exit code; the traceback goes to the log only with
`--debug`.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk.config import ConfigError, Settings, hash_pin, load_config
from kiosk.config_read import one_line

log = logging.getLogger("kiosk")

EXIT_FAIL = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A failure with a message for the maintainer; exit code EXIT_FAIL."""


def _settings(args) -> Settings:
    """The validated settings; a data dir that is not a folder stops every command except the one
    that reports it (`kiosk doctor`, which sets `reports_data_dir`)."""
    return load_config(getattr(args, "config", None), getattr(args, "data_dir", None),
                       check_folder=not getattr(args, "reports_data_dir", False))


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1080x1920") from None
    if not (240 <= w <= 7680 and 240 <= h <= 7680):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 240 to 7680 pixels")
    return w, h


def _time(text: str):
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-12-02T09:00+08:00") from None


# ---- commands ----------------------------------------------------------------------------

def cmd_run(args) -> int:
    settings = _settings(args)  # first: a bad config is reported before any heavy import
    from kiosk.content_source import open_view

    if args.role:
        settings = settings.model_copy(update={"role": args.role})
    view = open_view(settings.data_dir, install=True)
    from kiosk.app_run import run_app

    return run_app(settings, view)  # 75 after 重启程序: kiosk.service starts it again


def cmd_demo(args) -> int:
    settings = _settings(args)
    from kiosk.content_source import demo_cache_dir, ensure_demo
    from content.store import open_current

    data_dir = settings.data_dir if args.data_dir is not None else demo_cache_dir().parent / "demo-run"
    w, h = args.size
    display = settings.display.model_copy(update={"width": w, "height": h, "fullscreen": False})
    settings = settings.model_copy(update={"data_dir": data_dir, "display": display})
    ensure_demo(data_dir)
    print(f"demo: content in {data_dir}; window {w}x{h}", file=sys.stderr)
    from kiosk.app_run import run_app
    from kiosk.demo_devices import DEMO_PIN, DemoDevices
    from kiosk.demo_queue import DemoQueue

    if args.role:
        settings = settings.model_copy(update={"role": args.role})
    with DemoQueue(data_dir) as queue, \
            DemoDevices(data_dir, settings.printer.paper_width_mm, settings.printer.encoding) as demo:
        pin = None if settings.maintenance.pin_hash else DEMO_PIN
        settings = demo.apply(settings, hash_pin(pin) if pin else None)
        settings = settings.model_copy(update={"tickets": settings.tickets.model_copy(
            update={"url": queue.url, "token": queue.token})})
        print(f"demo: simulated printer on {demo.printer.url}; job PNGs go to {demo.jobs_dir}", file=sys.stderr)
        print(f"demo: simulated ID reader on {demo.reader_port}; place the sample card from the maintenance "
              f"screen (five taps in the top-left corner, PIN {pin or 'from your config'})", file=sys.stderr)
        login = f"sign in as {queue.login[0]} / {queue.login[1]}" if queue.login else "its counter login is in the " \
            "output of the demo that started it"
        print(f"demo: lobby queue on {queue.url} -- counter page {queue.url}/counter/ ({login}), calling board "
              f"{queue.url}/display/ or `kiosk demo --role display --size 1920x1080` in another terminal", file=sys.stderr)
        run_app(settings, open_current(data_dir), demo=demo)
    return 0


def cmd_screenshot(args) -> int:
    settings = _settings(args)
    from kiosk.content_source import open_view

    view = open_view(settings.data_dir, install=False)
    from kiosk.screenshot import take_screenshots

    try:
        paths = take_screenshots(settings, view, args.size, Path(args.out), args.screen or None,
                                 item=args.item, at=args.at)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    for p in paths:
        print(p)
    return 0


def cmd_content_check(args) -> int:
    from content.check import check_bundle

    result = check_bundle(Path(args.path), max_blob_bytes=int(args.max_blob_mb * (1 << 20)))
    if result.ok:
        m = result.manifest
        print(f"ok: {args.path}: version {m.version}, {len(m.items)} items, {len(m.blobs)} blobs")
        return 0
    for problem in result.problems:
        print(f"{args.path}: {problem}", file=sys.stderr)
    print(f"{len(result.problems)} problem(s); nothing was installed", file=sys.stderr)
    return EXIT_FAIL


def cmd_content_demo(args) -> int:
    from content.demo import write_demo_bundle

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise CommandError(f"{out} exists and is not empty: choose a new folder")
    manifest = write_demo_bundle(out)
    print(f"wrote the demo bundle to {out}: version {manifest['version']}, {len(manifest['items'])} items, "
          f"{len(manifest['blobs'])} blobs")
    return 0


def cmd_content_search(args) -> int:
    settings = _settings(args)
    from kiosk.content_source import open_view

    view = open_view(settings.data_dir, install=False)
    for guide in view.search(args.query, limit=args.limit):
        print(f"{guide.id}\t{guide.title}")
    return 0


def cmd_hash_pin(args) -> int:
    import getpass

    pin = args.pin if args.pin is not None else getpass.getpass("maintenance PIN (4-12 digits): ")
    try:
        print(hash_pin(pin))
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return 0


# ---- parser ------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="settings file (default: $KIOSK_CONFIG, then /etc/kiosk/kiosk.toml)")
    common.add_argument("--data-dir", metavar="DIR", help="terminal data folder (overrides the config)")
    common.add_argument("--debug", action="store_true", help="log debug messages and tracebacks")

    parser = argparse.ArgumentParser(prog="kiosk", description="Lobby touchscreen terminal of a community service centre.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("run", parents=[common], help="start the fullscreen terminal app")
    p.add_argument("--role", choices=["terminal", "display"], help="override the configured role")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", parents=[common], help="run the app in a window on the embedded demo centre, "
                       "with a simulated printer and ID reader and a lobby queue service")
    p.add_argument("--size", type=_size, default=(1080, 1920), metavar="WxH", help="window size (default 1080x1920)")
    p.add_argument("--role", choices=["terminal", "display"], help="the resident terminal (default) or the calling board")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("screenshot", parents=[common], help="render screens to PNG offscreen (no display needed)")
    p.add_argument("--size", type=_size, required=True, metavar="WxH", help="e.g. 1080x1920, 1920x1080, 800x480")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for NAME.png files")
    p.add_argument("--screen", action="append", metavar="NAME", help="only this screen (repeatable; default all)")
    p.add_argument("--item", metavar="ID", help="the item a detail screen shows (default: a representative one)")
    p.add_argument("--at", type=_time, metavar="TIME", help="the clock the app sees, ISO 8601 (what is live then)")
    p.set_defaults(func=cmd_screenshot)

    content = sub.add_parser("content", help="content bundles: check, demo, search")
    csub = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    p = csub.add_parser("check", parents=[common], help="validate a bundle directory or .tar.gz")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--max-blob-mb", type=float, default=50, help="largest blob accepted (default 50 MB)")
    p.set_defaults(func=cmd_content_check)
    p = csub.add_parser("demo", parents=[common], help="write the embedded demo bundle as a directory")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=cmd_content_demo)
    p = csub.add_parser("search", parents=[common], help="search guides: prints id<TAB>title, best first")
    p.add_argument("query", metavar="QUERY", help="Chinese, full pinyin or initials, e.g. dbsq")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_content_search)

    from devices.idcard.cli import add_idcard_command, add_sim_idcard
    from kiosk import cli_devices, cli_sync, cli_tickets, doctor

    sim_sub = cli_devices.add_parsers(sub, common)
    add_sim_idcard(sim_sub, common)
    add_idcard_command(sub, common, default_port=lambda a: _settings(a).idcard.port)
    doctor.add_parser(sub, common)
    cli_tickets.add_parser(sub, common)
    cli_sync.add_parser(sub, common)

    p = sub.add_parser("hash-pin", help="print the argon2 hash of a maintenance PIN for maintenance.pin_hash")
    p.add_argument("--pin", help="the PIN (default: ask without echo)")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_hash_pin)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if getattr(args, "needs_settings", False):
            return args.func(args, _settings(args))
        return args.func(args)
    except ConfigError as exc:  # bounded and escaped by kiosk.config: one line a problem
        for line in exc.lines:
            print(f"kiosk: {line}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except Exception as exc:  # anything else: one line for the maintainer, details with --debug
        if args.debug:
            log.exception("%s failed", args.command)
        print(f"kiosk {args.command}: {type(exc).__name__}: {one_line(exc)} (run with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
