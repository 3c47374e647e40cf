"""Lockdown, driven through the real KioskApp offscreen: refused keys and close requests, no
cursor in fullscreen, double taps that act once, the hidden maintenance gesture with its PIN
(checked in a worker thread, wrong PINs locked out), and the maintenance screen behind it."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk import theme
from tests.shell_support import (PIN, corner_taps, go_idle, open_maintenance, pin_hash,  # noqa: F401
                                 pin_pad, shell, type_pin)

pytestmark = pytest.mark.ui


# ---- keys, close requests, the cursor, double taps ------------------------------------------

def test_escape_alt_f4_and_close_requests_do_nothing(shell):
    from kivy.app import App
    from kivy.base import EventLoop

    h = shell()
    h.app.open_screen("maintenance")  # refused: no PIN, stays home
    assert h.key(27) is True                       # Escape
    assert h.key(285, modifiers=["alt"]) is True   # Alt+F4 (no window manager: a key)
    assert h.window.dispatch("on_request_close") is True               # the close button
    assert h.window.dispatch("on_request_close", source="keyboard") is True
    h.frames(2)
    assert EventLoop.status != "closed" and not EventLoop.quit
    assert App.get_running_app() is h.app and h.current == "home"
    assert h.key(ord("a")) is False  # ordinary keys are not swallowed


@pytest.mark.parametrize("fullscreen", [True, False])
def test_no_cursor_in_fullscreen(shell, fullscreen):
    h = shell(fullscreen=fullscreen)
    assert h.window.show_cursor is (not fullscreen)


def _two_screens_deep(h):
    from screens.base import KioskScreen

    for name in ("first", "second"):
        h.app.manager.add_widget(KioskScreen(name=name, title=name))
    h.app.open_screen("first")
    h.app.open_screen("second")
    h.frames(2)
    return h.screen("second")


def test_a_double_tap_on_back_goes_back_once(shell):
    h = shell()
    second = _two_screens_deep(h)
    back = second.navbar.ids.back_button
    h.tap(back, frames=0)
    h.tap(back, frames=0)  # the same finger, delivered twice (SDL mouse + mtdev on a Pi)
    h.frames(2)
    assert h.current == "first"


def test_a_double_tap_on_home_and_on_the_elder_toggle_acts_once(shell):
    h = shell()
    second = _two_screens_deep(h)
    h.tap(second.navbar.ids.elder_toggle, frames=0)
    h.tap(second.navbar.ids.elder_toggle, frames=0)
    assert h.app.elder_mode  # toggled once, not on-off
    h.tap(second.navbar.ids.home_button, frames=0)
    h.tap(h.home.ids.elder_toggle, frames=0)  # where a fast second tap would land: acts
    assert h.current == "home"


# ---- the hidden maintenance gesture and the PIN ----------------------------------------------

def test_the_gesture_without_a_pin_says_so_and_opens_nothing(shell):
    h = shell(pin="")
    corner_taps(h)
    assert pin_pad(h) is None and h.current == "home"
    assert h.root.toast.shown and h.root.toast.text == "未设置维护密码"


def test_the_gesture_and_the_right_pin_open_maintenance(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h, 4)
    assert pin_pad(h) is None  # four taps are not enough
    corner_taps(h, 1)
    pad = pin_pad(h)
    assert pad is not None and h.current == "home"
    h.screenshot("pin_pad_800x480")
    type_pin(h, pad, "1111")
    assert pad.message.startswith("密码错误") and any("密码错误" in t for t in h.texts(pad))
    assert pin_pad(h) is pad and h.current == "home" and pad.digits == ""
    h.screenshot("pin_pad_wrong_800x480")
    type_pin(h, pad, PIN)
    assert pin_pad(h) is None and h.current == "maintenance"


@pytest.fixture
def held_pin_check(monkeypatch):
    """Holds every argon2 verification (the outside library) until the test sets the returned
    Event, so a test sees the pad while its PIN is being checked, whatever the machine's speed."""
    import threading

    from argon2 import PasswordHasher

    release = threading.Event()
    verify = PasswordHasher.verify

    def held(self, hash, password):
        assert release.wait(10), "the test never released the PIN check"
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", held)
    yield release
    release.set()


def test_the_pin_is_checked_off_the_ui_thread_with_a_please_wait(shell, pin_hash, held_pin_check):
    h = shell(pin=pin_hash)
    corner_taps(h)
    pad = pin_pad(h)
    type_pin(h, pad, PIN, wait=False)
    # 确定 has been handled and the check is still running: had it run on the UI thread, the
    # tap would have waited for it (and the held check would have timed out)
    assert pad.busy and pad.message == "请稍候…" and h.current == "home"
    h.frames(3)  # the UI keeps drawing meanwhile
    assert "请稍候…" in h.texts(pad)
    h.tap({k.text: k for k in pad.ids.keypad.children}["5"], frames=1)
    assert pad.digits == "" and pad.busy  # no typing into a PIN that is being checked
    held_pin_check.set()
    assert h.wait_for(lambda: h.current == "maintenance")
    assert pin_pad(h) is None and not pad.busy


def test_a_pin_check_finishing_after_cancel_opens_nothing(shell, pin_hash, held_pin_check):
    import threading

    h = shell(pin=pin_hash)
    corner_taps(h)
    pad = pin_pad(h)
    type_pin(h, pad, PIN, wait=False)
    h.tap(pad.ids.cancel, frames=1)  # 取消 while the right PIN is being checked
    assert pin_pad(h) is None
    held_pin_check.set()
    for thread in [t for t in threading.enumerate() if t.name == "pin-check"]:
        thread.join(10)
    h.frames(3)  # the result's Clock callback runs
    assert h.current == "home" and pin_pad(h) is None
    assert h.app.open_screen("maintenance") is False


def test_the_pin_is_masked_and_editable(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h)
    pad = pin_pad(h)
    keys = {k.text: k for k in pad.ids.keypad.children}
    for digit in "135":
        h.tap(keys[digit], frames=1)
    h.tap(pad.ids.delete)
    assert pad.digits == "13" and pad.ids.dots.text == "●●"
    assert not any("13" in t for t in h.texts(pad))
    h.tap(pad.ids.cancel)
    assert pin_pad(h) is None and h.current == "home"


def test_slow_corner_taps_do_not_open_the_pad(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h, 5, gap_s=0.8)  # five taps over 3.2 s
    assert pin_pad(h) is None
    centre = (h.window.width / 2, h.window.height / 2)
    h.tap_at(*centre)  # a tap elsewhere breaks a sequence
    corner_taps(h, 3)
    h.tap_at(*centre)
    corner_taps(h, 2)
    assert pin_pad(h) is None


def test_corner_taps_still_reach_the_back_button(shell, pin_hash):
    h = shell(pin=pin_hash)
    _two_screens_deep(h)
    h.tap_at(20, h.window.height - 20)  # the 返回 button sits in the corner
    assert h.current == "first"
    h.clock.advance(0.5)
    corner_taps(h, 4)
    assert pin_pad(h) is not None  # the fifth corner tap of the sequence opens the pad


def test_five_wrong_pins_lock_the_pad_for_a_minute(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h)
    pad = pin_pad(h)
    for n in range(5):
        type_pin(h, pad, "0000")
    assert "错误次数过多" in pad.message and "60 秒" in pad.message
    type_pin(h, pad, PIN)  # even the right PIN is refused while locked
    assert h.current == "home" and "错误次数过多" in pad.message
    h.clock.advance(61)
    type_pin(h, pad, PIN)
    assert h.current == "maintenance"


def test_maintenance_is_not_reachable_without_the_pin(shell, pin_hash):
    h = shell(pin=pin_hash)
    assert h.app.open_screen("maintenance") is False and h.current == "home"
    corner_taps(h)
    type_pin(h, pin_pad(h), PIN)
    assert h.current == "maintenance"
    h.tap(h.screen().navbar.ids.back_button)  # the red bar's 返回: home, never a resident's page
    assert h.current == "home"
    assert h.app.open_screen("maintenance") is False  # leaving locked it again
    assert h.app._history == []


# ---- the maintenance screen ------------------------------------------------------------------

def test_maintenance_shows_versions_paths_and_disk(shell, pin_hash):
    import importlib.metadata

    h = shell(pin=pin_hash)
    screen = open_maintenance(h)
    rows = dict(screen.rows())
    assert rows["程序版本"] == importlib.metadata.version("lobby-kiosk")
    assert rows["内容版本"] == "v1" == h.app.view.version
    assert rows["内容生成时间"] == h.app.view.created_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert rows["配置文件"] == "内置默认设置"
    assert rows["数据目录"] == str(h.data_dir)
    assert "GB" in rows["磁盘剩余空间"] and "剩余" in rows["磁盘剩余空间"]
    assert screen.title == "系统维护" and h.app.root_widget.navbar.ids.screen_title.text == "系统维护"
    for label in ("重启程序", "退出到系统", "返回"):
        assert label in h.texts(screen.content.ids.buttons)
    h.screenshot("maintenance_800x480")


def test_restart_runs_the_injected_restart_once(shell, pin_hash):
    restarts = []
    h = shell(pin=pin_hash, restart=lambda: restarts.append(1))
    screen = open_maintenance(h)
    h.tap(screen.content.ids.restart_button, frames=0)
    h.tap(screen.content.ids.restart_button, frames=0)
    assert restarts == [1]


def test_exit_to_system_stops_the_app(shell, pin_hash, monkeypatch):
    h = shell(pin=pin_hash)
    screen = open_maintenance(h)
    stops = []
    monkeypatch.setattr(h.app, "stop", lambda *a: stops.append(1))  # Kivy's App.stop
    h.tap(screen.content.ids.exit_button)
    assert stops == [1]


def test_the_body_back_button_leaves_maintenance_for_home(shell, pin_hash):
    h = shell(pin=pin_hash)
    screen = open_maintenance(h)
    h.tap(screen.content.ids.back_button)
    assert h.current == "home" and h.app.open_screen("maintenance") is False


def test_idle_closes_an_open_pin_pad(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h)
    keys = {k.text: k for k in pin_pad(h).ids.keypad.children}
    h.tap(keys["2"])
    go_idle(h)
    assert pin_pad(h) is None and h.current == "attract"
    h.tap_at(h.window.width / 2, h.window.height / 2)
    corner_taps(h)
    assert pin_pad(h).digits == ""  # the next person starts from an empty PIN


def test_the_gesture_works_from_the_attract_loop(shell, pin_hash):
    h = shell(pin=pin_hash)
    go_idle(h)
    corner_taps(h)  # the first tap also wakes the terminal
    assert h.current == "home" and pin_pad(h) is not None


def test_idle_on_maintenance_locks_it(shell, pin_hash):
    h = shell(pin=pin_hash)
    open_maintenance(h)
    go_idle(h)
    assert h.current == "attract" and h.app.open_screen("maintenance") is False


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
def test_pin_pad_and_maintenance_fit_every_size(shell, pin_hash, size, elder):
    h = shell(pin=pin_hash, size=size, elder=elder)
    corner_taps(h)
    pad = pin_pad(h)
    tag = f"{size[0]}x{size[1]}" + ("_elder" if elder else "")
    h.screenshot(f"pin_pad_{tag}")
    px, py = pad.pos
    assert px >= 0 and py >= 0 and pad.right <= size[0] + 1 and pad.top <= size[1] + 1, pad.pos
    from kivy.uix.behaviors import ButtonBehavior

    keys = [w for w in pad.walk() if isinstance(w, ButtonBehavior)]
    assert len(keys) == 13
    for key in keys:
        assert key.width >= theme.MIN_TOUCH_PX and key.height >= theme.MIN_TOUCH_PX, (key.text, key.size)
        x, y = key.to_window(key.x, key.y)
        assert x >= pad.x - 1 and y >= pad.y - 1 and x + key.width <= pad.right + 1 \
            and y + key.height <= pad.top + 1, key.text
    type_pin(h, pad, PIN)
    h.frames(2)
    h.screenshot(f"maintenance_{tag}")
