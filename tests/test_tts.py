"""Offline read-aloud (kiosk.tts, espeak-ng) and the 朗读 button of the guide detail.

The speech itself is checked by synthesizing to a WAV file (this machine has no sound card).
The button logic runs against the real `espeak-ng` when installed, and against a stand-in
program named espeak-ng on a private PATH where a long-running process is needed (a real one
exits at once without a sound card; tests/tts_support.py). No function of ours is mocked: only
PATH changes. The 朗读 of the other screens: tests/test_ui_read_aloud.py.
"""
from __future__ import annotations

import array
import datetime as dt
import shutil
import time
import wave
from pathlib import Path

import pytest

from content.schemas import CST
from kiosk import tts
from kiosk.config import Display, Settings
from tests.tts_support import fake_espeak, wait_until  # noqa: F401 (a fixture)

NOW = dt.datetime(2026, 11, 22, 9, 41, 5, tzinfo=CST)
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt install espeak-ng)")


def peak_amplitude(path: Path) -> int:
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
    samples = array.array("h", frames)
    return max((abs(s) for s in samples), default=0)


# ---- kiosk.tts ----------------------------------------------------------------------------

@needs_espeak
def test_mandarin_speech_is_written_and_is_not_silent(tmp_path):
    assert tts.available()
    out = tts.write_wav("最低生活保障申请，请到一楼一号窗口办理。", tmp_path / "speech.wav")
    with wave.open(str(out)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds > 1.0
    assert peak_amplitude(out) > 1000  # clearly audible, not a file of zeros


@needs_espeak
def test_the_voice_reads_chinese_characters_in_mandarin():
    """`espeak-ng -x -q` shows a switch to the English voice as "(en)": with VOICE there is none.
    Debian 12's espeak-ng 1.51 voice `cmn` reads 最, 低, 活, 保 ... as English-spelled pinyin,
    which is why VOICE is `cmn-latn-pinyin` (kiosk.tts): going back to `cmn` fails here."""
    sentence = "最低生活保障申请，请到一楼便民服务大厅1号窗口办理。"
    phonemes = tts.phonemes(sentence)
    assert phonemes.strip() and "(en)" not in phonemes, phonemes
    assert "ts'uei51" in phonemes  # 最 zuì, tone 4: Mandarin phonemes, not English letters
    assert "(en)" in tts.phonemes(sentence, voice="cmn"), \
        "espeak-ng's `cmn` reads Chinese in Mandarin now: VOICE could be `cmn` again"


def test_one_voice_for_read_aloud_and_the_calling_display():
    from kiosk import announcer

    assert tts.VOICE == "cmn-latn-pinyin"
    assert announcer.VOICE is tts.VOICE and announcer.Announcer().voice == tts.VOICE


@needs_espeak
def test_text_starting_with_a_dash_is_spoken_not_parsed(tmp_path):
    out = tts.write_wav("-v 不是参数", tmp_path / "dash.wav")
    assert peak_amplitude(out) > 1000


def test_without_espeak_nothing_is_available(tmp_path):
    empty = str(tmp_path)
    assert tts.find_program(empty) is None and not tts.available(empty)
    assert tts.Speaker(which_path=empty).speak("你好") is False
    with pytest.raises(FileNotFoundError, match="espeak-ng"):
        tts.write_wav("你好", tmp_path / "x.wav", which_path=empty)


def test_speaker_runs_in_the_background_and_a_new_text_replaces_the_old(fake_espeak):
    speaker = tts.Speaker()
    start = time.monotonic()
    assert speaker.speak("第1段")  # numbers are written out for espeak-ng (kiosk.tts_text)
    assert time.monotonic() - start < 1.0  # returns at once
    first = speaker._proc
    assert speaker.speaking
    assert wait_until(lambda: len(list(fake_espeak.glob("args-*.txt"))) == 1)
    assert speaker.speak("第二段")
    assert first.poll() is not None  # the first one was stopped
    assert speaker.speaking
    assert wait_until(lambda: len(list(fake_espeak.glob("args-*.txt"))) == 2)
    args = [p.read_text().splitlines() for p in fake_espeak.glob("args-*.txt")]
    spoken = sorted(a[-1] for a in args)
    assert spoken == ["第一段", "第二段"]
    assert all(a[:2] == ["-v", tts.VOICE] and a[-2] == "--" for a in args)
    speaker.stop()
    assert not speaker.speaking
    speaker.stop()  # stopping twice is harmless


# ---- the 朗读 button --------------------------------------------------------------------

@pytest.fixture
def detail(ui, demo_view):
    def run():
        h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
               now=lambda: NOW)
        h.tap(h.home.tile("guides"))
        assert h.app.open_screen("guide_detail", guide_id="guide-dibao")
        h.frames(3)
        return h, h.app.manager.get_screen("guide_detail")
    return run


@pytest.mark.ui
def test_read_aloud_button_is_hidden_without_tts(detail, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without espeak-ng
    h, screen = detail()
    row = screen.header.ids.read_row
    assert not screen.reader.available
    assert row.height == 0 and row.button.disabled
    assert "朗读" not in h.texts(screen)
    h.screenshot("guide_detail_no_tts_1080x1920")


@pytest.mark.ui
@needs_espeak
def test_read_aloud_button_is_shown_with_espeak(detail):
    h, screen = detail()
    assert screen.reader.available and "朗读" in h.texts(screen)
    assert screen.read_button.height >= 57


@pytest.mark.ui
def test_read_aloud_toggles_and_stops_when_leaving(detail, fake_espeak):
    h, screen = detail()
    button = screen.read_button
    assert "朗读" in h.texts(screen)
    h.tap(button)
    assert screen.reader.speaking and button.text == "停止朗读"
    assert wait_until(lambda: list(fake_espeak.glob("args-*.txt")))
    spoken = next(fake_espeak.glob("args-*.txt")).read_text()
    for part in ("最低生活保障申请", "所需材料", "低保申请书", "一楼便民服务大厅"):
        assert part in spoken
    time.sleep(0.5)  # past the button's double-tap guard
    h.tap(button)
    assert not screen.reader.speaking and button.text == "朗读"

    time.sleep(0.5)
    h.tap(button)
    assert screen.reader.speaking
    h.tap(screen.navbar.ids.back_button)  # leaving the screen ends the reading
    assert h.app.manager.current == "guides"
    assert not screen.reader.speaking and not screen.reader.speaker.speaking


@pytest.mark.ui
def test_idle_reset_stops_reading(detail, fake_espeak):
    h, screen = detail()
    h.tap(screen.read_button)
    assert screen.reader.speaking
    h.app.reset_session()  # what the idle timeout does
    assert not screen.reader.speaker.speaking and not screen.reader.speaking
