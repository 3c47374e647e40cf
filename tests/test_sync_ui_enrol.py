"""Enrolment from the maintenance screen (screens/maintenance_enrol.py, kiosk/enrolment.py): the hub
address and code typed with real touches on the on-screen keyboard, 注册 against a local hub
(tests/test_sync_hostile.py's fake: a real HTTP server with a signed answer), the result in
Chinese, identity.json written -- and a refused code changes nothing."""
from __future__ import annotations

import time

import pytest

from kiosk.config import Display, Settings
from kiosk.screenshot_request import window_png
from screens.keyboard import DIGITS_TOGGLE
from sync import identity
from tests.conftest import SCREENSHOT_DIR
from tests.test_sync_hostile import fake_hub  # noqa: F401  (a fixture)

pytestmark = pytest.mark.ui


def type_text(h, pad, text: str) -> None:
    """Tap the keys that make `text` (symbols from their own row, the rest on the keyboard)."""
    symbols = {w.text: w for w in pad.ids.symbols.children}
    kb = pad.ids.keyboard
    tapped: dict[int, float] = {}  # key -> when it was last tapped

    def tap(cap) -> None:
        # the same key again within its debounce would be dropped as the Pi's doubled tap
        wait = tapped.get(id(cap), -1e9) + cap.debounce_s + 0.02 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        h.tap(cap, frames=1)
        tapped[id(cap)] = time.monotonic()

    i = 0
    while i < len(text):
        sym = next((s for s in ("https://", "http://") if text.startswith(s, i)), None) or text[i]
        cap = symbols.get(sym) or kb.key(sym.lower())
        if cap is None:  # a small panel: digits and letters share a row (数字 / 字母)
            tap(kb.key(DIGITS_TOGGLE))
            h.frames(1)
            cap = kb.key(sym.lower())
        tap(cap)
        i += len(sym)


def save(h, name: str) -> None:
    """A screenshot through kiosk/screenshot_request.py's read-back (1366 px rows come out level)."""
    h.frames(3)
    (SCREENSHOT_DIR / f"{name}.png").write_bytes(window_png(10_000))


def row(screen, label: str) -> str:
    return dict(screen.rows())[label]


@pytest.mark.parametrize("size", [(1080, 1920), (1366, 768), (800, 480)])
def test_enrol_from_the_maintenance_screen(ui, demo_view, tmp_path, fake_hub, size):
    server, url = fake_hub
    data = tmp_path / "data"
    h = ui(Settings(display=Display(fullscreen=False), data_dir=data), demo_view, size=size)
    screen = h.open("maintenance")
    assert row(screen, "管理平台") == "未注册"

    h.tap(screen.enrolment.buttons.ids.enrol_button)
    pad = screen.enrolment.pad
    assert pad is not None and pad.parent is not None and pad.field == "hub"
    for widget in (pad.ids.submit, pad.ids.cancel, pad.ids.hub_field, pad.ids.code_field,
                   *pad.ids.symbols.children, *pad.ids.keyboard.keys()):
        assert widget.height >= 44 and widget.width >= 44
    assert pad.y >= 0 and pad.top <= h.window.height  # the whole pad is on the screen

    server.mode = "bad_code"
    type_text(h, pad, url)
    assert pad.hub == url
    h.tap(pad.ids.code_field)
    type_text(h, pad, "abcd-efgh")
    assert pad.code == "ABCD-EFGH" and pad.field == "code"
    h.tap(pad.ids.submit)
    assert h.wait_for(lambda: not pad.busy)
    assert pad.message == "注册码错误、已使用或已过期，请向管理人员索取新的注册码。" and not pad.succeeded
    assert identity.load_or_none(data) is None
    assert server.seen[-1][0] == "/api/v1/enroll"
    save(h, f"maintenance-enrol-refused-{size[0]}x{size[1]}")

    server.mode = "ok"
    time.sleep(pad.ids.submit.debounce_s)  # a second tap this soon would count as the Pi's doubled one
    h.tap(pad.ids.submit)
    assert h.wait_for(lambda: not pad.busy)
    assert pad.succeeded and pad.message == f"注册成功：终端编号 t-1，管理平台 {url}"
    me = identity.load(data)
    assert me.terminal_id == "t-1" and me.hub_url == url and identity.mode_of(data) == 0o600
    assert pad.code == "" and row(screen, "管理平台") == f"t-1 · {url}"
    save(h, f"maintenance-enrol-done-{size[0]}x{size[1]}")
    assert pad.ids.cancel.text == "关闭"
    h.tap(pad.ids.cancel)
    assert pad.parent is None
    save(h, f"maintenance-enrolled-{size[0]}x{size[1]}")


def test_empty_fields_and_editing_keys(ui, demo_view, tmp_path):
    h = ui(Settings(display=Display(fullscreen=False), data_dir=tmp_path / "data", hub_url="https://hub.example"),
           demo_view)
    screen = h.open("maintenance")
    pad = screen.enrolment.open_pad()
    h.frames(2)
    assert pad.hub == "https://hub.example" and pad.field == "code"  # the config's hub: straight to the code
    h.tap(pad.ids.submit)
    assert pad.message == "请输入管理平台地址和注册码。" and not pad.busy
    type_text(h, pad, "ab")
    h.tap(pad.ids.keyboard.key("backspace"), frames=1)
    assert pad.code == "A"
    h.tap(pad.ids.keyboard.key("clear"), frames=1)
    assert pad.code == ""
