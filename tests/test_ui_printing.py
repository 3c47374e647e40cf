"""打印告知单 on the guide detail screen, end to end: real touches on the real app (offscreen),
the real print service and driver, and the ESC/POS printer simulator over TCP counting the jobs
(and PNGs) it receives. No mocks of our own code."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from content.schemas import CST
from devices.sim_printer import PrinterSimulator
from kiosk.config import Display, Printer as PrinterSettings, Settings

pytestmark = pytest.mark.ui

NOW = dt.datetime(2026, 11, 22, 9, 41, 5, tzinfo=CST)
PRINTING = "正在打印，请稍候"
PRINTED = "已打印，请在下方出纸口取走"
PAPER_OUT = "打印机缺纸，请到窗口咨询"
UNAVAILABLE = "打印机暂时无法使用，请到窗口咨询"


@pytest.fixture
def sim(tmp_path):
    with PrinterSimulator(port=0, out_dir=tmp_path / "jobs") as simulator:
        yield simulator


@pytest.fixture
def start(ui, demo_view):
    def run(url: str = "", size=(1080, 1920)):
        settings = Settings(display=Display(fullscreen=False), printer=PrinterSettings(url=url))
        return ui(settings, demo_view, size=size, now=lambda: NOW)
    return run


def open_detail(h, guide_id="guide-dibao"):
    h.app.open_screen("guides")
    assert h.app.open_screen("guide_detail", guide_id=guide_id)
    h.frames(3)
    return h.screen("guide_detail")


def toast(h) -> str:
    t = h.app.root_widget.toast
    return t.plain_text if t.shown else ""



def double_tap(h, widget) -> None:
    """Two touches in a row on `widget`, one frame apart (a Pi delivering one tap twice)."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    for _ in range(2):
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        h.frames(1)
        touch.touch_up()
        h.frames(1)


def test_a_double_tap_prints_one_checklist(start, sim, demo_view):
    h = start(sim.url)
    detail = open_detail(h)
    button = detail.print_row.ids.print_button
    assert button.text == "打印告知单" and button.height >= 60
    double_tap(h, button)
    time.sleep(0.6)  # past the button's debounce: a third tap, while printing or just printed
    h.tap(button)
    assert h.wait_for(lambda: toast(h) == PRINTED)
    time.sleep(0.5)  # room for a second job to arrive, if one had been sent
    assert len(sim.jobs) == 1
    assert [p.name for p in sorted((sim.out_dir).glob("*.png"))] == ["job-0001.png"]
    text = "".join(sim.texts)
    guide = demo_view.item("guide-dibao")
    assert guide.title in text and guide.materials[0].name in text
    h.screenshot("guide_detail_printed_1080x1920")


def test_the_ui_keeps_running_while_the_printer_does_not_answer(start, sim):
    sim.set_state("silent")  # receives, never answers DLE EOT: the driver waits for its timeout
    h = start(sim.url)
    detail = open_detail(h)
    h.tap(detail.print_row.ids.print_button)
    assert toast(h) == PRINTING
    t0 = time.perf_counter()
    h.frames(5)
    assert time.perf_counter() - t0 < 2.0  # frames go on; the 3 s status timeout is elsewhere
    assert toast(h) == PRINTING
    assert h.wait_for(lambda: toast(h) == UNAVAILABLE, timeout=15)
    assert sim.jobs == []


@pytest.mark.parametrize("state, message", [("out", PAPER_OUT), ("cover-open", UNAVAILABLE),
                                            ("offline", UNAVAILABLE)])
def test_a_failed_print_is_said_calmly(start, sim, state, message):
    sim.set_state(state)
    h = start(sim.url)
    detail = open_detail(h)
    h.tap(detail.print_row.ids.print_button)
    assert h.wait_for(lambda: toast(h) == message)
    assert sim.jobs == []
    sim.set_state("ok")  # paper loaded: the resident may tap again at once (a failed job is no repeat)
    time.sleep(0.5)
    h.tap(detail.print_row.ids.print_button)
    assert h.wait_for(lambda: toast(h) == PRINTED)
    assert len(sim.jobs) == 1


def test_no_printer_no_button(start):
    h = start("")
    detail = open_detail(h)
    assert detail.print_row is None
    assert "打印告知单" not in h.texts(detail)


def test_printer_that_cannot_be_reached(start):
    h = start("tcp://127.0.0.1:9")  # nothing listens on the discard port
    detail = open_detail(h)
    h.tap(detail.print_row.ids.print_button)
    assert h.wait_for(lambda: toast(h) == UNAVAILABLE)
