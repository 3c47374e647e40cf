"""A simulated 二代身份证 reader that speaks the SAM protocol byte for byte.

``SimReader`` is the reader: it takes request frames and gives reply frames, with the status
codes of a real one (SAM status 90; find 9F/80; select 90/81 with an 8-byte card serial; read
90 with ``01 00 04 00`` + 256 text + 1024 photo = 1295 bytes, or 41; checksum error 10 to a
request with a bad checksum; 21 to an unknown command). Like real readers it answers find
with "no card" while a card lies there: always after that card was read once (until it is
lifted), and now and then at random (``find_miss_rate``). A read takes ``read_delay`` seconds;
a card lifted meanwhile gives 41, never half a card.

Faults, switchable at run time (``set_fault``): ``garbled`` (noise instead of a reply),
``truncated`` (the first half of each reply, then nothing), ``silence`` (no reply),
``bad-checksum`` (each reply's checksum byte flipped), ``stall`` (each reply stops after 16
bytes — inside the name of a read reply — and the rest follows ``stall_s`` seconds later, when
the driver has given up on it and sent its next request), ``extra`` (1-8 stray bytes after
each reply). ``fault_on`` limits a fault to some commands (e.g. only ``READ_BASE``, so the
faulted reply carries a card and the link itself stays healthy).

Two ways to reach it, both behind the real driver: ``PtySimulator`` serves it on a pty (the
driver opens the slave path with pyserial, as ``kiosk sim idcard`` prints it), and
``VirtualSerial`` is an in-process pyserial stand-in (only the methods the transport uses;
anything else fails loudly) for ``open_transport("virtual")``.
"""
from __future__ import annotations

import logging
import os
import random
import select
import threading
import time
import tty

from .cardfile import SimCard, load_card_file
from .frames import HEAD_LEN, MAX_LEN, MIN_REQUEST_LEN, PREAMBLE, BadChecksum, FrameError, build_reply, parse_request
from .protocol import FIND_CARD, READ_BASE, SAM_ID, SAM_RESET, SAM_STATUS, SELECT_CARD

log = logging.getLogger("devices.idcard.sim")

FAULTS = ("garbled", "truncated", "silence", "bad-checksum", "stall", "extra")
STALL_AT = 16  # bytes of a reply sent before a stall: 7 header + 3 SW + 4 lengths + 1 name character


class RequestAssembler:
    """Cuts request frames out of a byte stream (a reader skips bytes until a preamble)."""

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        frames = []
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                del self._buf[: max(0, len(self._buf) - len(PREAMBLE) + 1)]
                return frames
            del self._buf[:start]
            if len(self._buf) < HEAD_LEN:
                return frames
            length = int.from_bytes(self._buf[5:7], "big")
            if not MIN_REQUEST_LEN <= length <= MAX_LEN:
                del self._buf[0]
                continue
            if len(self._buf) < HEAD_LEN + length:
                return frames
            frames.append(bytes(self._buf[: HEAD_LEN + length]))
            del self._buf[: HEAD_LEN + length]


class SimReader:
    def __init__(self, card: SimCard | None = None, fault: str | None = None,
                 find_miss_rate: float = 0.2, read_delay: float = 0.02, seed: int | None = None,
                 stall_s: float = 4.0):
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self.card = card
        self.fault = None
        self.set_fault(fault)
        self.find_miss_rate = find_miss_rate
        self.read_delay = read_delay
        self.stall_s = stall_s  # longer than the driver's read timeout (3 s)
        self.fault_on: frozenset | None = None  # commands whose replies the fault hits (None: all)
        self._generation = 0
        self._selected = False
        self._read_once = False
        self.read_started = threading.Event()  # set when a read request arrives (tests)
        self.counts: dict[str, int] = {}

    # ---- control ------------------------------------------------------------------------
    def place(self, card: SimCard) -> None:
        with self._lock:
            self.card, self._generation = card, self._generation + 1
            self._selected = self._read_once = False

    def remove(self) -> None:
        with self._lock:
            self.card, self._generation = None, self._generation + 1
            self._selected = self._read_once = False

    def set_fault(self, mode: str | None) -> None:
        if mode in ("", "none", "off"):
            mode = None
        if mode is not None and mode not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)} or none")
        with self._lock:
            self.fault = mode

    # ---- bytes in, bytes out ------------------------------------------------------------
    def handle(self, frame: bytes) -> list[tuple[float, bytes]]:
        """One request frame -> the reply as chunks: (seconds to wait first, bytes to send).
        An empty list: say nothing."""
        command = None
        try:
            req = parse_request(frame)
            command = (req.cmd, req.para)
            reply = self._answer(command)
        except BadChecksum:
            self._count("bad_request_checksum")
            reply = build_reply(0, 0, 0x10)
        except FrameError:
            reply = build_reply(0, 0, 0x11)
        fault_on = self.fault_on
        if fault_on is not None and command not in fault_on:
            return [(0.0, reply)]
        return self._apply_fault(reply)

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def _answer(self, command: tuple[int, int]) -> bytes:
        with self._lock:
            card, generation = self.card, self._generation
            if command in (SAM_STATUS, SAM_RESET):
                self._count("sam")
                return build_reply(0, 0, 0x90)
            if command == SAM_ID:
                return build_reply(0, 0, 0x90, bytes(16))
            if command == FIND_CARD:
                self._count("find")
                miss = self._read_once or self._rng.random() < self.find_miss_rate
                return build_reply(0, 0, 0x9F, bytes(4)) if card and not miss else build_reply(0, 0, 0x80)
            if command == SELECT_CARD:
                self._count("select")
                self._selected = card is not None
                return build_reply(0, 0, 0x90, card.serial) if card else build_reply(0, 0, 0x81)
            if command != READ_BASE:
                return build_reply(0, 0, 0x21)
            self._count("read")
            if card is None or not self._selected:
                return build_reply(0, 0, 0x41)
        self.read_started.set()
        time.sleep(self.read_delay)  # the RF read; the card may be lifted meanwhile
        with self._lock:
            if self._generation != generation:
                return build_reply(0, 0, 0x41)
            self._read_once = True
        return build_reply(0, 0, 0x90, b"\x01\x00\x04\x00" + card.text + card.photo)

    def _apply_fault(self, reply: bytes) -> list[tuple[float, bytes]]:
        with self._lock:
            fault = self.fault
            if fault == "silence":
                return []
            if fault == "truncated":
                return [(0.0, reply[: max(1, len(reply) // 2)])]
            if fault == "bad-checksum":
                return [(0.0, reply[:-1] + bytes([reply[-1] ^ 0xFF]))]
            if fault == "garbled":
                noise = bytes(self._rng.getrandbits(8) for _ in reply)
                return [(0.0, bytes([noise[0] & 0x7F]) + noise[1:])]  # never starts like a preamble
            if fault == "stall":
                cut = min(STALL_AT, len(reply) // 2)
                return [(0.0, reply[:cut]), (self.stall_s, reply[cut:])]
            if fault == "extra":
                return [(0.0, reply + bytes(self._rng.getrandbits(8) for _ in range(self._rng.randint(1, 8))))]
        return [(0.0, reply)]

    # ---- the line protocol of ``kiosk sim idcard`` ----------------------------------------
    def command(self, line: str) -> str:
        """``place FILE`` | ``remove`` | ``fault MODE|none`` | ``status`` -> one line of answer."""
        verb, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        try:
            if verb == "place" and arg:
                card = load_card_file(arg)
                self.place(card)
                return f"ok placed {card.label}"
            if verb == "remove":
                self.remove()
                return "ok removed"
            if verb == "fault":
                self.set_fault(arg or None)
                return f"ok fault {self.fault or 'none'}"
            if verb == "status":
                with self._lock:
                    label = self.card.label if self.card else "-"
                    return f"ok card={label} fault={self.fault or 'none'}"
        except (OSError, ValueError) as exc:
            return f"error {exc}"
        return f"error commands: place FILE | remove | fault {'|'.join(FAULTS)}|none | status"


class PtySimulator:
    """Serves a SimReader on a pty; ``path`` is the slave device to give the driver."""

    def __init__(self, reader: SimReader):
        self.reader = reader
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo or newline translation before the driver opens it
        self.path = os.ttyname(self._slave)
        self._assembler = RequestAssembler()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="idcard-sim", daemon=True)

    def start(self) -> "PtySimulator":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "PtySimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            for frame in self._assembler.feed(data):
                for delay, chunk in self.reader.handle(frame):
                    if delay and self._stop.wait(delay):
                        return
                    self._write(chunk)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            view = view[os.write(self._master, view):]


class VirtualSerial:
    """The few pyserial members SerialTransport uses, backed by a SimReader in-process."""

    def __init__(self, reader: SimReader, timeout: float = 0.05):
        self.reader = reader
        self.timeout = timeout
        self.is_open = True
        self._assembler = RequestAssembler()
        self._rx = bytearray()
        self._cond = threading.Condition()

    def write(self, data: bytes) -> int:
        delayed = 0.0
        for frame in self._assembler.feed(bytes(data)):
            for delay, chunk in self.reader.handle(frame):
                delayed += delay
                if delayed:  # a stalled reply: its rest arrives later, as from a real reader
                    timer = threading.Timer(delayed, self._receive, (chunk,))
                    timer.daemon = True
                    timer.start()
                else:
                    self._receive(chunk)
        return len(data)

    def _receive(self, chunk: bytes) -> None:
        with self._cond:
            self._rx += chunk
            self._cond.notify_all()

    def read(self, size: int = 1) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: len(self._rx) >= size, self.timeout)
            out = bytes(self._rx[:size])
            del self._rx[:size]
            return out

    @property
    def in_waiting(self) -> int:
        with self._cond:
            return len(self._rx)

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._rx.clear()

    def close(self) -> None:
        self.is_open = False

    def __getattr__(self, name: str):
        raise AttributeError(f"VirtualSerial does not implement {name!r}: add it if the driver needs it")
