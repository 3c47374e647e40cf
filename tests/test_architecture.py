"""DESIGN.md's arrows between the packages, checked by import-linter on the real import graph:
Kivy only in kiosk/ and screens/, nothing imports hub, content at the bottom, devices/tickets/
sync each on content alone. The contracts are in pyproject.toml ([tool.importlinter])."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and "8 kept" in result.stdout


def test_a_broken_contract_would_fail(tmp_path):
    """The check can fail: a content module importing Kivy breaks the first contract."""
    pkg = tmp_path / "content"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text("import kivy\n")
    for name in ("kiosk", "screens", "devices", "tickets", "sync", "hub"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    for name in ("api", "server", "queue", "db"):  # named by a contract, so they must exist
        (tmp_path / "tickets" / f"{name}.py").write_text("")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode != 0 and "Kivy only in kiosk/ and screens/ BROKEN" in result.stdout
