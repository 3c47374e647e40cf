"""The installer's health check is the real `kiosk doctor`: with the simulated printer and ID
reader answering it passes and the release is switched to; with the printer simulator stopped
it fails and the terminal stays on the release it had. Only the system commands are stubs."""
from __future__ import annotations

import os
import subprocess
import sys

from devices.sim_printer import PrinterSimulator
from tests.deploy_support import ROOT, Installer


def real_release(installer: Installer, name: str) -> str:
    """A release whose bin/kiosk is this checkout's `kiosk` (no window: display is a warning)."""
    release = installer.releases / name
    (release / "bin").mkdir(parents=True)
    kiosk = release / "bin/kiosk"
    kiosk.write_text(f"#!/bin/sh\nexport PYTHONPATH={ROOT} SDL_VIDEODRIVER=offscreen\n"
                     f'exec {sys.executable} -m kiosk.cli "$@"\n')
    kiosk.chmod(0o755)
    return str(release)


def write_config(installer: Installer, printer_url: str) -> None:
    config = installer.root / "etc/kiosk/kiosk.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'data_dir = "{installer.root}/var/lib/kiosk"\n'
                      f'[printer]\nurl = "{printer_url}"\n'
                      '[idcard]\nenabled = true\nport = "virtual"\n', encoding="utf-8")


def doctor(installer: Installer) -> subprocess.CompletedProcess:
    return subprocess.run([f"{installer.releases}/1.0/bin/kiosk", "doctor"], capture_output=True, text=True,
                          timeout=120, env={"PATH": os.environ["PATH"],
                                            "KIOSK_CONFIG": str(installer.root / "etc/kiosk/kiosk.toml")})


def test_kiosk_doctor_passes_with_the_simulators_and_fails_without(tmp_path):
    installer = Installer(tmp_path)
    with PrinterSimulator(port=0) as sim:
        write_config(installer, sim.url)
        installer.run("--role", "terminal", "--release", real_release(installer, "1.0"))
        assert installer.current == "releases/1.0"
        running = doctor(installer)
        assert running.returncode == 0, running.stdout + running.stderr
        assert "printer" in running.stdout and "ID reader" in running.stdout
    stopped = doctor(installer)  # the printer simulator is gone
    assert stopped.returncode == 1 and "required check(s) failed: printer" in stopped.stdout

    result = installer.run("--role", "terminal", "--release", real_release(installer, "1.1"), check=False)
    assert result.returncode == 1
    assert "printer" in result.stdout and "FAIL" in result.stdout  # the doctor's table, in the installer's output
    assert "failed its health check: staying on 1.0" in result.stdout
    assert installer.current == "releases/1.0"
