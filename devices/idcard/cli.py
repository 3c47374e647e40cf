"""``kiosk idcard read`` and ``kiosk sim idcard``: the functions and their argparse wiring.

kiosk/cli.py owns the ``kiosk`` parser and calls ``add_idcard_command(sub, common)`` and
``add_sim_idcard(sim_sub, common)`` (``sim`` is shared with ``sim printer``). Both set
``func`` to a function taking ``args`` and returning the exit code, like the other commands.
Also runnable alone: ``python -m devices.idcard.cli idcard read --port /dev/pts/3``.

``kiosk idcard read`` prints exactly one JSON object (IdCard.to_public_json) on stdout, or one
plain line on stderr and exit code 1: no reader, no card before the timeout, a garbled
reader, a card it cannot read or that is refused as impossible. Numeric options are checked
by argparse (finite, in range: exit 2 with a line naming the option and the range); a port
that cannot be opened, or a ``virtual:FILE`` whose file is not a card description, fails at
once with the reason.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import queue
import signal
import socketserver
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .cardfile import CardFileError, load_card_file
from .frames import ReaderError
from .reader import IdCardReader, ReaderListener, ReaderState, ReaderTimings
from .sim import FAULTS, PtySimulator, SimReader
from .transport import open_transport

log = logging.getLogger("devices.idcard.cli")

DEFAULT_PORT = "/dev/ttyUSB0"
EXIT_FAIL = 1
# Failures after which waiting longer will not help: the card on the reader cannot be read.
_CARD_REFUSED = ("unknown_card_type", "invalid_card")
TIMEOUT_RANGE = (1.0, 3600.0)     # kiosk idcard read --timeout, seconds
READ_DELAY_RANGE = (0.0, 10.0)    # kiosk sim idcard --read-delay, seconds
MISS_RATE_RANGE = (0.0, 1.0)      # kiosk sim idcard --find-miss-rate


def _refused(reason: str | None) -> bool:
    return reason is not None and reason.partition(":")[0] in _CARD_REFUSED


def bounded_float(low: float, high: float, unit: str = ""):
    """An argparse ``type``: a finite number from ``low`` to ``high``. argparse prefixes the
    message with the option (``argument --timeout: ...``) and exits 2."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number from {low:g} to {high:g}{unit}")
        return value
    parse.__name__ = "number"
    return parse


def non_empty(what: str):
    """An argparse ``type``: any text but an empty one (leaving the option out gives the
    default; giving it empty is a mistake, not a request for the default)."""
    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"empty: give {what}")
        return text
    parse.__name__ = "text"
    return parse
_GARBLED = ("bad_header", "bad_length", "bad_checksum", "truncated", "trailing_garbage", "unknown_status")


class ReadFailed(Exception):
    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def _explain(reason: str, port: str, timeout: float) -> str:
    if reason == "no_reader":
        return (f"no reader at {port}: check the cable, the port ([idcard] port in kiosk.toml or "
                f"--port) and that this user may open it (group dialout)")
    if reason == "timeout":
        return f"no card was placed on the reader within {timeout:g} s"
    if reason in _GARBLED:
        return (f"the reader at {port} answers garbled bytes ({reason}): check that nothing else "
                f"uses the port, and the reader's baud rate (115200)")
    if reason == "unknown_card_type":
        return "this card type cannot be read here (only 居民身份证, 港澳台居民居住证, 外国人永久居留身份证)"
    if reason.startswith("invalid_card"):
        field = reason.partition(":")[2] or "a field"
        return (f"the card was read but refused ({reason}): {field} is not consistent with the rest "
                f"of the card (a damaged card or a bad read; try again, else the card cannot be used here)")
    if reason == "read_failed":
        return "the card could not be read (moved away too early?): place it flat and keep it there"
    return f"the reader at {port} failed: {reason}"


class _Collect(ReaderListener):
    def __init__(self):
        self.events: queue.Queue = queue.Queue()

    def on_card(self, card) -> None:
        self.events.put(("card", card))

    def on_error(self, reason: str) -> None:
        self.events.put(("error", reason))

    def on_state(self, state: str) -> None:
        self.events.put(("state", state))


def read_once(port: str, timeout: float = 20.0, timings: ReaderTimings | None = None) -> dict:
    """Wait for one card on ``port`` and return its public JSON; raise ReadFailed otherwise.

    The port is opened once first, so one that cannot be (missing, a directory, a regular
    file, not a serial device, a bad ``virtual:FILE``) fails at once with its reason.
    """
    try:
        open_transport(port).close()
    except ReaderError as exc:
        raise ReadFailed("no_reader", f"no reader at {port}: {exc}") from None
    listener = _Collect()
    reader = IdCardReader(port, listener, timings)
    reader.start()
    deadline = time.monotonic() + timeout
    last_error = None
    failed_probes = 0
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                kind, value = listener.events.get(timeout=remaining)
            except queue.Empty:
                break
            if kind == "card":
                return value.to_public_json()
            if kind == "state":
                if value in (ReaderState.WAITING, ReaderState.PRESENT):
                    last_error = None
                elif value == ReaderState.ERROR and not reader.probed_once:
                    failed_probes += 1
                    if failed_probes >= 3 and last_error == "timeout":
                        break  # a port where nothing answers: no need to wait the whole timeout
                continue
            last_error = value
            if _refused(value) or (value == "port_error" and not reader.probed_once):
                break
    finally:
        reader.stop()
    if not reader.probed_once and last_error in (None, "timeout", "port_error"):
        reason = "no_reader"  # nothing there, or nothing answering: garbled bytes are said as such
    else:
        reason = last_error or "timeout"
    raise ReadFailed(reason, _explain(reason, port, timeout))


def cmd_idcard_read(args) -> int:
    port = args.port
    default_port = getattr(args, "idcard_default_port", None)
    if not port and default_port is not None:
        port = default_port(args)
    port = port or DEFAULT_PORT
    try:
        result = read_once(port, args.timeout)
    except ReadFailed as exc:
        print(f"kiosk idcard read: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(json.dumps(result, ensure_ascii=False))
    return 0


# ---- the simulator ----------------------------------------------------------------------

class _ControlHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self.wfile.write((self.server.sim.command(line) + "\n").encode("utf-8"))


def _control_socket(sim: SimReader, path: str) -> socketserver.ThreadingUnixStreamServer:
    Path(path).unlink(missing_ok=True)
    server = socketserver.ThreadingUnixStreamServer(path, _ControlHandler)
    server.daemon_threads = True
    server.sim = sim
    threading.Thread(target=server.serve_forever, name="idcard-sim-control", daemon=True).start()
    return server


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def sim_main(args) -> int:
    """Serve a simulated reader on a pty until ``quit`` on stdin, Ctrl-C or SIGTERM.

    Prints the pty path as the first stdout line; control lines (``place FILE``, ``remove``,
    ``fault MODE|none``, ``status``, ``quit``) come on stdin and, with ``--control``, on a
    UNIX socket (``echo remove | nc -U SOCKET``).
    """
    try:
        card = load_card_file(args.card) if args.card else None
    except CardFileError as exc:
        print(f"kiosk sim idcard: --card: {exc}", file=sys.stderr)
        return EXIT_FAIL
    sim = SimReader(card, fault=args.fault, find_miss_rate=args.find_miss_rate, read_delay=args.read_delay)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    server = _control_socket(sim, args.control) if args.control else None
    try:
        with PtySimulator(sim) as pty:
            print(pty.path, flush=True)
            print(f"idcard sim: reader on {pty.path} (card: {card.label if card else 'none'}, "
                  f"fault: {args.fault or 'none'}); commands: place FILE | remove | fault MODE|none | "
                  f"status | quit", file=sys.stderr, flush=True)
            for line in sys.stdin:
                if line.strip() == "quit":
                    return 0
                if line.strip():
                    print(sim.command(line), flush=True)
            threading.Event().wait()  # stdin closed (run in the background): serve until a signal
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:
            server.shutdown()
            Path(args.control).unlink(missing_ok=True)
    return 0


# ---- argparse wiring --------------------------------------------------------------------

def add_idcard_command(subparsers, common: argparse.ArgumentParser,
                       default_port: Callable[[argparse.Namespace], str] | None = None):
    """Add ``idcard read``; ``default_port(args)`` may supply the configured port."""
    idcard = subparsers.add_parser("idcard", help="二代身份证 reader: read one card")
    isub = idcard.add_subparsers(dest="idcard_command", metavar="ACTION", required=True)
    p = isub.add_parser("read", parents=[common], help="wait for one card, print its masked data as JSON")
    p.add_argument("--port", metavar="DEV", type=non_empty("a device path or 'virtual[:CARD.json]'"), help=f"serial device of the reader (default: the "
                   f"configured [idcard] port, else {DEFAULT_PORT}); 'virtual[:CARD.json]' = a built-in simulated reader")
    p.add_argument("--timeout", type=bounded_float(*TIMEOUT_RANGE, " seconds"), default=20.0, metavar="S",
                   help=f"seconds to wait for a card, {TIMEOUT_RANGE[0]:g} to {TIMEOUT_RANGE[1]:g} (default 20)")
    p.set_defaults(func=cmd_idcard_read, idcard_default_port=default_port)
    return p


def add_sim_idcard(sim_subparsers, common: argparse.ArgumentParser):
    """Add ``idcard`` to an existing ``sim`` subparsers object (shared with ``sim printer``)."""
    p = sim_subparsers.add_parser("idcard", parents=[common], help="a simulated ID-card reader on a pty")
    p.add_argument("--card", metavar="FILE.json", type=non_empty("a card description file"), help="card lying on the reader at start "
                   "(a bundled sample by name: resident.json, hk_macao_taiwan_J.json, foreigner_I.json)")
    p.add_argument("--fault", choices=FAULTS, help="misbehave from the start (switch with 'fault MODE|none')")
    p.add_argument("--find-miss-rate", type=bounded_float(*MISS_RATE_RANGE), default=0.2, metavar="P",
                   help="chance from 0 to 1 that find says 'no card' while one lies there (default 0.2)")
    p.add_argument("--read-delay", type=bounded_float(*READ_DELAY_RANGE, " seconds"), default=0.3, metavar="S",
                   help=f"seconds a card read takes, 0 to {READ_DELAY_RANGE[1]:g} (default 0.3)")
    p.add_argument("--control", metavar="SOCKET", help="also take control lines on this UNIX socket")
    p.set_defaults(func=sim_main)
    return p


def add_subcommands(subparsers, common: argparse.ArgumentParser, sim_subparsers=None,
                    default_port: Callable[[argparse.Namespace], str] | None = None):
    """Add ``idcard read`` and ``sim idcard``; creates ``sim`` unless its subparsers are given.

    Returns the ``sim`` subparsers object so another part can add ``sim printer`` to it.
    """
    add_idcard_command(subparsers, common, default_port)
    if sim_subparsers is None:
        sim = subparsers.add_parser("sim", help="device simulators that speak the real protocols")
        sim_subparsers = sim.add_subparsers(dest="sim_command", metavar="DEVICE", required=True)
    add_sim_idcard(sim_subparsers, common)
    return sim_subparsers


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="log debug messages")
    parser = argparse.ArgumentParser(prog="python -m devices.idcard.cli")
    add_subcommands(parser.add_subparsers(dest="command", required=True), common)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
