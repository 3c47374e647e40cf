"""Shared by the app-shell UI tests (test_ui_idle, test_ui_lockdown, test_ui_live_content,
test_ui_shell): real settings, content versions built with the real store, the `shell` fixture,
and the moves a person makes (going idle, the corner gesture, typing the PIN).

Time is a `ManualClock` (tests/conftest.py) handed to the app as its monotonic clock, so the
90 s idle timeout and the 60 s PIN lock are crossed without waiting.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from content.bundle import BundleWriter
from content.schemas import Centre, Slide
from content.store import build_version, open_current
from kiosk.config import Display, Maintenance, Settings
from screens import registry

SUNDAY_MORNING = dt.datetime(2026, 11, 22, 9, 41, 5)    # a Sunday
MONDAY_MORNING = dt.datetime(2026, 11, 23, 9, 41, 5)
CENTRE_NAME = "阳光街道幸福里社区党群服务中心"
PIN = "2468"
# behaviour (idle, PIN, live content) does not depend on the window size: the smallest panel
# draws fastest in software GL; the tests about sizes say theirs
BEHAVIOUR_SIZE = (800, 480)


@pytest.fixture(scope="module")
def pin_hash():
    """An argon2id hash of PIN with light parameters: the app checks it exactly like one from
    `kiosk hash-pin` (the parameters travel in the hash), in milliseconds instead of ~0.15 s
    per check (tests/test_config.py checks `hash_pin` itself)."""
    from argon2 import PasswordHasher

    pin_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PIN)
    assert Maintenance(pin_hash=pin_hash).check_pin(PIN)
    return pin_hash


def settings(pin: str = "", elder: bool = False, fullscreen: bool = False, data_dir=None):
    extra = {"data_dir": data_dir} if data_dir is not None else {}
    return Settings(elder_mode_default=elder, display=Display(fullscreen=fullscreen),
                    maintenance=Maintenance(pin_hash=pin), **extra)


def centre(name: str = CENTRE_NAME) -> Centre:
    return Centre(id="demo-centre", title=name, name=name, address="幸福里 88 号",
                  updated_at=SUNDAY_MORNING, hours=["周一至周五 8:30-17:30"])


def png(colour: tuple[int, int, int], size=(270, 480)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def write_version(data_dir: Path, items=(), slides=(), name: str = CENTRE_NAME,
                  version: str | None = None) -> str:
    """Build one content version into `data_dir` (the real store) and make it current.

    `slides`: (id, colour, duration_s, days, time_from, time_to) tuples; each gets its image.
    """
    writer = BundleWriter(centre="demo-centre")
    writer.add_item(centre(name))
    for item in items:
        writer.add_item(item)
    for n, (slide_id, colour, duration, days, t_from, t_to) in enumerate(slides):
        writer.add_item(Slide(id=slide_id, title=slide_id, image=writer.add_blob(png(colour), "image/png"),
                              duration_s=duration, days=days, time_from=t_from, time_to=t_to,
                              updated_at=SUNDAY_MORNING, sort=n))
    bundle = data_dir.parent / f"bundle-{version or 'x'}-{len(list(data_dir.parent.iterdir()))}"
    writer.write_dir(bundle, version=version)
    return build_version(bundle, data_dir)


ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]
SLIDES = [
    ("slide-all-day", (200, 30, 30), 5, ALL_DAYS, None, None),
    ("slide-weekday-morning", (30, 150, 30), 7, [1, 2, 3, 4, 5], dt.time(8), dt.time(12)),
    ("slide-weekend", (30, 30, 200), 9, [6, 7], None, None),
    ("slide-evening", (90, 90, 90), 4, ALL_DAYS, dt.time(18), None),
]


@pytest.fixture
def shell(ui, tmp_path, manual_clock):
    """shell(slides=SLIDES, items=(), now=SUNDAY_MORNING, size=BEHAVIOUR_SIZE, pin="", ...) ->
    UI handle, with `h.clock` the app's monotonic clock and `h.data_dir` its content."""
    def run(slides=SLIDES, items=(), now=SUNDAY_MORNING, size=BEHAVIOUR_SIZE, pin="", elder=False,
            fullscreen=False, restart=None):
        data_dir = tmp_path / "data"
        data_dir.mkdir(exist_ok=True)
        write_version(data_dir, items, slides, version="v1")
        clock = manual_clock
        extra = {"restart": restart} if restart is not None else {}
        h = ui(settings(pin, elder, fullscreen, data_dir), open_current(data_dir), size=size,
               now=lambda: now, monotonic=clock, **extra)
        h.clock, h.data_dir = clock, data_dir
        return h
    return run


def go_idle(h, seconds: float | None = None) -> None:
    """Nobody touches the screen for the idle timeout; the app's one-second tick runs."""
    h.clock.advance(h.app.settings.idle_timeout_s + 1 if seconds is None else seconds)
    h.app._tick(0)
    h.frames(2)


def resident_screens() -> list[str]:
    """Registered screens with the shared red bar (everything but home, attract and the calling
    board)."""
    return [n for n in registry.SCREENS if n not in ("home", "attract", "display")]



# ---- the hidden maintenance gesture and the PIN ----------------------------------------------

def corner_taps(h, count: int = 5, gap_s: float = 0.4) -> None:
    """`count` taps in the top-left corner, `gap_s` apart on the app's clock."""
    for _ in range(count):
        h.tap_at(20, h.window.height - 20, frames=1)
        h.clock.advance(gap_s)
    h.frames(2)


def pin_pad(h):
    from screens.maintenance import PinPad

    pads = [w for w in h.window.children if isinstance(w, PinPad)]
    return pads[0] if pads else None


def type_pin(h, pad, pin: str, wait: bool = True) -> None:
    """Type `pin` and press 确定; with `wait`, step frames until the (threaded) check answered."""
    keys = {k.text: k for k in pad.ids.keypad.children}
    # h.press: deliberate taps -- a key ignores a second tap within its (real-time) debounce,
    # which would otherwise drop the "2" of a PIN typed right after one ending in "...2"
    for digit in pin:
        h.press(keys[digit], frames=1)
        h.clock.advance(0.2)
    h.press(pad.ids.ok, frames=0)
    if wait:
        assert h.wait_for(lambda: not pad.busy), "the PIN check never answered"
        h.frames(2)


def open_maintenance(h):
    corner_taps(h)
    type_pin(h, pin_pad(h), PIN)
    assert h.current == "maintenance"
    return h.screen()

