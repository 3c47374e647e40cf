"""A stand-in espeak-ng for the 朗读 tests: a program of that name on a private PATH that records
its arguments and then "speaks" (sleeps) for 30 s, so a test can see what would be said and that
stopping really ends the process. No function of ours is replaced: only PATH changes."""
from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

FAKE_ESPEAK = """#!/bin/sh
# stand-in for espeak-ng: record the arguments, then "speak" for a while
printf '%s\\n' "$@" > "$(dirname "$0")/args-$$.txt"
exec sleep 30
"""


@pytest.fixture
def fake_espeak(tmp_path, monkeypatch):
    """A PATH whose only espeak-ng is the stand-in; yields its folder."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "espeak-ng"
    program.write_text(FAKE_ESPEAK)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return folder


def wait_until(predicate, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def recordings(folder: Path) -> list[tuple[int, list[str]]]:
    """(pid, argv without the program) of every stand-in started so far."""
    found = []
    for path in folder.glob("args-*.txt"):
        found.append((int(path.stem.removeprefix("args-")), path.read_text().splitlines()))
    return found


def running(pid: int) -> bool:
    """True while process `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
