"""The running app's side of the files it shares with the sync process (sync/app_files.py):
every APP_STATE_EVERY_S seconds `app-state.json` (pid, printer and reader states) for the
heartbeat, and, when `screenshot-request` appears, what the window shows now, scaled to
SCREENSHOT_WIDTH pixels wide, as `screenshot.png` (written atomically, then the request is removed).

Runs on the main thread from a Clock interval (`watch(app)`, started in KioskApp.on_start): the
window can only be read there. The files go in the configured data dir, and only when that
folder exists (the sync client and `kiosk enroll` use the same one); a failure is logged, never
raised into the UI.
"""
from __future__ import annotations

import io
import logging
import tempfile
import time
from pathlib import Path

from kivy.clock import Clock

from sync import app_files
from sync.files import write_atomic

log = logging.getLogger(__name__)

CHECK_S = 1.0


class SyncRequests:
    def __init__(self, app, data_dir: Path, clock=time.time):
        self.app, self.data_dir, self.clock = app, Path(data_dir), clock
        self.started_at = clock()
        self.state_at = float("-inf")
        self.event = None

    def tick(self, _dt: float = 0) -> None:
        if not self.data_dir.is_dir():
            return
        try:
            if self.clock() - self.state_at >= app_files.APP_STATE_EVERY_S:
                self.write_state()
            if app_files.screenshot_pending(self.data_dir):
                self.capture()
        except Exception:  # a full disk, a read-only data dir: the resident's screen goes on
            log.exception("could not answer the sync process in %s", self.data_dir)

    def write_state(self) -> None:
        devices = self.app.devices
        app_files.write_app_state(self.data_dir, self.started_at,
                                  (devices.printer_state, devices.printer_detail),
                                  (devices.reader_state, devices.reader_detail))
        self.state_at = self.clock()

    def capture(self) -> None:
        from PIL import Image

        from kiosk.screenshot import save_window_png

        with tempfile.TemporaryDirectory(dir=self.data_dir, prefix=".screenshot-") as tmp:
            shot = save_window_png(Path(tmp) / "full.png")
            with Image.open(shot) as img:
                img = img.convert("RGB")
                if img.width > app_files.SCREENSHOT_WIDTH:
                    height = max(1, round(img.height * app_files.SCREENSHOT_WIDTH / img.width))
                    img = img.resize((app_files.SCREENSHOT_WIDTH, height), Image.LANCZOS)
                buf = io.BytesIO()
                img.save(buf, "PNG", optimize=True)
        write_atomic(self.data_dir / app_files.SCREENSHOT, buf.getvalue(), 0o644)
        app_files.close_request(self.data_dir)
        log.info("screenshot for the hub written to %s", self.data_dir / app_files.SCREENSHOT)


    def cancel(self) -> None:
        if self.event is not None:
            self.event.cancel()
            self.event = None


def watch(app) -> SyncRequests:
    """Start answering; `cancel()` the result to stop. Keep it: Kivy's Clock holds its callback
    only weakly."""
    requests = SyncRequests(app, app.settings.data_dir)
    requests.tick()
    requests.event = Clock.schedule_interval(requests.tick, CHECK_S)
    return requests
