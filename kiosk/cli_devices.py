"""`kiosk print-test` and `kiosk sim printer`: the printer side of the CLI."""
from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
from pathlib import Path

from content.schemas import CST
from devices.idcard.cli import bounded_float

REASON_TEXT = {
    "offline": "the printer is offline or cannot be reached (check power, cable/network, the URL)",
    "cover_open": "the printer cover is open (close it)",
    "paper_out": "the printer is out of paper (load a new roll)",
    "timeout": "the printer did not finish within --timeout (check the cable/network; is it an ESC/POS printer?)",
    "unknown": "the printer's status reply was malformed (is it an ESC/POS printer? right baud rate?)",
}
TIMEOUT_RANGE = (0.1, 300.0)  # kiosk print-test --timeout: one job's deadline, seconds


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 meaning any free one."""
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 0 (any free port) to 65535")
    return int(text)


def cmd_print_test(args, settings) -> int:
    from devices.documents import printer_test_page
    from devices.printer import Printer
    from kiosk.i18n import _, set_locale

    set_locale(settings.locale)
    url = args.printer or settings.printer.url
    if not url:
        print("kiosk print-test: no printer configured: set [printer] url in the config or pass --printer URL",
              file=sys.stderr)
        return 2
    try:
        printer = Printer(url, settings.printer.encoding, settings.printer.paper_width_mm, timeout=args.timeout)
    except ValueError as exc:
        print(f"kiosk print-test: {exc}", file=sys.stderr)
        return 2
    page = printer_test_page(_, url=url, encoding=settings.printer.encoding, paper_mm=settings.printer.paper_width_mm,
                     printed_at=dt.datetime.now(CST))
    job = printer.print_receipt(page, "test page")
    if job.printed:
        print(f"printed the test page on {url}" + (" (paper is running low)" if job.paper_near_end else ""))
        return 0
    print(f"kiosk print-test: failed: {job.reason}: {REASON_TEXT.get(job.reason, job.reason)}\n"
          f"  {job.detail}", file=sys.stderr)
    return 1


def cmd_sim_printer(args, settings) -> int:
    from devices.sim_printer import FAULTS, STATES, PrinterSimulator

    out = Path(args.out)
    sim = PrinterSimulator(host=args.host, port=args.port, out_dir=out,
                           width_dots=576 if args.paper_mm == 80 else 384, encoding=args.encoding,
                           state=args.paper, fault=args.fault)
    try:
        sim.start()
    except OSError as exc:
        print(f"kiosk sim printer: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"simulated printer listening on {sim.url} ({args.paper_mm} mm, {args.encoding}); "
          f"job PNGs go to {out.resolve()}", flush=True)
    print(f"type a state and Enter to change it: {', '.join(STATES)}; or fault NAME: {', '.join(FAULTS)}",
          flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    if sys.stdin and sys.stdin.isatty() or args.control_stdin:
        threading.Thread(target=_read_states, args=(sim, stop), daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    sim.stop()
    print(f"{len(sim.jobs)} job(s) printed", flush=True)
    return 0


def _read_states(sim, stop: threading.Event) -> None:
    for line in sys.stdin:
        word = line.strip()
        if not word:
            continue
        try:
            if word.startswith("fault "):
                sim.set_fault(word.split(None, 1)[1])
            else:
                sim.set_state(word)
            print(word if word.startswith("fault ") else f"state: {word}", flush=True)
        except ValueError as exc:
            print(exc, flush=True)
    stop.set()


def add_parsers(sub, common) -> None:
    p = sub.add_parser("print-test", parents=[common], help="print the test page; non-zero exit with the reason on failure")
    p.add_argument("--printer", metavar="URL", help="tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, usb://VID:PID, file:///path")
    p.add_argument("--timeout", type=bounded_float(*TIMEOUT_RANGE, " seconds"), default=3.0, metavar="S",
                   help="deadline for the whole job: connect, status, send, status (0.1 to 300 s, default 3)")
    p.set_defaults(func=cmd_print_test, needs_settings=True)

    sim = sub.add_parser("sim", help="device simulators that speak the real protocols")
    ssub = sim.add_subparsers(dest="sim_command", metavar="DEVICE", required=True)
    p = ssub.add_parser("printer", parents=[common], help="an ESC/POS network printer that saves each job as a PNG")
    p.add_argument("--port", type=port_number, default=9100, help="TCP port (0: any free port; default 9100)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--paper", choices=["ok", "near-end", "out", "cover-open", "offline", "silent", "garbled"], default="ok",
                   help="starting state (change it while running by typing a state on stdin)")
    p.add_argument("--fault", choices=["none", "slow-status", "slow-read", "drop-mid-job", "reset-mid-job", "extra-byte",
                                       "stall"], default="none",
                   help="a link fault with its default parameters (devices/sim_printer.py; `fault NAME` on stdin)")
    p.add_argument("--paper-mm", type=int, choices=[58, 80], default=80)
    p.add_argument("--encoding", choices=["gb18030", "gbk"], default="gb18030")
    p.add_argument("--out", default="sim-printer-jobs", metavar="DIR", help="folder for job-NNNN.png")
    p.add_argument("--control-stdin", action="store_true", help="read state changes from stdin even when it is not a terminal")
    p.set_defaults(func=cmd_sim_printer, needs_settings=True)
    return ssub
