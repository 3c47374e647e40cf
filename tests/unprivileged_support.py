"""Run a snippet of Python as an unprivileged user, so permission cases are tested under root too.

Root reads and writes anything, so `chmod 000` proves nothing when the tests run as root (as in
the CI container); there the snippet runs as `nobody` through util-linux's setpriv. Files it
must reach go in `open_tmp()`, a folder anyone may enter (pytest's own tmp folders are 0700).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534


def uid() -> int:
    """The uid the snippet runs as."""
    return NOBODY if os.geteuid() == 0 else os.geteuid()


def run_unprivileged(code: str) -> str:
    """stdout of `code`, run without root (as nobody when we are root)."""
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("running as root and util-linux's setpriv is missing")
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    out = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, cwd="/",
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def open_tmp():
    """A fresh folder anyone may enter and list (0755), removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="kiosk-perm-"))
    path.chmod(0o755)
    yield path
    for p in path.rglob("*"):
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path)
