"""The running app answers the sync process (kiosk/screenshot_request.py): it writes its device
states to app-state.json, and a screenshot-request becomes screenshot.png -- what the window
shows, scaled to 540 px wide -- through the same files `kiosk sync heartbeat` reads."""
from __future__ import annotations

import os

import pytest
from PIL import Image

from kiosk.config import Display, Settings
from sync import app_files, health

pytestmark = pytest.mark.ui


def test_the_app_writes_its_state_and_answers_a_screenshot_request(ui, demo_view, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    h = ui(Settings(display=Display(fullscreen=False), data_dir=data), demo_view, size=(1080, 1920))
    found = app_files.running_app(data)
    assert found is not None and found["pid"] == os.getpid()
    assert found["printer"] == {"state": "off", "detail": ""} and found["reader"]["state"] == "off"
    body = health.heartbeat_body(data, health.Devices(printer=True, reader=True))
    assert body.printer.state == "off" and body.last_error is None  # the app's word wins over the config's

    h.open("guides")
    h.frames(3)
    app_files.request_screenshot(data)
    assert h.wait_for(lambda: app_files.screenshot_ready(data) is not None, timeout=10)
    assert not app_files.screenshot_pending(data)
    with Image.open(data / app_files.SCREENSHOT) as img:
        assert img.format == "PNG" and img.size == (540, 960)
        colours = img.convert("RGB").getcolors(1 << 20)
    assert colours is not None and len(colours) > 20  # a drawn page, not a blank frame
    os.replace(data / app_files.SCREENSHOT, tmp_path / "sync-screenshot-guides.png")
    assert not [p.name for p in data.iterdir() if p.name.startswith(".screenshot-")]  # its temp folder is gone


def test_no_data_dir_no_files(ui, demo_view, tmp_path):
    missing = tmp_path / "not-there"
    h = ui(Settings(display=Display(fullscreen=False), data_dir=missing), demo_view)
    h.frames(3)
    assert not missing.exists()
