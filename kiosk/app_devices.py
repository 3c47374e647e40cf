"""The app's devices: the receipt printer (through kiosk.printing.PrintService) and the ID-card
reader's polling thread, built from the settings, started with the app and stopped with it.

Every device call runs off the UI thread (the print worker, the reader thread, one short-lived
thread per status query); results come back through `deliver` (Kivy's Clock in the app), so
whatever the app does with them happens on the main thread.

A card read by the reader reaches the app only as its public view (`IdCard.to_public_json`:
masked name and number, age, elderly, expired; see docs/devices.md "What is shown where"): the
full data never leaves this module's listener, is never logged, and lives in memory for the
current resident only. A card the reader refuses (`invalid_card:<field>`, `unknown_card_type`)
reaches the app as `on_card_refused(reason)`, so the resident is told; the reason code goes to
the maintenance screen and the log, never card data.

In `kiosk demo` the app also gets the simulators (`DemoDevices`), so the maintenance screen can
place a sample card on the simulated reader.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from devices.idcard.reader import IdCardReader, ReaderListener, ReaderState
from devices.printer import Printer, PrinterStatus
from kiosk import background
from kiosk.printing import PrintService, _kivy_deliver

log = logging.getLogger(__name__)

Deliver = Callable[[Callable[[], None]], None]

# printer states shown on the maintenance screen
PRINTER_STATES = ("off", "checking", "ok", "near_end", "paper_out", "cover_open", "offline", "timeout", "unknown")
# reader states shown on the maintenance screen
READER_STATES = ("off", "checking", "ready", "error")
# reader reasons (before any ":field") that mean "the card on the reader was refused"
CARD_REFUSED = ("invalid_card", "unknown_card_type")


PRINTER_POLL_S = 60.0  # how often the app asks an idle printer for its status (heartbeats carry it)

def printer_state(status: PrinterStatus) -> str:
    """One word for a status reply: ok, near_end, paper_out, cover_open, offline or unknown."""
    problem = status.problem()
    if problem:
        return problem
    return "near_end" if status.paper_near_end else "ok"


class _AppReaderListener(ReaderListener):
    """Runs on the reader thread: hands masked cards and states to the UI thread."""

    def __init__(self, owner: "AppDevices"):
        self.owner = owner

    def on_card(self, card) -> None:
        public = card.to_public_json()  # the only form that leaves this thread
        self.owner.deliver(lambda: self.owner.on_card(public))

    def on_removed(self) -> None:
        self.owner.deliver(self.owner.on_removed)

    def on_error(self, reason: str) -> None:
        self.owner.deliver(lambda: self.owner._reader_changed("error", reason))
        if reason.partition(":")[0] in CARD_REFUSED:
            self.owner.deliver(lambda: self.owner.on_card_refused(reason))

    def on_state(self, state: str) -> None:
        if state in (ReaderState.WAITING, ReaderState.PRESENT):
            self.owner.deliver(lambda: self.owner._reader_changed("ready", ""))
        elif state in (ReaderState.OPENING, ReaderState.PROBING) and self.owner.reader_state != "error":
            self.owner.deliver(lambda: self.owner._reader_changed("checking", ""))


class AppDevices:
    """The printer and the reader of one app. Callbacks (`on_card`, `on_card_refused`,
    `on_removed`, `on_change`) are set by the app and always called on the UI thread."""

    def __init__(self, settings, deliver: Deliver = _kivy_deliver, demo=None):
        self.settings = settings
        self.deliver = deliver
        self.demo = demo  # DemoDevices in `kiosk demo`, else None
        self.printer = self._make_printer(settings.printer)
        self.prints = PrintService(self.printer, deliver=deliver)
        self.printer_state = "off" if self.printer is None else "unknown"
        self.printer_detail = ""
        self.reader: IdCardReader | None = None
        self.reader_state = "off"
        self.reader_detail = ""
        self.on_card: Callable[[dict], None] = lambda card: None
        self.on_card_refused: Callable[[str], None] = lambda reason: None
        self.on_removed: Callable[[], None] = lambda: None
        self.on_change: Callable[[], None] = lambda: None  # a printer or reader state changed

    @staticmethod
    def _make_printer(cfg) -> Printer | None:
        if not cfg.url:
            return None
        try:
            return Printer(cfg.url, cfg.encoding, cfg.paper_width_mm)
        except ValueError as exc:  # a URL the config check let through but the driver refuses
            log.error("printer disabled: %s", exc)
            return None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the reader thread when a reader is configured."""
        idcard = self.settings.idcard
        if idcard.enabled and self.reader is None:
            self.reader = IdCardReader(idcard.port, _AppReaderListener(self))
            self.reader_state = "checking"
            self.reader.start()

    def stop(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.stop()
        self.reader_state = "off"
        self.prints.close()

    # ---- printer -----------------------------------------------------------------------------

    def query_printer(self) -> bool:
        """Ask the printer for its status on a thread; `printer_state` follows. False: no printer."""
        printer = self.printer
        if printer is None:
            return False
        self.printer_state, self.printer_detail = "checking", ""

        def ask() -> tuple[str, str]:
            status = printer.status()
            state = printer_state(status)
            detail = printer.last_error if state == "unknown" else ""
            if state == "unknown" and printer.last_reason in ("offline", "timeout"):
                state = printer.last_reason  # the driver's reason code: no connection, or no answer
            return state, detail

        background.call(ask, lambda result: self._printer_changed(*result),
                        lambda exc: self._printer_changed("unknown", f"{type(exc).__name__}: {exc}"),
                        name="printer-status", deliver=self.deliver)
        return True

    def poll_printer(self, *_args) -> None:
        """The periodic status check (Clock, every PRINTER_POLL_S): a terminal nobody prints on still
        knows -- and its heartbeat tells the hub -- whether its printer is ready. Skipped while a
        ticket prints or a check is running (the driver serialises them anyway)."""
        if self.printer is not None and not self.prints.busy and self.printer_state != "checking":
            self.query_printer()

    def _printer_changed(self, state: str, detail: str) -> None:
        self.printer_state, self.printer_detail = state, detail
        self.on_change()

    # ---- reader ------------------------------------------------------------------------------

    def _reader_changed(self, state: str, detail: str) -> None:
        if self.reader is None:
            return  # stopped meanwhile
        if (state, detail) != (self.reader_state, self.reader_detail):
            self.reader_state, self.reader_detail = state, detail
            self.on_change()

    @property
    def simulated_reader(self):
        """The demo's simulated reader (devices.idcard.sim.SimReader), or None."""
        return self.demo.reader if self.demo is not None else None
