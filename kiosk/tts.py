"""Offline read-aloud (朗读) through `espeak-ng` with its Mandarin voice (VOICE).

No online speech service is ever used: they are slow or unreachable in mainland networks and
would send what a resident reads to a third party (PITFALLS.md, "Everything else"). When
`espeak-ng` is not installed the 朗读 button is simply not shown.

What is spoken goes through `kiosk.tts_text.spoken_text` first: espeak-ng's Mandarin voice
misreads digits, so numbers are written out in Chinese words (1,200.00 -> 一千二百点零零).

`which_path` arguments follow `shutil.which(cmd, path=...)`: None searches the process PATH.
No Kivy here: `Speaker` only starts and stops a subprocess, so any caller can use it; the UI
polls `Speaker.speaking` from the main thread.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from kiosk.tts_text import spoken_text

log = logging.getLogger(__name__)

PROGRAM = "espeak-ng"
# Debian 12's espeak-ng 1.51 reads many Chinese characters with voice `cmn` as their pinyin
# spelled out in English (`espeak-ng -v cmn -x -q 最低生活保障` switches to "(en)" for 最, 低,
# 活, 保; "号" -> "hao four"; espeak-ng issues #1028, #1236). `cmn-latn-pinyin` is the same
# Mandarin voice, Latin text read as pinyin, and reads those characters in Mandarin. The one
# definition: kiosk.announcer (the calling display) speaks with it too.
VOICE = "cmn-latn-pinyin"
SPEED_WPM = 150        # a little slower than espeak's 175: many listeners are elderly
MAX_CHARS = 20_000     # far more than a guide; keeps one argv element well under Linux's limit


def find_program(which_path: str | None = None) -> str | None:
    """Full path of espeak-ng, or None when it is not installed."""
    return shutil.which(PROGRAM, path=which_path)


def available(which_path: str | None = None) -> bool:
    """True when offline TTS can speak (espeak-ng is on the PATH)."""
    return find_program(which_path) is not None


def _command(program: str, text: str, voice: str, extra: list[str]) -> list[str]:
    # "--" ends the options: content text starting with "-" is spoken, not parsed
    return [program, "-v", voice, "-s", str(SPEED_WPM), *extra, "--", text[:MAX_CHARS]]


def _required_program(which_path: str | None) -> str:
    program = find_program(which_path)
    if program is None:
        raise FileNotFoundError(f"{PROGRAM} is not installed (apt install {PROGRAM})")
    return program


def write_wav(text: str, target: Path, voice: str = VOICE, which_path: str | None = None,
              timeout_s: float = 60.0) -> Path:
    """Synthesize `text` into the WAV file `target` (blocking). For checks and tests.

    Raises FileNotFoundError when espeak-ng is not installed, CalledProcessError when it fails.
    """
    subprocess.run(_command(_required_program(which_path), spoken_text(text), voice,
                            ["-w", str(target)]),
                   check=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Path(target)


def phonemes(text: str, voice: str = VOICE, which_path: str | None = None,
             timeout_s: float = 60.0) -> str:
    """The phonemes espeak-ng would speak for `text` (`-x -q`, no sound): a voice switch shows
    as "(en)" -- how checks find text the Mandarin voice would not read in Mandarin."""
    done = subprocess.run(_command(_required_program(which_path), spoken_text(text), voice,
                                   ["-x", "-q"]),
                          check=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)
    return done.stdout


class Speaker:
    """Speaks one text at a time in the background; a new `speak` stops the previous one."""

    def __init__(self, voice: str = VOICE, which_path: str | None = None):
        self.voice = voice
        self.which_path = which_path
        self._proc: subprocess.Popen | None = None

    def available(self) -> bool:
        return available(self.which_path)

    @property
    def speaking(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def speak(self, text: str) -> bool:
        """Start reading `text` aloud (returns at once). False when TTS is unavailable."""
        self.stop()
        program = find_program(self.which_path)
        if program is None or not text.strip():
            return False
        try:
            self._proc = subprocess.Popen(
                _command(program, spoken_text(text), self.voice, []), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            log.exception("could not start %s", program)
            self._proc = None
            return False
        return True

    def stop(self) -> None:
        """Stop reading (no-op when silent). Reaps the process so no zombie is left."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=1.0)
