"""朗读 on the notice, disclosure, centre and 取号 screens, in the real app (offscreen), tapped as
a resident would, with a stand-in espeak-ng on PATH that records what it was given
(tests/tts_support.py). The guide detail's 朗读 is in tests/test_tts.py; the texts themselves
in tests/test_speech.py.

What is checked: the button is there (finger-sized, inside the window, in elder mode too), a tap
starts one espeak-ng with the screen's text -- in reading order, numbers written out -- and
shows 停止朗读; a second tap, leaving the screen and the idle timeout each end the process.
Without espeak-ng the button takes no room and cannot be tapped.
"""
from __future__ import annotations

import time

import pytest

from kiosk import theme
from kiosk.config import Display, IdCard, Settings
from kiosk.tts_text import spoken_text
from tests.test_ui_layout import layout_problems
from tests.tts_support import fake_espeak, recordings, running, wait_until  # noqa: F401

pytestmark = pytest.mark.ui

MIN_FINGER_PX = 57  # 9 mm at 160 dpi

# what each screen says (its demo / sample item), as espeak-ng gets it, in this order
SPOKEN = {
    "notice_detail": ["停水通知：十二月三日二十二点至次日六点幸福里一区、二区停水。",
                      "二零二六年十二月一日发布。", "暂停供水", "停水范围。幸福里一区一至十二幢。",
                      "温馨提示。", "社区值班电话：零五七一 八六五一二三零零。"],
    "disclosure_detail": ["幸福里社区二零二六年十一月财务收支情况公开。", "发布单位：幸福里社区居民委员会。",
                          "所属期间：二零二六年十一月。", "公示期：二零二六年十二月一日至二零二六年十二月二十六日。",
                          "表格：二零二六年十一月收支明细表，共 十五 行。",
                          "第一行：科目 上级拨付社区工作经费，收入 三万点零零 元，备注 街道按月拨付。",
                          "第五行：科目 办公用品及耗材，支出 二千三百八十六点五零 元，备注 打印纸、硒鼓、档案盒。",
                          "第十五行：科目 合计，收入 八万八千六百六十三点五六 元，支出 六万二千八百六十七点三零 元。",
                          "三、监督渠道。"],
    "centre": ["幸福里社区党群服务中心。", "地址：丰乐区和丰街道幸福里路八十八号",
               "咨询电话：零五七一 八六五一二三零零。", "办事窗口：周一至周五 八点三十分至十二点，十三点三十分至十七点。",
               "今日值班：", "功能室（十四个）。", "便民服务大厅，一楼，开放时间：", "健身室，二楼，开放时间：每日 九点至二十一点。"],
    "tickets": ["请选择要办理的业务。", "A 综合受理，等候 六 人，约 十八 分钟。", "C 党员服务，无需等候。",
                "D 便民服务·证明开具，明天 八点三十分 开始取号。"],
    "ticket_confirm": ["综合受理。等候 六 人，约 十八 分钟。", "取号后请在大厅等候，留意叫号屏幕；过号请重新取号。",
                       "六十岁及以上的老年人可在读卡区刷身份证，优先叫号（可不刷）。"],
    "ticket_done": ["您的号码 A零零七，综合受理，您前面还有 六 人等候。", "已打印，请从下方出纸口取走小票。"],
}


def settings(elder: bool = False) -> Settings:
    # the card prompt of ticket_confirm is there only with a reader ("virtual": the simulator)
    return Settings(elder_mode_default=elder, display=Display(fullscreen=False),
                    idcard=IdCard(enabled=True, port="virtual"))


def in_order(text: str, parts: list[str]) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def test_in_order_can_fail():
    assert in_order("甲乙丙", ["甲", "丙"]) and not in_order("甲乙丙", ["丙", "甲"])


def press(h, button) -> None:
    time.sleep(button.debounce_s)  # a deliberate second tap, past the double-touch guard
    h.press(button)


@pytest.mark.parametrize("name", list(SPOKEN))
def test_read_aloud_reads_the_screen_and_stops_when_leaving(ui, demo_view, fake_espeak, name):
    h = ui(settings(), demo_view, size=(1080, 1920))
    screen = h.open(name)
    button = screen.read_button
    assert screen.reader.available and button.text == "朗读" and not button.disabled
    h.press(button)
    assert screen.reader.speaking and button.text == "停止朗读" and button.active
    assert wait_until(lambda: recordings(fake_espeak))
    [(pid, argv)] = recordings(fake_espeak)
    assert argv[:2] == ["-v", "cmn-latn-pinyin"] and argv[-2] == "--"
    assert in_order(argv[-1], SPOKEN[name]), argv[-1]
    assert argv[-1] == spoken_text(screen.speech_text())
    h.screenshot(f"read_aloud_{name}_speaking")

    press(h, button)  # a second tap stops it
    assert not running(pid) and not screen.reader.speaking and button.text == "朗读"

    press(h, button)
    assert wait_until(lambda: len(recordings(fake_espeak)) == 2)
    [pid] = [p for p, _argv in recordings(fake_espeak) if p != pid]
    assert running(pid)
    h.app.go_home()  # leaving the screen ends the reading
    h.frames(2)
    assert h.current == "home"
    assert not running(pid) and not screen.reader.speaking and button.text == "朗读"


def test_the_idle_timeout_stops_the_reading(ui, demo_view, fake_espeak, manual_clock):
    h = ui(settings(), demo_view, size=(1080, 1920), monotonic=manual_clock)
    screen = h.open("disclosure_detail")
    h.press(screen.read_button)
    assert wait_until(lambda: recordings(fake_espeak))
    [(pid, _argv)] = recordings(fake_espeak)
    manual_clock.advance(h.app.settings.idle_timeout_s + 1)
    h.app._tick(0)  # the app's one-second tick notices the idle time
    h.frames(2)
    assert h.current == "attract"
    assert not running(pid) and not screen.reader.speaking


def test_a_reading_that_ends_by_itself_gives_the_button_back(ui, demo_view, fake_espeak):
    (fake_espeak / "espeak-ng").write_text("#!/bin/sh\nexit 0\n")  # says it all at once
    h = ui(settings(), demo_view, size=(1080, 1920))
    screen = h.open("ticket_done")
    h.press(screen.read_button)
    assert h.wait_for(lambda: not screen.reader.speaking, timeout=3)
    assert screen.read_button.text == "朗读"


def test_the_ticket_screen_does_not_go_home_in_the_middle_of_the_reading(ui, demo_view, fake_espeak):
    h = ui(settings(), demo_view, size=(1080, 1920))
    screen = h.open("ticket_done")
    h.press(screen.read_button)
    screen._go_home()  # the printed ticket's time on screen is up
    assert h.current == "ticket_done" and screen.reader.speaking
    press(h, screen.read_button)
    screen._go_home()
    assert h.current == "home"


@pytest.mark.parametrize("name", list(SPOKEN))
def test_without_espeak_there_is_no_button(ui, demo_view, tmp_path, monkeypatch, name):
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng anywhere
    h = ui(settings(), demo_view, size=(1080, 1920))
    screen = h.open(name)
    row = screen.read_button.parent
    assert not screen.reader.available
    assert row.height == 0 and row.opacity == 0 and screen.read_button.disabled
    assert "朗读" not in h.texts(screen)
    assert screen.reader.toggle() is False and not recordings(tmp_path)


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)])
@pytest.mark.parametrize("name", list(SPOKEN))
def test_the_button_is_finger_sized_and_inside_the_window_in_elder_mode(ui, demo_view, fake_espeak,
                                                                        name, size):
    h = ui(settings(elder=True), demo_view, size=size)
    screen = h.open(name, frames=6)
    button = screen.read_button
    assert h.app.elder_mode
    assert min(button.size) >= max(MIN_FINGER_PX, theme.MIN_TOUCH_PX)
    x0, y0 = button.to_window(button.x, button.y)
    x1, y1 = button.to_window(button.right, button.top)
    # (on a scrolling page too: the button is at its top, on screen when the page opens)
    assert 0 <= x0 and x1 <= size[0] and 0 <= y0 and y1 <= size[1], (x0, y0, x1, y1)
    assert button.texture_size[0] <= button.width and button.texture_size[1] <= button.height
    problems = layout_problems(h.root, size)
    assert not problems, "\n".join(problems)
    h.press(button)
    assert button.text == "停止朗读" and button.texture_size[0] <= button.width
    h.screenshot(f"read_aloud_{name}_{size[0]}x{size[1]}_elder")
