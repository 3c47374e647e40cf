"""What the hostile settings tests share: a settings file written into a folder, the one short
error line that loading it gives, and `kiosk` run as a subprocess (with a timeout, so a read that
blocks or never ends fails the test instead of hanging it) whose refusal is checked to be short."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.config_read import MAX_PROBLEM_LINES

ROOT = Path(__file__).resolve().parents[1]
MAX_LINE = 400  # no error line is longer than this, whatever the file holds


def write(tmp_path, content, name="kiosk.toml"):
    p = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    p.write_bytes(content)
    return p


def one_line_error(path, **kw) -> str:
    """The single error line for loading `path`; checks it is short and printable."""
    with pytest.raises(ConfigError) as err:
        load_config(path, **kw)
    lines = err.value.lines
    assert len(lines) == 1, lines
    assert len(lines[0]) < MAX_LINE and lines[0].isprintable(), lines[0][:MAX_LINE]
    return lines[0]


def kiosk(*args, env=None, timeout=60):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=e, timeout=timeout)


def assert_config_refused(out, *needles):
    """Exit 2, only `kiosk: …` lines on stderr, each bounded, and every needle in them."""
    assert out.returncode == 2, (out.returncode, out.stderr[:2000])
    lines = out.stderr.splitlines()
    assert 1 <= len(lines) <= MAX_PROBLEM_LINES + 1, out.stderr[:2000]
    assert all(line.startswith("kiosk: ") and len(line) < MAX_LINE + 10 for line in lines), out.stderr[:2000]
    for needle in needles:
        assert needle in out.stderr, (needle, out.stderr[:2000])
