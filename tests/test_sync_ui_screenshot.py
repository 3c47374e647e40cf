"""The running app answers the sync process (kiosk/screenshot_request.py): it writes its device
states to app-state.json, and a screenshot-request becomes screenshot.png -- what the window
shows, scaled to 540 px wide -- through the same files `kiosk sync heartbeat` reads."""
from __future__ import annotations

import os

import pytest
from PIL import Image

from kiosk.config import Display, Settings
from sync import app_files, health
from tests.conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.ui


def red_band(img, x: int) -> tuple[int, int] | None:
    """(top, bottom) of the first run of at least 8 red pixels down column `x`."""
    run = []
    for y in range(img.height):
        r, g, b = img.getpixel((x, y))
        if r > 120 and g < 90 and b < 90:
            run.append(y)
        elif len(run) >= 8:
            return run[0], run[-1]
        else:
            run = []
    return None


@pytest.mark.parametrize("size", [(1080, 1920), (1366, 768)])
def test_the_app_writes_its_state_and_answers_a_screenshot_request(ui, demo_view, tmp_path, size):
    data = tmp_path / "data"
    data.mkdir()
    h = ui(Settings(display=Display(fullscreen=False), data_dir=data), demo_view, size=size)
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
        assert img.format == "PNG" and img.size == (540, round(540 * size[1] / size[0]))
        rgb = img.convert("RGB")
        colours = rgb.getcolors(1 << 20)
        # the red title bar is level: a sheared read-back (rows of a width not a multiple of 4) tilts it
        left, right = red_band(rgb, 150), red_band(rgb, 380)
        assert left is not None and right is not None and abs(left[0] - right[0]) <= 2
    assert colours is not None and len(colours) > 20  # a drawn page, not a blank frame
    os.replace(data / app_files.SCREENSHOT, SCREENSHOT_DIR / f"sync-screenshot-guides-{size[0]}x{size[1]}.png")
    assert not [p.name for p in data.iterdir() if p.name.startswith(".screenshot-")]  # its temp folder is gone


def test_no_data_dir_no_files(ui, demo_view, tmp_path):
    missing = tmp_path / "not-there"
    h = ui(Settings(display=Display(fullscreen=False), data_dir=missing), demo_view)
    h.frames(3)
    assert not missing.exists()
