"""The ID-card reader driver: a polling thread with one state machine and small events.

Each cycle: find (20 01), select (20 02) even when find said "no card" (PITFALLS), and read
(30 01) only when select shows a card we have not handled yet (its serial differs). So a card
gives one ``on_card`` when placed, however many polls it lies there, and ``on_removed`` when
select stops finding it. Every failure — a frame error, a timeout, a status code, a card we
cannot decode or that is not internally consistent (``invalid_card:<field>``, see
validate.py) — becomes ``on_error(reason)`` (once per run of the same failure), then a
back-off that doubles up to ``backoff_max`` and a fresh probe; the thread never dies of it.
A refused card is refused once, not on every poll, and never reaches ``on_card``.

Log lines carry states, reason codes, byte counts and status words, never card data: the
exceptions' messages are built that way (frames.py, validate.py).

Events are called on the reader thread: a UI hands them to its main thread itself (Kivy:
``Clock.schedule_once``). A listener that raises is logged and ignored.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from .card import IdCard
from .fields import UnknownCardType, decode_card
from .frames import FrameError, ReaderError, ReaderTimeout
from .protocol import ReaderLink, UnknownStatus
from .transport import PortError, Transport, open_transport
from .validate import InvalidCard

log = logging.getLogger("devices.idcard.reader")


class ReaderState:
    STOPPED = "stopped"    # thread not running
    OPENING = "opening"    # opening the port
    PROBING = "probing"    # asking the SAM for its status (11 FF -> 90)
    WAITING = "waiting"    # reader fine, no card
    READING = "reading"    # a new card: reading its base info
    PRESENT = "present"    # the card on the reader was handled (delivered or refused)
    ERROR = "error"        # last cycle failed; backing off before the next probe


class ReaderListener:
    """Subclass and override what you need; every method is optional."""

    def on_card(self, card: IdCard) -> None: ...

    def on_removed(self) -> None: ...

    def on_error(self, reason: str) -> None: ...

    def on_state(self, state: str) -> None: ...


@dataclass(frozen=True)
class ReaderTimings:
    poll_interval: float = 0.2    # between find/select cycles
    command_timeout: float = 0.5  # reply to SAM status / find / select
    read_timeout: float = 3.0     # reply to read base info (real readers take ~0.5-1 s)
    backoff_min: float = 0.2
    backoff_max: float = 5.0


# Errors after which the link is not trusted until the SAM answers a probe again.
_REPROBE = (FrameError, ReaderTimeout, UnknownStatus)


class IdCardReader:
    def __init__(self, port: str, listener: ReaderListener, timings: ReaderTimings | None = None,
                 transport_factory: Callable[[str], Transport] = open_transport):
        self.port = port
        self.listener = listener
        self.timings = timings or ReaderTimings()
        self._factory = transport_factory
        self._state = ReaderState.STOPPED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._link: ReaderLink | None = None
        self._probed = False
        self.probed_once = False
        self._serial: bytes | None = None  # select serial of the card lying on the reader
        self._delivered = False            # whether on_card went out for that card
        self._last_error: str | None = None
        self._backoff = self.timings.backoff_min

    # ---- public -------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self._close()
        self._set_state(ReaderState.STOPPED, "stop")

    def __enter__(self) -> "IdCardReader":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- state machine ------------------------------------------------------------------
    def _set_state(self, new: str, why: str = "") -> None:
        """The one place the state changes; logs every change (never card data)."""
        old, self._state = self._state, new
        if old != new:
            # While the same failure repeats (reader unplugged for a day), retries log at DEBUG.
            retrying = self._last_error is not None and new in (ReaderState.OPENING, ReaderState.PROBING, ReaderState.ERROR)
            log.log(logging.DEBUG if retrying else logging.INFO, "idcard %s: %s -> %s%s",
                    self.port, old, new, f" ({why})" if why else "")
            self._emit("on_state", new)

    def _emit(self, event: str, *args) -> None:
        try:
            getattr(self.listener, event)(*args)
        except Exception:
            log.exception("idcard listener %s failed", event)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._cycle()
            except ReaderError as exc:
                self._fail(exc.reason, exc)
                continue
            except Exception as exc:  # a bug must not kill the thread: log it, back off
                log.exception("idcard %s: unexpected failure", self.port)
                self._fail("internal", exc)
                continue
            self._last_error = None
            self._backoff = self.timings.backoff_min
            self._stop.wait(self.timings.poll_interval)

    def _cycle(self) -> None:
        if self._link is None:
            self._set_state(ReaderState.OPENING)
            self._link = ReaderLink(self._factory(self.port), self.timings.command_timeout,
                                    self.timings.read_timeout)
            self._probed = False
        if not self._probed:
            self._set_state(ReaderState.PROBING)
            self._link.sam_status()
            self._probed = self.probed_once = True
        serial = self._link.card_serial()
        if serial is None:
            self._card_gone()
            self._set_state(ReaderState.WAITING)
        elif serial != self._serial:
            self._card_gone()  # a different card replaced the one we knew
            self._read_new(serial)
        else:
            self._set_state(ReaderState.PRESENT)

    def _read_new(self, serial: bytes) -> None:
        self._set_state(ReaderState.READING)
        text, photo = self._link.read_base()  # 0x41 (card lifted mid-read) raises: no half card
        try:
            card = decode_card(text, photo)
        except (UnknownCardType, InvalidCard):
            self._serial, self._delivered = serial, False  # refuse it once, not on every poll
            self._set_state(ReaderState.PRESENT, "card refused")
            raise
        self._serial, self._delivered = serial, True
        self._set_state(ReaderState.PRESENT, f"{card.card_type} card")
        self._emit("on_card", card)

    def _card_gone(self) -> None:
        delivered, self._serial, self._delivered = self._delivered, None, False
        if delivered:
            self._emit("on_removed")

    def _fail(self, reason: str, exc: BaseException) -> None:
        log.log(logging.DEBUG if reason == self._last_error else logging.WARNING,
                "idcard %s: %s: %s", self.port, reason, exc)
        if isinstance(exc, PortError) or not isinstance(exc, ReaderError):
            self._close()
        elif isinstance(exc, _REPROBE):
            self._probed = False
            if self._link is not None:
                try:  # drop the rest of a garbled reply so it cannot spoil the next one
                    self._link.transport.discard()
                except ReaderError:
                    self._close()
        self._set_state(ReaderState.ERROR, reason)
        if reason != self._last_error:
            self._last_error = reason
            self._emit("on_error", reason)
        self._stop.wait(self._backoff)
        self._backoff = min(self._backoff * 2, self.timings.backoff_max)

    def _close(self) -> None:
        link, self._link = self._link, None
        self._probed = False
        if link is not None:
            link.transport.close()


def probe(port: str, timeout: float = 0.5) -> tuple[bool, str]:
    """Ask the reader's SAM for its status once (`kiosk doctor`). (ok, what happened)."""
    try:
        transport = open_transport(port)
    except ReaderError as exc:
        return False, f"cannot open: {exc}"
    try:
        ReaderLink(transport, command_timeout=timeout).sam_status()
        return True, "SAM answered (reader ready)"
    except ReaderError as exc:
        return False, f"{getattr(exc, 'reason', 'error')}: {exc}"
    finally:
        transport.close()
