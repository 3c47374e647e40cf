"""Spoken calls (kiosk.announcer): order, no overlap, recall, a bounded queue, window wording,
the chime, and missing programs. The commands are recorded by a fake runner instead of played;
the programs are found on a private PATH of stand-in files, so which ones exist is up to the test.
"""
from __future__ import annotations

import logging
import shutil
import stat
import threading
import time
import wave

import pytest

from kiosk.tts_text import spoken_text

from kiosk import announcer as ann
from kiosk.i18n import set_locale


@pytest.fixture(autouse=True)
def _zh_cn():
    set_locale("zh_CN")


def make_bin(folder, *names):
    """A folder of stand-in programs (never run: the runner records their command lines)."""
    folder.mkdir(exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(folder)


class Recorder:
    """A runner that records each command with its start and end time; each takes `seconds`."""

    def __init__(self, seconds: float = 0.0):
        self.seconds = seconds
        self.runs: list[tuple[list[str], float, float]] = []
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()

    def __call__(self, argv: list[str]) -> None:
        start = time.monotonic()
        self.gate.wait(10)
        time.sleep(self.seconds)
        with self._lock:
            self.runs.append((list(argv), start, time.monotonic()))

    @property
    def commands(self) -> list[list[str]]:
        return [argv for argv, _start, _end in self.runs]

    def spoken(self) -> list[str]:
        return [argv[-1] for argv in self.commands if argv[0].endswith("espeak-ng")]


@pytest.fixture
def bins(tmp_path):
    return make_bin(tmp_path / "bin", "espeak-ng", "aplay")


def test_a_call_is_a_chime_then_the_sentence(tmp_path, bins):
    rec = Recorder()
    a = ann.Announcer(runner=rec, which_path=bins, cache_dir=tmp_path / "cache")
    assert a.announce("A012", "3号窗口")
    assert a.wait_idle(5)
    chime, speech = rec.commands
    assert chime[0].endswith("/aplay") and chime[-1] == str(tmp_path / "cache" / ann.CHIME_NAME)
    assert speech[0].endswith("/espeak-ng")
    assert speech[1:3] == ["-v", ann.VOICE] and speech[-2] == "--"
    assert speech[-1] == "请 A零一二 号 到 三 号窗口办理"  # 请 A012 号 到 3 号窗口办理, as it is called
    with wave.open(chime[-1]) as wav:  # a real, short, audible tone
        assert wav.getnchannels() == 1 and 0.5 < wav.getnframes() / wav.getframerate() < 1.5
        frames = wav.readframes(wav.getnframes())
    assert max(frames) > 0x20


@pytest.mark.parametrize("window, spoken", [
    ("3号窗口", "3 号窗口"), (" 12 号窗口", "12 号窗口"), ("综合窗口", "综合窗口"),
    ("党群服务窗口", "党群服务窗口"), ("３号窗口", "３号窗口"), ("A号窗口", "A号窗口")])
def test_window_names_as_read(window, spoken):
    assert ann.spoken_window(window) == spoken
    assert ann.call_sentence("B007", window) == f"请 B007 号 到 {spoken}办理"


def test_calls_are_spoken_in_order_and_never_overlap(tmp_path, bins):
    rec = Recorder(seconds=0.05)
    a = ann.Announcer(runner=rec, which_path=bins, cache_dir=tmp_path)
    for n in range(1, 5):
        a.announce(f"A00{n}", f"{n}号窗口")
    assert a.pending >= 2  # the calls came faster than they are spoken: they wait their turn
    assert a.wait_idle(10)
    assert rec.spoken() == [spoken_text(f"请 A00{n} 号 到 {n} 号窗口办理") for n in range(1, 5)]
    spans = sorted((start, end) for _argv, start, end in rec.runs)
    assert len(spans) == 8  # a chime and a sentence each
    for (_s1, end), (start, _e2) in zip(spans, spans[1:]):
        assert start >= end  # each command began after the previous one ended


def test_a_recall_says_the_sentence_twice(tmp_path, bins):
    rec = Recorder()
    a = ann.Announcer(runner=rec, which_path=bins, cache_dir=tmp_path)
    a.announce("A001", "1号窗口")
    a.announce("A001", "1号窗口", recall=True)
    assert a.wait_idle(5)
    names = [argv[0].rsplit("/", 1)[-1] for argv in rec.commands]
    assert names == ["aplay", "espeak-ng", "aplay", "espeak-ng", "espeak-ng"]
    assert rec.spoken() == [spoken_text("请 A001 号 到 1 号窗口办理")] * 3


def test_the_queue_keeps_the_newest_calls(tmp_path, bins, caplog):
    rec = Recorder()
    rec.gate.clear()  # the first call is being spoken while 19 more arrive
    a = ann.Announcer(runner=rec, which_path=bins, cache_dir=tmp_path, max_pending=5)
    with caplog.at_level(logging.WARNING, logger="kiosk.announcer"):
        a.announce("A001", "1号窗口")
        deadline = time.monotonic() + 5
        while a.pending and time.monotonic() < deadline:  # the worker took the first one
            time.sleep(0.01)
        for n in range(2, 21):
            a.announce(f"A{n:03d}", "1号窗口")
        assert a.pending == 5
        rec.gate.set()
        assert a.wait_idle(10)
    assert [s.split()[1] for s in rec.spoken()] == [spoken_text(n) for n in ("A001", "A016", "A017", "A018", "A019", "A020")]
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 14 and "A002" in dropped[0].getMessage()


def test_without_espeak_or_a_player_nothing_fails(tmp_path, caplog):
    empty = make_bin(tmp_path / "empty")
    rec = Recorder()
    a = ann.Announcer(runner=rec, which_path=empty, cache_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="kiosk.announcer"):
        assert a.announce("A001", "1号窗口")
        assert a.announce("A002", "1号窗口", recall=True)
        assert a.wait_idle(5)
    assert rec.commands == []
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "espeak-ng is not installed" in messages and "apt install alsa-utils" in messages
    assert messages.count("espeak-ng is not installed") == 1  # said once, not per call

    only_paplay = make_bin(tmp_path / "pa", "paplay")
    rec = Recorder()
    a = ann.Announcer(runner=rec, which_path=only_paplay, cache_dir=tmp_path)
    a.announce("A003", "2号窗口")
    assert a.wait_idle(5)
    assert [argv[0].rsplit("/", 1)[-1] for argv in rec.commands] == ["paplay"]


def test_the_real_runner_survives_a_failing_program_and_stop_ends_the_worker(tmp_path, caplog):
    folder = tmp_path / "bin"
    folder.mkdir()
    espeak = folder / "espeak-ng"
    espeak.write_text("#!/bin/sh\necho 'no audio device' >&2\nexit 3\n")
    espeak.chmod(0o755)
    a = ann.Announcer(which_path=str(folder), cache_dir=tmp_path)  # the default ProcessRunner
    with caplog.at_level(logging.WARNING, logger="kiosk.announcer"):
        a.announce("A001", "1号窗口")
        assert a.wait_idle(10)
    assert any("exited with 3" in r.getMessage() and "no audio device" in r.getMessage() for r in caplog.records)
    a.stop()
    assert not a.announce("A002", "1号窗口")  # a stopped announcer takes nothing more
    assert a._thread is not None and not a._thread.is_alive()


def test_a_call_without_number_or_window_is_skipped(tmp_path, bins):
    rec = Recorder()
    a = ann.Announcer(runner=rec, which_path=bins, cache_dir=tmp_path)
    assert not a.announce(None, "1号窗口")
    assert not a.announce("A001", "  ")
    assert a.wait_idle(1) and rec.commands == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_sentence_is_read_as_mandarin(tmp_path):
    """The voice reads the characters in Mandarin, not their pinyin spelled out in English
    (Debian 12's espeak-ng with voice `cmn`: 号 -> "hao four")."""
    import subprocess

    sentence = ann.call_sentence("A012", "3号窗口")
    out = subprocess.run(["espeak-ng", "-q", "-x", "-v", ann.VOICE, "--", sentence],
                         capture_output=True, text=True, timeout=30).stdout
    assert "(en)" not in out, out
    assert "X'Au51" in out  # 号 hào, tone 4
