"""The devices on the maintenance screen, through the demo's simulators (kiosk.demo_devices, what
`kiosk demo` runs): printer state from a real DLE EOT query, reader state from the real polling
thread, 打印测试页, and 放置示例身份证 on the simulated reader — driven by real touches."""
from __future__ import annotations

import time

import pytest

from kiosk.config import Display, Settings
from kiosk.demo_devices import DemoDevices

pytestmark = pytest.mark.ui


@pytest.fixture
def demo(tmp_path):
    with DemoDevices(tmp_path / "data") as devices:
        yield devices


@pytest.fixture
def start(ui, demo_view):
    def run(demo=None, size=(1080, 1920)):
        settings = Settings(display=Display(fullscreen=False))
        if demo is not None:
            settings = demo.apply(settings)
        return ui(settings, demo_view, size=size, demo=demo)
    return run


def row(screen, label: str) -> str:
    return dict(screen.rows())[label]


def toast(h) -> str:
    t = h.app.root_widget.toast
    return t.plain_text if t.shown else ""


def reopen(h):
    h.app.go_home()
    h.frames(1)
    return h.open("maintenance")


def test_demo_devices_on_the_maintenance_screen(start, demo):
    h = start(demo)
    screen = h.open("maintenance")
    assert h.wait_for(lambda: row(screen, "小票打印机") == f"正常 · {demo.printer.url}")
    assert h.wait_for(lambda: row(screen, "身份证阅读器") == f"正常 · {demo.reader_port}")
    buttons = screen.devices.buttons
    assert "打印测试页" in h.texts(buttons) and "放置示例身份证" in h.texts(buttons)
    for label in ("重启程序", "退出到系统", "返回"):
        assert label in h.texts(screen.content.ids.buttons)
    h.screenshot("maintenance_devices_1080x1920")

    h.tap(buttons.ids.test_page_button)
    assert h.wait_for(lambda: toast(h) == "测试页已打印")
    assert len(demo.printer.jobs) == 1 and (demo.jobs_dir / "job-0001.png").is_file()
    assert any("打印测试页" in t or "测试页" in t for t in demo.printer.texts)

    h.tap(buttons.ids.sample_card_button)
    assert h.wait_for(lambda: "id_card" in h.app.session)
    assert h.app.session["id_card"]["name_masked"] == "张*明"
    assert buttons.ids.sample_card_button.text == "取走示例身份证"
    # the same button again: after its double-tap guard, or the tap is (rightly) dropped
    time.sleep(buttons.ids.sample_card_button.debounce_s + 0.05)
    h.tap(buttons.ids.sample_card_button)
    assert toast(h) == "已从模拟阅读器上取走示例身份证"
    assert not demo.card_placed
    assert buttons.ids.sample_card_button.text == "放置示例身份证"


@pytest.mark.parametrize("state, shown", [
    ("near-end", "纸将用完"), ("out", "缺纸"), ("cover-open", "纸仓盖未关"), ("offline", "离线"),
    ("garbled", "状态未知"), ("silent", "无应答"),
])
def test_the_printer_state_is_what_the_printer_answers(start, demo, state, shown):
    h = start(demo)
    demo.printer.set_state(state)
    screen = h.open("maintenance")
    assert h.wait_for(lambda: row(screen, "小票打印机").startswith(shown + " · "))
    if state == "garbled":  # the maintainer sees why it is unknown
        assert "DLE EOT" in row(screen, "小票打印机")
    demo.printer.set_state("ok")
    screen = reopen(h)
    assert h.wait_for(lambda: row(screen, "小票打印机").startswith("正常 · "))


def test_a_printer_that_is_gone_reads_offline(start, demo):
    h = start(demo)
    demo.printer.stop()
    screen = h.open("maintenance")
    assert h.wait_for(lambda: row(screen, "小票打印机").startswith("离线 · cannot reach"))


def test_a_failed_test_page_says_why(start, demo):
    h = start(demo)
    demo.printer.set_state("out")
    screen = h.open("maintenance")
    h.tap(screen.devices.buttons.ids.test_page_button)
    assert h.wait_for(lambda: toast(h) == "测试页未打印：缺纸")
    assert demo.printer.jobs == []


def test_no_devices_configured(start):
    h = start()
    screen = h.open("maintenance")
    assert row(screen, "小票打印机") == "未配置" and row(screen, "身份证阅读器") == "未启用"
    assert screen.devices.buttons is None
    assert "打印测试页" not in h.texts(screen)


@pytest.mark.parametrize("size", [(800, 480), (1920, 1080)], ids=["pi7", "landscape"])
def test_device_buttons_fit_small_and_wide_panels(start, demo, size):
    from kiosk import theme

    h = start(demo, size=size)
    screen = h.open("maintenance")
    for button in screen.devices.buttons.children:
        assert button.height >= theme.MIN_TOUCH_PX and button.width >= theme.MIN_TOUCH_PX
        assert button.texture_size[0] <= button.width and button.right <= size[0]
    h.screenshot(f"maintenance_devices_{size[0]}x{size[1]}")
