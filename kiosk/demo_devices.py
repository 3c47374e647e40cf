"""The simulated devices of `kiosk demo`: the ESC/POS printer on a free local TCP port (one PNG
per job under the data dir) and the ID-card reader on a pty, both in this process, both spoken
to by the real drivers exactly like real hardware.

`DemoDevices.apply(settings)` points the app's settings at them; the app gets the object too
(`run_app(..., demo=...)`), so the maintenance screen can place the bundled sample card on the
simulated reader and lift it again. `stop()` shuts both down when the app exits.
"""
from __future__ import annotations

import logging
from pathlib import Path

from devices.idcard.sim import PtySimulator, SimReader, load_card_file
from devices.sim_printer import PrinterSimulator

log = logging.getLogger(__name__)

SAMPLE_CARD = "resident.json"  # devices/idcard/sample_cards
DEMO_PIN = "2468"  # the maintenance PIN of a demo whose config sets none


class DemoDevices:
    def __init__(self, data_dir: Path, paper_mm: int = 80, encoding: str = "gb18030"):
        self.jobs_dir = Path(data_dir) / "printer-jobs"
        self.printer = PrinterSimulator(host="127.0.0.1", port=0, out_dir=self.jobs_dir,
                                        width_dots=576 if paper_mm == 80 else 384,
                                        encoding=encoding if encoding in ("gb18030", "gbk") else "gb18030")
        # find_miss_rate 0.2: like a real reader, "no card" now and then while a card lies there
        self.reader = SimReader(None, read_delay=0.3)
        self.sample = load_card_file(SAMPLE_CARD)  # read now: no file I/O when the button is tapped
        self._pty: PtySimulator | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "DemoDevices":
        self.printer.start()
        self._pty = PtySimulator(self.reader).start()
        log.info("demo: simulated printer on %s, simulated ID reader on %s", self.printer.url, self.reader_port)
        return self

    def stop(self) -> None:
        self.printer.stop()
        if self._pty is not None:
            self._pty.stop()
            self._pty = None

    def __enter__(self) -> "DemoDevices":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def reader_port(self) -> str:
        return self._pty.path if self._pty is not None else ""

    def apply(self, settings, pin_hash: str | None = None):
        """`settings` with the printer and the reader pointing at the simulators (and the
        maintenance PIN hash `pin_hash` when the settings have none)."""
        update = {
            "printer": settings.printer.model_copy(update={"url": self.printer.url}),
            "idcard": settings.idcard.model_copy(update={"enabled": True, "port": self.reader_port}),
        }
        if pin_hash and not settings.maintenance.pin_hash:
            update["maintenance"] = settings.maintenance.model_copy(update={"pin_hash": pin_hash})
        return settings.model_copy(update=update)

    # ---- the sample card ---------------------------------------------------------------------

    @property
    def card_placed(self) -> bool:
        return self.reader.card is not None

    def toggle_sample_card(self) -> bool:
        """Place the sample card, or lift it when one lies there; True when one lies there now."""
        if self.card_placed:
            self.reader.remove()
            return False
        self.reader.place(self.sample)
        return True
