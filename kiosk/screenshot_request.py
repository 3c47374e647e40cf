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
        self.written: tuple | None = None  # the device states last written

    def tick(self, _dt: float = 0) -> None:
        if not self.data_dir.is_dir():
            return
        try:
            if self.clock() - self.state_at >= app_files.APP_STATE_EVERY_S or self._states() != self.written:
                self.write_state()  # at least every APP_STATE_EVERY_S, and at once when a device changes
            if app_files.screenshot_pending(self.data_dir):
                self.capture()
        except Exception:  # a full disk, a read-only data dir: the resident's screen goes on
            log.exception("could not answer the sync process in %s", self.data_dir)

    def _states(self) -> tuple:
        devices = self.app.devices
        return (devices.printer_state, devices.printer_detail), (devices.reader_state, devices.reader_detail)

    def write_state(self) -> None:
        self.written = self._states()
        app_files.write_app_state(self.data_dir, self.started_at, *self.written)
        self.state_at = self.clock()

    def capture(self) -> None:
        png = window_png(app_files.SCREENSHOT_WIDTH)
        write_atomic(self.data_dir / app_files.SCREENSHOT, png, 0o644)
        app_files.close_request(self.data_dir)
        log.info("screenshot for the hub written to %s", self.data_dir / app_files.SCREENSHOT)


def window_png(width: int) -> bytes:
    """What the window shows now, at most `width` pixels wide, as PNG bytes.

    Read back as RGBA, not through `Window.screenshot`: that reads RGB rows with GL's default
    4-byte row alignment but stores them unpadded, so on a panel whose width is not a multiple of
    4 (1366x768) every row shifts and the picture comes out sheared. RGBA rows are always aligned.
    """
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    Window.dispatch("on_draw")  # this frame, not whatever the back buffer held after the last flip
    w, h = (int(v) for v in Window.size)
    img = Image.frombytes("RGBA", (w, h), glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE))
    img = img.transpose(Image.Transpose.FLIP_TOP_BOTTOM).convert("RGB")
    if img.width > width:
        img = img.resize((width, max(1, round(img.height * width / img.width))), Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def watch(app):
    """Start answering; the Clock event (cancel it to stop). `release_ref=False`: the event keeps
    the SyncRequests alive -- by default Kivy's Clock holds a callback only weakly once it has run,
    and nothing else refers to this one."""
    requests = SyncRequests(app, app.settings.data_dir)
    requests.tick()
    event = Clock.create_trigger(requests.tick, CHECK_S, interval=True, release_ref=False)
    event()
    return event
