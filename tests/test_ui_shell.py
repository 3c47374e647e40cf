"""App-level behaviour, driven through the real KioskApp offscreen: the attract loop and the
session reset on idle, elder mode on every screen, lockdown (keys, close, cursor, double taps),
the hidden maintenance gesture with its PIN, the maintenance screen, and live content.

Time is a `ManualClock` (tests/conftest.py) handed to the app as its monotonic clock, so the
90 s idle timeout and the 60 s PIN lock are crossed without waiting.
"""
from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest

from content.bundle import BundleWriter
from content.schemas import Centre, Guide, Notice, Slide
from content.store import build_version, open_current
from kiosk import theme
from kiosk.config import Display, Maintenance, Settings, hash_pin
from screens import registry

pytestmark = pytest.mark.ui

SUNDAY_MORNING = dt.datetime(2026, 11, 22, 9, 41, 5)    # a Sunday
MONDAY_MORNING = dt.datetime(2026, 11, 23, 9, 41, 5)
CENTRE_NAME = "阳光街道幸福里社区党群服务中心"
PIN = "2468"


@pytest.fixture(scope="module")
def pin_hash():
    return hash_pin(PIN)


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
    """shell(slides=SLIDES, items=(), now=SUNDAY_MORNING, size=(1080, 1920), pin="", ...) ->
    UI handle, with `h.clock` the app's monotonic clock and `h.data_dir` its content."""
    def run(slides=SLIDES, items=(), now=SUNDAY_MORNING, size=(1080, 1920), pin="", elder=False,
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
    """Registered screens with the shared red bar (everything but home and attract)."""
    return [n for n in registry.SCREENS if n not in ("home", "attract")]


# ---- attract loop and the session reset ----------------------------------------------------

def test_idle_timeout_opens_the_attract_loop_and_forgets_the_resident(shell):
    h = shell()
    h.tap(h.home.ids.elder_toggle)
    h.app.show_toast("上一位居民的提示")
    h.app.session["id_card"] = {"name": "张*明"}
    assert h.app.elder_mode and h.root.toast.shown
    go_idle(h, h.app.settings.idle_timeout_s - 1)
    assert h.current == "home" and h.app.elder_mode  # not yet
    go_idle(h, 2)
    assert h.current == "attract"
    assert not h.app.elder_mode and not h.root.toast.shown
    assert h.app.session == {}
    go_idle(h)
    assert h.current == "attract"  # stays; fires once per idle period


def test_idle_resets_built_screens(shell):
    if "guides" not in registry.SCREENS:
        pytest.skip("the guides screen is not registered yet")
    h = shell(items=[Guide(id="g1", title="最低生活保障申请", category="民生保障", updated_at=SUNDAY_MORNING),
                     Guide(id="g2", title="党员组织关系转接", category="党务服务", updated_at=SUNDAY_MORNING)])
    guides = h.open("guides")
    guides.select_category("党务服务")
    assert guides.category == "党务服务"
    go_idle(h)
    assert guides.category == ""


def test_attract_plays_only_slides_in_their_daypart_for_their_duration(shell):
    h = shell(now=SUNDAY_MORNING)
    go_idle(h)
    attract = h.screen("attract")
    shown = []
    for _ in range(4):
        shown.append((attract.slide_id, attract.seconds_to_next()))
        attract.advance()
    # Sunday 9:41: the all-day and the weekend slide; not the weekday-morning or evening one
    assert shown == [("slide-all-day", 5), ("slide-weekend", 9),
                     ("slide-all-day", 5), ("slide-weekend", 9)]
    assert attract.ids.slide.texture is not None and attract.showing_slide
    assert attract.ids.fallback.opacity == 0
    h.screenshot("attract_slide_1080x1920")


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
def test_attract_plays_the_demo_slides_at_every_size(ui, demo_view, manual_clock, size):
    h = ui(settings(), demo_view, size=size, now=lambda: SUNDAY_MORNING, monotonic=manual_clock)
    h.clock = manual_clock
    go_idle(h)
    attract = h.screen("attract")
    assert attract.showing_slide and attract.slide_id == "slide-party"
    image = attract.ids.slide
    assert image.texture is not None and image.texture.size == (1080, 1920)
    drawn_w, drawn_h = image.norm_image_size
    assert drawn_w <= size[0] + 1 and drawn_h <= attract.height + 1  # letterboxed, never cut
    hint = attract.ids.hint
    assert hint.top <= image.center_y - drawn_h / 2 + 1  # the hint covers no part of the slide
    assert hint.height >= theme.MIN_TOUCH_PX * 0.9
    h.screenshot(f"attract_demo_{size[0]}x{size[1]}")
    seen = set()
    for _ in range(8):
        seen.add(attract.slide_id)
        attract.advance()
    weekend = {s.id for s in demo_view.items("slide") if s.in_daypart(SUNDAY_MORNING)}
    assert seen == weekend and "slide-family-doctor" not in seen  # weekday mornings only


def test_attract_follows_the_weekday_dayparts(shell):
    h = shell(now=MONDAY_MORNING)
    go_idle(h)
    attract = h.screen("attract")
    seen = set()
    for _ in range(4):
        seen.add(attract.slide_id)
        attract.advance()
    assert seen == {"slide-all-day", "slide-weekday-morning"}


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
def test_attract_without_slides_shows_the_centre_name(shell, size):
    h = shell(slides=[], size=size)
    go_idle(h)
    attract = h.screen("attract")
    assert not attract.showing_slide and attract.ids.fallback.opacity == 1
    assert attract.ids.centre_name.text.replace("\n", "") == CENTRE_NAME
    assert "轻触屏幕，开始使用" in h.texts(attract)
    assert attract.seconds_to_next() is not None  # it looks again later (a daypart may begin)
    assert attract.ids.centre_name.texture_size[0] <= attract.ids.fallback.width + 1
    path = h.screenshot(f"attract_fallback_{size[0]}x{size[1]}")
    from PIL import Image

    colours = Image.open(path).convert("RGB").resize((108, 108)).getcolors(1_000_000)
    assert len(colours) > 10  # text on red, not a flat screen


def test_a_touch_on_the_attract_loop_returns_home_and_presses_nothing(shell):
    h = shell()
    tile = h.home.tile("guides")
    x, y = tile.to_window(*tile.center)
    go_idle(h)
    assert h.current == "attract"
    h.tap_at(x, y)  # where the 办事指南 tile is on home
    assert h.current == "home"
    h.frames(3)
    assert h.current == "home" and not h.root.toast.shown


def test_the_urgent_banner_stays_over_the_attract_loop(shell):
    urgent = Notice(id="u1", title="今晚停水检修", level="urgent", updated_at=SUNDAY_MORNING)
    h = shell(items=[urgent])
    go_idle(h)
    banner = h.root.banner
    assert banner.active and banner.height > 0 and banner.ids.title.text == "今晚停水检修"
    h.tap(banner)  # a touch on the banner also only wakes the terminal
    assert h.current == "home"


# ---- elder mode on every screen -------------------------------------------------------------

@pytest.mark.parametrize("name", resident_screens())
@pytest.mark.parametrize("size", [(1080, 1920), (800, 480)], ids=["1080x1920", "800x480"])
def test_the_elder_toggle_works_on_every_screen(shell, size, name):
    h = shell(size=size)
    screen = h.open(name)
    toggle = screen.ids.get("elder_toggle")
    assert toggle is not None, f"{name}: no 长辈模式 toggle"
    title, bar = screen.ids.screen_title, screen.ids.navbar
    normal_font, normal_bar = title.font_size, bar.height
    back = screen.ids.back_button
    normal_back = tuple(back.size)
    h.tap(toggle)
    assert h.app.elder_mode and toggle.text == "长辈模式：开"
    assert title.font_size >= normal_font * theme.ELDER_SCALE - 0.01
    assert bar.height >= normal_bar * theme.ELDER_SCALE - 0.5
    assert back.width >= normal_back[0] * theme.ELDER_SCALE - 1
    assert back.height >= normal_back[1] * theme.ELDER_SCALE - 1
    time.sleep(toggle.debounce_s)  # a second, deliberate tap
    h.tap(toggle)
    assert not h.app.elder_mode and title.font_size == pytest.approx(normal_font)


# ---- lockdown -------------------------------------------------------------------------------

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
    back = second.ids.back_button
    h.tap(back, frames=0)
    h.tap(back, frames=0)  # the same finger, delivered twice (SDL mouse + mtdev on a Pi)
    h.frames(2)
    assert h.current == "first"


def test_a_double_tap_on_home_and_on_the_elder_toggle_acts_once(shell):
    h = shell()
    second = _two_screens_deep(h)
    h.tap(second.ids.elder_toggle, frames=0)
    h.tap(second.ids.elder_toggle, frames=0)
    assert h.app.elder_mode  # toggled once, not on-off
    h.tap(second.ids.home_button, frames=0)
    h.tap(h.home.ids.elder_toggle, frames=0)  # where a fast second tap would land: acts
    assert h.current == "home"


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
    for digit in pin:
        h.tap(keys[digit], frames=1)
        h.clock.advance(0.2)
    ok = pad.ids.ok
    # 确定 ignores a second press within its debounce (real time): a tap, not a double delivery
    time.sleep(max(0.0, ok.debounce_s - (time.monotonic() - ok._last_tap)))
    h.tap(ok, frames=0)
    if wait:
        assert h.wait_for(lambda: not pad.busy), "the PIN check never answered"
        h.frames(2)


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
    h.screenshot("pin_pad_1080x1920")
    type_pin(h, pad, "1111")
    assert pad.message.startswith("密码错误") and any("密码错误" in t for t in h.texts(pad))
    assert pin_pad(h) is pad and h.current == "home" and pad.digits == ""
    h.screenshot("pin_pad_wrong_1080x1920")
    type_pin(h, pad, PIN)
    assert pin_pad(h) is None and h.current == "maintenance"


def test_the_pin_is_checked_off_the_ui_thread_with_a_please_wait(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h)
    pad = pin_pad(h)
    type_pin(h, pad, PIN, wait=False)
    # 确定 has been handled, the argon2 check runs in a thread: the pad says so and keys wait
    assert pad.busy and pad.message == "请稍候…" and h.current == "home"
    h.frames(1)
    assert "请稍候…" in h.texts(pad)
    h.tap({k.text: k for k in pad.ids.keypad.children}["5"], frames=0)
    assert pad.digits == ""  # no typing into a PIN that is being checked
    assert h.wait_for(lambda: h.current == "maintenance")
    assert pin_pad(h) is None and not pad.busy


def test_a_pin_check_finishing_after_cancel_opens_nothing(shell, pin_hash):
    h = shell(pin=pin_hash)
    corner_taps(h)
    pad = pin_pad(h)
    type_pin(h, pad, PIN, wait=False)
    h.tap(pad.ids.cancel, frames=0)  # 取消 while the right PIN is being checked
    assert pin_pad(h) is None
    import threading

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
    h.tap_at(500, 900)  # a tap elsewhere breaks a sequence
    corner_taps(h, 3)
    h.tap_at(500, 900)
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
    h.tap(h.screen().ids.back_button)  # the red bar's 返回: home, never a resident's page
    assert h.current == "home"
    assert h.app.open_screen("maintenance") is False  # leaving locked it again
    assert h.app._history == []


# ---- the maintenance screen ------------------------------------------------------------------

def open_maintenance(h):
    corner_taps(h)
    type_pin(h, pin_pad(h), PIN)
    assert h.current == "maintenance"
    return h.screen()


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
    assert screen.title == "系统维护" and "系统维护" in h.texts(screen)
    for label in ("重启程序", "退出到系统", "返回"):
        assert label in h.texts(screen.content.ids.buttons)
    h.screenshot("maintenance_1080x1920")


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
    h.tap_at(540, 960)
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


# ---- live content ----------------------------------------------------------------------------

def test_new_content_waits_for_home_but_the_urgent_banner_does_not(shell):
    guide = Guide(id="g1", title="最低生活保障申请", category="民生保障", updated_at=SUNDAY_MORNING)
    h = shell(items=[guide])
    reading = next((n for n in ("guide_detail", "guides", "maintenance") if n in registry.SCREENS))
    screen = h.open(reading)
    before = [s.name for s in h.app.manager.screens]
    assert not h.root.banner.active

    urgent = Notice(id="u1", title="明天上午停电检修", level="urgent", updated_at=SUNDAY_MORNING)
    renamed = guide.model_copy(update={"title": "最低生活保障申请（新）"})
    write_version(h.data_dir, [renamed, urgent], name="新名字社区党群服务中心", version="v2")
    assert h.app.watcher.poll() is True
    h.frames(2)
    # mid-reading: the same screen, the old content; but the banner at once
    assert h.current == reading and h.screen() is screen
    assert h.app.view.version == "v1"
    assert h.root.banner.active and h.root.banner.ids.title.text == "明天上午停电检修"
    assert h.home.centre_name == CENTRE_NAME
    assert h.app.watcher.poll() is False  # nothing new

    h.tap(screen.ids.home_button)
    assert h.current == "home"
    assert h.app.view.version == "v2"
    assert h.home.centre_name == "新名字社区党群服务中心" and "新名字社区党群服务中心" in h.texts()
    assert [s.name for s in h.app.manager.screens] == ["home"]  # rebuilt with the new content
    assert len(before) > 1
    assert h.app.view.guides()[0].title == "最低生活保障申请（新）"


def test_new_content_at_home_shows_at_once(shell):
    h = shell()
    write_version(h.data_dir, name="新名字社区党群服务中心", version="v2")
    h.app.watcher.poll()
    h.frames(2)
    assert h.app.view.version == "v2" and "新名字社区党群服务中心" in h.texts()


def test_the_watcher_runs_on_the_clock(shell):
    from kiosk.content_watch import POLL_S

    h = shell()
    polls = [e for e in h.app._events if e.get_callback() == h.app.watcher.poll]
    assert len(polls) == 1 and polls[0].timeout == POLL_S and polls[0].is_triggered


def test_a_broken_version_keeps_the_old_content(shell):
    import os

    h = shell()
    bad = h.data_dir / "versions" / "broken"
    bad.mkdir()
    (bad / "content.sqlite").write_bytes(b"not a database")
    os.symlink("versions/broken", h.data_dir / ".cur")
    os.replace(h.data_dir / ".cur", h.data_dir / "current")
    assert h.app.watcher.poll() is False
    assert h.app.view.version == "v1" and CENTRE_NAME in h.texts()



# ---- `kiosk screenshot`: every registered screen, in a process of its own ---------------------

def test_kiosk_screenshot_renders_every_registered_screen(demo_view, tmp_path):
    import os
    import subprocess
    import sys

    from PIL import Image

    out = tmp_path / "shots"
    env = dict(os.environ, SDL_VIDEODRIVER="offscreen", KIVY_HOME=str(tmp_path / "kivy"),
               KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1")
    env.pop("KIOSK_CONFIG", None)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "screenshot", "--size", "800x480", "--out", str(out),
         "--data-dir", str(demo_view.data_dir)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.png" for n in registry.SCREENS)
    blank = []
    for name in registry.SCREENS:
        image = Image.open(out / f"{name}.png").convert("RGB")
        assert image.size == (800, 480), name
        if len(image.resize((160, 96)).getcolors(1_000_000)) < 12:
            blank.append(name)
    assert not blank, f"screens that rendered (nearly) blank: {blank}"


# ---- a screen dropped for new content is freed ----------------------------------------------

@pytest.fixture(scope="module")
def two_demo_versions(tmp_path_factory):
    """A data dir holding the demo centre twice (versions demo-a, demo-b), demo-a current."""
    from content.demo import DEMO_CENTRE_ID, build_demo
    from content.store import switch_current

    root = tmp_path_factory.mktemp("two-versions")
    data = root / "data"
    for version in ("demo-b", "demo-a"):
        writer = BundleWriter(centre=DEMO_CENTRE_ID)
        build_demo(writer, None)
        writer.write_dir(root / version, version=version)
        build_version(root / version, data)
    switch_current(data, "demo-a")
    return data


@pytest.mark.parametrize("name", [n for n in registry.SCREENS if n != "home"])
def test_a_screen_dropped_for_new_content_is_freed(ui, two_demo_versions, name):
    """Each content update rebuilds the screens: the old ones must not stay in memory."""
    import gc
    import weakref

    from content.store import current_version, switch_current

    data = two_demo_versions
    h = ui(settings(data_dir=data), open_current(data), size=(800, 480))
    screen = weakref.ref(h.open(name))
    switch_current(data, "demo-b" if current_version(data) == "demo-a" else "demo-a")
    assert h.app.watcher.poll() is True
    h.app.go_home()
    h.frames(3)
    assert not h.app.manager.has_screen(name)
    # Kivy's transition keeps the screen it last switched away from until the next switch
    # (bounded, one screen): switch once more so only a real leak keeps it
    h.app.unlock_maintenance()
    h.app.open_screen("maintenance")
    h.frames(2)
    h.app.go_home()
    settle = time.monotonic() + 1.5  # let running animations (scroll bars fading) finish:
    while time.monotonic() < settle:  # kivy.animation holds its widgets until then
        h.frames(1)
    for _ in range(3):
        gc.collect()
    alive = screen()
    assert alive is None, (f"{name}: still referenced after it was dropped for new content, "
                           f"by: {_holders(alive)}")


def _holders(obj) -> list[str]:
    """What keeps `obj` alive, readably: closures (file:line) and the objects owning it."""
    import gc
    import inspect

    found = []
    for ref in gc.get_referrers(obj):
        if inspect.isframe(ref):
            continue
        if type(ref).__name__ == "cell":
            for func in (f for t in gc.get_referrers(ref) if isinstance(t, tuple)
                         for f in gc.get_referrers(t) if inspect.isfunction(f)):
                code = func.__code__
                found.append(f"closure {func.__qualname__} "
                             f"({Path(code.co_filename).name}:{code.co_firstlineno})")
        elif inspect.ismethod(ref):
            found.append(f"bound method {ref.__func__.__qualname__}")
        elif isinstance(ref, dict):
            owners = [type(o).__name__ for o in gc.get_referrers(ref)
                      if getattr(o, "__dict__", None) is ref]
            keys = [k for k, v in ref.items() if v is obj]
            found.append(f"dict {keys} of {owners or '?'}")
        else:
            found.append(type(ref).__name__)
    return found
