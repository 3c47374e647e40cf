"""Spoken calls of the calling display: a chime, then 请 A012 号 到 3 号窗口办理 (offline).

A `call` event of the queue service becomes one announcement; `Announcer.announce` returns at
once (any thread) and one worker thread plays the announcements in order, each after the previous
has finished, so two calls never talk over each other. A recall (重呼, event data `recall=true`)
is for someone who missed the first call: its sentence is said twice after the chime. The queue
is bounded (MAX_PENDING): when calls arrive faster than they can be spoken -- a display that was
offline and is replayed what it missed -- the oldest waiting ones are dropped with a log line
and the newest are kept.

Speech is `espeak-ng` with a Mandarin voice (kiosk.tts's program, speed and argument order; never
an online service, PITFALLS.md). The chime is a two-tone WAV made here with the standard `wave`
module, written once to the cache folder and played with `aplay` (Debian `alsa-utils`) or
`paplay` (`pulseaudio-utils`). Whatever is missing is skipped with one log line; nothing fails.
Commands go through an injectable `runner(argv)` so tests record them instead of playing sound.
No Kivy here.
"""
from __future__ import annotations

import array
import logging
import math
import os
import shutil
import subprocess
import threading
import wave
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk import tts
from kiosk.i18n import _
from kiosk.tts import VOICE  # Mandarin that reads Chinese characters right (why: kiosk.tts)
from kiosk.tts_text import spoken_text

log = logging.getLogger(__name__)

PLAYERS = (("aplay", ("-q",)), ("paplay", ()))  # first found plays the chime
CHIME_NAME = "call-chime-v1.wav"
MAX_PENDING = 5       # announcements waiting behind the one being spoken
RECALL_TIMES = 2      # a recall says its sentence this many times
COMMAND_TIMEOUT_S = 30.0

Runner = Callable[[list[str]], None]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lobby-kiosk"


def spoken_window(name: str) -> str:
    """How a window name is read: "3号窗口" -> "3 号窗口"; any other name as it is."""
    text = name.strip()
    digits = text.removesuffix("号窗口").strip()
    if digits != text and digits.isascii() and digits.isdigit():
        return f"{int(digits)} 号窗口"
    return text


def call_sentence(number: str, window: str) -> str:
    """The sentence spoken for a call: 请 A012 号 到 3 号窗口办理."""
    return _("Calling number {number} to {window}").format(number=number.strip(),
                                                         window=spoken_window(window))


def write_chime(target: Path, rate: int = 22050) -> Path:
    """A soft two-tone "ding-dong" (0.8 s, 16-bit mono), written by temp file + rename."""
    samples = array.array("h")
    for freq, seconds in ((880.0, 0.38), (659.25, 0.42)):
        count = int(rate * seconds)
        for i in range(count):
            t = i / rate
            # a quick attack and an exponential decay: a bell, not a beep
            envelope = min(1.0, t / 0.01) * math.exp(-4.0 * t)
            value = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            samples.append(int(11000 * envelope * value))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    os.replace(tmp, target)
    return target


class ProcessRunner:
    """Runs one command at a time to its end (bounded by a timeout); `stop()` ends the current one."""

    def __init__(self, timeout_s: float = COMMAND_TIMEOUT_S):
        self.timeout_s = timeout_s
        self._proc: subprocess.Popen | None = None

    def __call__(self, argv: list[str]) -> None:
        try:
            proc = self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            log.warning("announcement: cannot start %s: %s", argv[0], exc)
            return
        try:
            _out, err = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
            log.warning("announcement: %s ran longer than %.0f s and was stopped", argv[0], self.timeout_s)
        finally:
            self._proc = None
        if proc.returncode not in (0, None, -15, -9):
            log.warning("announcement: %s exited with %s: %s", argv[0], proc.returncode,
                        (err or b"").decode(errors="replace").strip()[-300:])

    def stop(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()


@dataclass(frozen=True)
class Announcement:
    number: str
    window: str
    recall: bool = False

    @property
    def sentence(self) -> str:
        return call_sentence(self.number, self.window)


class Announcer:
    """Plays announcements one after another on a worker thread (started at the first one)."""

    def __init__(self, runner: Runner | None = None, which_path: str | None = None,
                 cache_dir: Path | None = None, voice: str = VOICE, max_pending: int = MAX_PENDING):
        self.runner = runner if runner is not None else ProcessRunner()
        self.which_path = which_path  # like shutil.which(path=...): None = the process PATH
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.voice = voice
        self.max_pending = max(1, int(max_pending))
        self._pending: deque[Announcement] = deque()
        self._lock = threading.Condition()
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._chime: Path | None = None
        self._warned: set[str] = set()

    # ---- any thread ---------------------------------------------------------------------------

    def announce(self, number: str, window: str, recall: bool = False) -> bool:
        """Queue one call (returns at once); False when refused (stopped, or no number/window)."""
        if not isinstance(number, str) or not isinstance(window, str) or not number.strip() or not window.strip():
            log.warning("announcement skipped: a call without a number or a window (%r, %r)", number, window)
            return False
        with self._lock:
            if self._stopped:
                return False
            self._pending.append(Announcement(number.strip(), window.strip(), bool(recall)))
            while len(self._pending) > self.max_pending:
                dropped = self._pending.popleft()
                log.warning("announcement of %s at %s dropped: %d newer calls are waiting to be spoken",
                            dropped.number, dropped.window, self.max_pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
                self._thread.start()
            self._lock.notify()
        return True

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued or being spoken; False after `timeout` seconds."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def stop(self) -> None:
        """Forget what is queued, end what is playing, end the worker thread."""
        with self._lock:
            self._stopped = True
            self._pending.clear()
            self._lock.notify_all()
            thread = self._thread
        stop = getattr(self.runner, "stop", None)
        if callable(stop):
            stop()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    # ---- the worker thread --------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                self._busy = False
                self._lock.notify_all()
                self._lock.wait_for(lambda: self._pending or self._stopped)
                if self._stopped:
                    return
                item = self._pending.popleft()
                self._busy = True
            try:
                self._play(item)
            except Exception:  # one broken announcement must not silence the next ones
                log.exception("announcement of %s at %s failed", item.number, item.window)

    def commands(self, item: Announcement) -> list[list[str]]:
        """The commands that speak `item`, in order (what is missing is left out, logged once)."""
        commands = []
        chime = self._chime_command()
        if chime:
            commands.append(chime)
        program = tts.find_program(self.which_path)
        if program is None:
            self._warn_once("espeak", f"{tts.PROGRAM} is not installed (apt install {tts.PROGRAM}): "
                                      "calls are shown but not spoken")
        else:
            # numbers as they are called: A012 -> A零一二, 3 -> 三 (kiosk.tts_text)
            speech = tts._command(program, spoken_text(item.sentence), self.voice, [])  # noqa: SLF001 (same package)
            commands.extend([speech] * (RECALL_TIMES if item.recall else 1))
        return commands

    def _play(self, item: Announcement) -> None:
        log.info("announcing %s at %s%s", item.number, item.window, " (recall)" if item.recall else "")
        for argv in self.commands(item):
            with self._lock:
                if self._stopped:
                    return
            self.runner(argv)

    def _chime_command(self) -> list[str] | None:
        for name, options in PLAYERS:
            player = shutil.which(name, path=self.which_path)
            if player is not None:
                break
        else:
            self._warn_once("player", "neither aplay nor paplay is installed (apt install alsa-utils): "
                                      "calls are announced without a chime")
            return None
        if self._chime is None or not self._chime.is_file():
            target = self.cache_dir / CHIME_NAME
            try:
                self._chime = target if target.is_file() else write_chime(target)
            except OSError as exc:
                self._warn_once("chime", f"cannot write the chime to {target}: {exc}; no chime")
                return None
        return [player, *options, str(self._chime)]

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning("%s", message)
