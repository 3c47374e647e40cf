"""The home screen, driven through the real KioskApp offscreen (fixture `ui` in conftest)."""
from __future__ import annotations

import datetime as dt
import pytest

from content.schemas import CST, Centre, Notice
from kiosk import theme
from kiosk.config import Display, Settings, Tickets
from kiosk.i18n import _, format_date, format_time

pytestmark = pytest.mark.ui

NOW = dt.datetime(2026, 11, 22, 9, 41, 5)
CENTRE_NAME = "阳光街道幸福里社区党群服务中心"
URGENT_TITLE = "今晚22:00至明早6:00停水检修，请提前储水 [b]不是标记[/b]"


# ---- real settings and a real content store holding exactly the items a test needs ------

def make_settings(tickets_url: str = "", elder: bool = False):
    return Settings(elder_mode_default=elder, display=Display(fullscreen=False),
                    tickets=Tickets(url=tickets_url))


def make_centre():
    return Centre(id="demo-centre", title=CENTRE_NAME, name=CENTRE_NAME,
                  address="幸福里 88 号", updated_at=NOW, phone="0571-8888 1234",
                  hours=["周一至周五 8:30-12:00 14:00-17:30", "周六 9:00-12:00"])


def urgent(n: int, title: str = URGENT_TITLE):
    return Notice(id=f"urgent-{n}", title=title, level="urgent", updated_at=NOW)


@pytest.fixture(scope="module")
def queue_url(tmp_path_factory):
    """A live queue service (`kiosk tickets serve --demo`): the 取号 tile shows while it answers."""
    from tests.tickets_live import start_service

    svc = start_service(tmp_path_factory.mktemp("queue"))
    yield svc.url
    svc.stop()


@pytest.fixture
def start(ui, make_view):
    """start(tickets_url="", notices=(), size=(1080, 1920), elder=False) -> UI handle."""
    def run(tickets_url="", notices=(), size=(1080, 1920), elder=False):
        view = make_view(make_centre(), *notices)
        h = ui(make_settings(tickets_url, elder), view, size=size, now=lambda: NOW)
        if tickets_url:  # the queue's first answer (a background call) decides on the 取号 tile
            assert h.wait_for(lambda: h.app.tickets.checks > 0, timeout=10)
            h.frames(2)
        return h
    return run


# ---- tests --------------------------------------------------------------------------------

def test_header_shows_centre_name_date_and_time(start):
    h = start()
    texts = h.texts()
    assert CENTRE_NAME in texts
    assert "2026年11月22日 星期日" in texts
    assert format_time(NOW) in texts
    assert h.home.ids.centre_name.texture_size[0] <= h.home.ids.header.width


def test_clock_follows_the_real_date_by_default(ui, make_view):
    h = ui(make_settings(), make_view(make_centre()), size=(1080, 1920))
    today = dt.datetime.now(CST).date()
    assert format_date(today) in h.texts() or \
        format_date(today + dt.timedelta(days=1)) in h.texts()  # midnight race


def test_demo_centre_renders_in_every_shape(ui, demo_view):
    centre = demo_view.centre()
    for size in [(1080, 1920), (1920, 1080), (800, 480)]:
        h = ui(make_settings("http://192.0.2.10:8300"), demo_view, size=size)
        assert centre.name in h.texts()
        if demo_view.urgent_notices():
            assert h.root.banner.ids.title.text == demo_view.urgent_notices()[0].title
        for tile in h.home.tiles():
            assert tile.ids.body.height <= tile.height + 1, (size, tile.screen)
        h.screenshot(f"demo_home_{size[0]}x{size[1]}")


def test_four_tiles_and_no_ticket_tile_without_a_tickets_url(start):
    h = start()
    names = [t.screen for t in h.home.tiles()]
    assert names == ["guides", "disclosures", "notices", "centre"]
    titles = [t.title for t in h.home.tiles()]
    assert titles == ["办事指南", "信息公开", "通知公告", "中心导览"]
    assert "取号" not in h.texts()
    assert "查看办理材料、窗口和时限" in h.home.tile("guides").ids.hint.text.replace("\n", "")


def test_no_dead_ticket_tile_while_the_queue_does_not_answer(start):
    from tests.tickets_live import free_port

    h = start(tickets_url=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    assert h.home.tile("tickets") is None
    assert [t.screen for t in h.home.tiles()] == ["guides", "disclosures", "notices", "centre"]
    assert "取号" not in h.texts()


def test_ticket_tile_appears_while_the_queue_answers(start, queue_url):
    h = start(tickets_url=queue_url)
    tile = h.home.tile("tickets")
    assert tile is not None and tile.title == "取号" and tile.primary
    assert "取号" in h.texts()
    h.screenshot("home_tickets_1080x1920")


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
def test_tiles_are_finger_sized_and_inside_the_window(start, queue_url, size, elder):
    h = start(tickets_url=queue_url, notices=[urgent(1)], size=size, elder=elder)
    h.screenshot(f"home_{size[0]}x{size[1]}" + ("_elder" if elder else ""))
    win_w, win_h = size
    min_px = 9 / 25.4 * 160  # 9 mm at 160 dpi, the densest panel we expect
    for tile in h.home.tiles():
        x, y = tile.to_window(tile.x, tile.y)
        assert tile.width >= min_px and tile.height >= min_px, (tile.screen, tile.size)
        assert x >= 0 and y >= 0 and x + tile.width <= win_w + 1 and y + tile.height <= win_h + 1
        body = tile.ids.body
        assert body.height <= tile.height + 1, f"{tile.screen} content clipped at {size}"
    toggle = h.home.ids.elder_toggle
    assert toggle.width >= min_px and toggle.height >= min_px


def test_urgent_banner_shows_the_title_as_plain_text(start):
    h = start(notices=[urgent(1), urgent(2, "燃气管道检修通知")])
    banner = h.root.banner
    assert banner.active and banner.height > 0
    assert banner.ids.title.text == URGENT_TITLE
    assert banner.ids.title.markup is False
    assert banner.ids.tag.text == "紧急通知"
    assert "共 2 条紧急通知" in h.texts()


def test_no_banner_without_urgent_notices(start):
    h = start(notices=[Notice(id="n1", title="普通通知", updated_at=NOW)])
    assert not h.root.banner.active and h.root.banner.height == 0


def test_an_unknown_screen_shows_a_calm_not_yet_message(start):
    h = start()  # no tile leads to a missing screen; a stale link still must not break
    toast = h.root.toast
    assert not toast.shown
    assert h.app.open_screen("no_such_screen") is False
    h.frames(2)
    assert toast.shown
    assert toast.text == _("This service is coming soon. Please ask the staff for help.")
    assert "该功能即将开放" in toast.text
    assert h.app.manager.current == "home"
    h.screenshot("home_toast_1080x1920")


def test_the_ticket_tile_opens_the_tickets_screen(start, queue_url):
    h = start(tickets_url=queue_url)
    h.tap(h.home.tile("tickets"))
    assert h.current == "tickets" and not h.root.toast.shown


def test_every_tile_opens_its_screen(start, queue_url):
    h = start(tickets_url=queue_url)
    opened = []
    for tile in h.home.tiles():
        h.tap(tile)
        opened.append(h.current)
        h.app.go_home()
        h.frames(1)
    assert opened == ["guides", "disclosures", "notices", "centre", "tickets"]
    assert not h.root.toast.shown


def test_a_double_delivered_tap_acts_once(start):
    h = start()
    opened = []
    h.app.open_screen = lambda name: opened.append(name) or False
    tile = h.home.tile("notices")
    h.tap(tile, frames=0)
    h.tap(tile, frames=0)  # the same finger seen by a second input provider
    assert opened == ["notices"]


def test_escape_and_close_requests_do_not_close_the_app(start):
    from kivy.app import App
    from kivy.base import EventLoop

    h = start()
    assert h.key(27) is True
    assert h.window.dispatch("on_request_close") is True
    h.frames(2)
    assert EventLoop.status != "closed" and not EventLoop.quit
    assert App.get_running_app() is h.app
    assert h.app.manager.current == "home"


def test_elder_mode_toggle_scales_tile_text(start):
    h = start()
    title = h.home.tile("guides").ids.title
    toggle = h.home.ids.elder_toggle
    normal = title.font_size
    assert toggle.text == "长辈模式：关"
    h.tap(toggle)
    assert h.app.elder_mode and toggle.text == "长辈模式：开"
    assert title.font_size == pytest.approx(normal * theme.ELDER_SCALE)
    assert h.home.tile("guides").ids.body.height <= h.home.tile("guides").height
    h.screenshot("home_elder_1080x1920")


def test_elder_mode_default_comes_from_settings(start):
    h = start(elder=True)
    assert h.app.elder_mode and h.app.text_scale == theme.ELDER_SCALE
    assert h.app.text_unit == pytest.approx(h.app.ui_unit * theme.ELDER_SCALE)
    assert h.home.tile("guides").ids.title.font_size == pytest.approx(
        theme.FONT_TILE * theme.ELDER_SCALE * h.app.ui_unit)


def test_rotated_panel_lays_out_for_the_rotated_shape(ui, make_view):
    settings = Settings(display=Display(rotation=90, fullscreen=False))
    h = ui(settings, make_view(make_centre()), size=(1920, 1080), now=lambda: NOW)
    assert h.window.rotation == 90
    assert tuple(h.window.size) == (1080, 1920) and not h.app.landscape
    assert CENTRE_NAME in h.texts()


def test_idle_resets_text_size_and_starts_the_attract_loop(start):
    h = start()
    h.tap(h.home.ids.elder_toggle)
    h.app.show_toast("x")
    assert h.app.elder_mode
    h.app._last_input -= h.app.settings.idle_timeout_s + 1  # nobody touched it for that long
    h.frames(1)
    h.app._tick(0)
    assert not h.app.elder_mode and not h.root.toast.shown
    assert h.app.manager.current == "attract"  # the attract loop plays until the next touch


def test_a_new_content_version_shows_at_once(start, make_view):
    h = start()
    renamed = make_centre().model_copy(update={"name": "新名字社区党群服务中心"})
    h.app.set_view(make_view(renamed, urgent(1, "新的紧急通知")))
    h.frames(2)
    assert "新名字社区党群服务中心" in h.texts()
    assert h.root.banner.ids.title.text == "新的紧急通知"


def test_body_text_is_large_at_1080_wide(start):
    h = start()
    assert h.home.ids.info.font_size >= 28
    assert h.home.tile("guides").ids.hint.font_size >= 28


def test_screenshot_at_1080x1920_is_not_blank(start):
    from PIL import Image

    h = start(notices=[urgent(1)])
    path = h.screenshot("home_urgent_1080x1920")
    image = Image.open(path).convert("RGB")
    assert image.size == (1080, 1920)
    colours = image.resize((108, 192)).getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # header red, tiles, text: far from a single flat colour
    header_pixel = image.getpixel((540, 240))
    assert header_pixel[0] > 150 and header_pixel[1] < 60  # the red header is drawn


def test_text_colours_have_enough_contrast():
    for name, (fg, bg) in theme.TEXT_PAIRS.items():
        assert theme.contrast(fg, bg) >= 4.5, name


# ---- whole processes: `kiosk screenshot` and `systemctl stop` --------------------------------

CHILD_ENV = {"SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1"}


def _child(code: str, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, **CHILD_ENV, KIVY_HOME=str(tmp_path / "kivy-home"))
    root = Path(__file__).resolve().parent.parent
    return subprocess.Popen([sys.executable, "-c", code], cwd=root, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_take_screenshots_writes_one_png_per_screen(demo_view, tmp_path):
    from PIL import Image

    out = tmp_path / "shots"
    proc = _child(f"""
from pathlib import Path
from content.store import open_current
from kiosk.config import Settings
from kiosk.screenshot import take_screenshots
view = open_current(Path({str(demo_view.data_dir)!r}))
print("SAVED", take_screenshots(Settings(), view, (800, 480), Path({str(out)!r}), ["home"]))
""", tmp_path)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["home.png"]
    assert Image.open(out / "home.png").size == (800, 480)


def test_unknown_screen_names_are_refused_with_the_known_ones(tmp_path):
    from kiosk.screenshot import check_names

    from screens.registry import SCREENS

    with pytest.raises(ValueError, match="known screens: home, "):
        check_names(["home", "nonsense"])
    assert check_names(None) == list(SCREENS)
    assert {"home", "guides", "guide_search", "guide_detail", "disclosures", "disclosure_detail", "notices",
            "notice_detail", "centre", "attract", "maintenance"} <= set(SCREENS)


def test_sigterm_stops_the_locked_down_app(demo_view, tmp_path):
    import signal
    import time

    proc = _child(f"""
from pathlib import Path
from kivy.clock import Clock
from content.store import open_current
from kiosk.config import Display, Settings
from kiosk.app_run import run_app
Clock.schedule_once(lambda dt: print("RUNNING", flush=True), 0.5)
run_app(Settings(display=Display(width=800, height=480, fullscreen=False)),
        open_current(Path({str(demo_view.data_dir)!r})))
print("STOPPED", flush=True)
""", tmp_path)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("RUNNING"):
            break
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "STOPPED" in rest
    assert time.monotonic() - start < 10
