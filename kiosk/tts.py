"""Offline read-aloud (朗读) through `espeak-ng -v cmn`.

No online speech service is ever used: they are slow or unreachable in mainland networks and
would send what a resident reads to a third party (PITFALLS.md, "Everything else"). When
`espeak-ng` is not installed the 朗读 button is simply not shown.

`which_path` arguments follow `shutil.which(cmd, path=...)`: None searches the process PATH.
No Kivy here: `Speaker` only starts and stops a subprocess, so any caller can use it; the UI
polls `Speaker.speaking` from the main thread.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

PROGRAM = "espeak-ng"
VOICE = "cmn"          # Mandarin
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


def write_wav(text: str, target: Path, voice: str = VOICE, which_path: str | None = None,
              timeout_s: float = 60.0) -> Path:
    """Synthesize `text` into the WAV file `target` (blocking). For checks and tests.

    Raises FileNotFoundError when espeak-ng is not installed, CalledProcessError when it fails.
    """
    program = find_program(which_path)
    if program is None:
        raise FileNotFoundError(f"{PROGRAM} is not installed (apt install {PROGRAM})")
    subprocess.run(_command(program, text, voice, ["-w", str(target)]), check=True,
                   timeout=timeout_s, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Path(target)


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
                _command(program, text, self.voice, []), stdin=subprocess.DEVNULL,
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
