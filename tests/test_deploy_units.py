"""The systemd units, udev rules, journald drop-in and kiosk-run.sh (systemd/): checked by
`systemd-analyze verify` on a throw-away root where the units are installed, and read for the
promises other parts rely on (the watchdog, exit code 75, the clock, the device groups)."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.watchdog import RESTART_EXIT_CODE

ROOT = Path(__file__).resolve().parent.parent
SYSTEMD = ROOT / "systemd"
UNITS = sorted(p.name for p in SYSTEMD.glob("*.service"))
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """section -> key -> values (a key may repeat, as Environment= does)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = None
    for raw in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = out.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key, []).append(value)
    return out


def test_the_four_units_are_there():
    assert UNITS == ["kiosk-hub.service", "kiosk-sync.service", "kiosk-tickets.service", "kiosk.service"]


needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir(),
                                   reason="systemd-analyze is missing (./dev test installs the systemd package)")


@pytest.fixture
def unit_root(tmp_path) -> Path:
    """A root where the units are installed as install-pi.sh installs them, with the programs
    they start (stubs) and systemd's own units (for the targets they name)."""
    bin_dir = tmp_path / "opt/kiosk/current/bin"
    bin_dir.mkdir(parents=True)
    for name in ("kiosk", "kiosk-run", "kiosk-hub"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    shutil.copytree(SYSTEM_UNITS, tmp_path / "usr/lib/systemd/system", symlinks=True)
    target = tmp_path / "etc/systemd/system"
    target.mkdir(parents=True)
    for name in UNITS:
        shutil.copy(SYSTEMD / name, target / name)
    return tmp_path


@needs_analyze
def test_systemd_analyze_verify_finds_nothing_in_any_unit(unit_root):
    target = unit_root / "etc/systemd/system"
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={unit_root}",
                             *(str(target / n) for n in UNITS)], capture_output=True, text=True, timeout=60)
    # warnings (an unknown key, a bad value) exit 0 but print: nothing at all may be printed
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@needs_analyze
@pytest.mark.parametrize("name, most", [("kiosk.service", 4.0), ("kiosk-sync.service", 2.0),
                                        ("kiosk-tickets.service", 2.0), ("kiosk-hub.service", 2.0)])
def test_the_hardening_keeps_the_exposure_low(unit_root, name, most):
    # systemd's own score (0 = locked down, 10 = none); the app's unit keeps its devices
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", f"--root={unit_root}", name],
                            capture_output=True, text=True, timeout=60)
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout)[1])
    assert score <= most, result.stdout


@needs_analyze
def test_verify_would_report_a_mistake(tmp_path):
    broken = tmp_path / "etc/systemd/system/kiosk.service"
    broken.parent.mkdir(parents=True)
    broken.write_text((SYSTEMD / "kiosk.service").read_text().replace("WatchdogSec=30", "WatchdogSecs=30"))
    shutil.copytree(SYSTEM_UNITS, tmp_path / "usr/lib/systemd/system", symlinks=True)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={tmp_path}", str(broken)],
                            capture_output=True, text=True, timeout=60)
    assert "WatchdogSecs" in result.stderr


def test_the_app_unit_has_a_watchdog_and_restarts_on_the_apps_restart_code():
    service = unit("kiosk.service")["Service"]
    assert service["Type"] == ["notify"] and service["NotifyAccess"] == ["main"]
    assert int(service["WatchdogSec"][0]) >= 10
    assert service["Restart"] == ["always"]
    assert service["RestartForceExitStatus"] == [str(RESTART_EXIT_CODE)]
    # 退出到系统 (exit 0) and a bad config (exit 2) stay stopped instead of looping
    assert service["RestartPreventExitStatus"] == ["0 2"]
    assert {"StartLimitIntervalSec", "StartLimitBurst"} <= set(unit("kiosk.service")["Unit"])


def test_the_app_unit_runs_as_kiosk_with_its_device_groups_on_kms():
    service = unit("kiosk.service")["Service"]
    assert service["User"] == ["kiosk"]
    assert set(service["SupplementaryGroups"][0].split()) == {"video", "render", "input", "dialout", "lp"}
    env = dict(v.split("=", 1) for v in service["Environment"])
    assert env["SDL_VIDEODRIVER"] == "kmsdrm" and env["KIOSK_CONFIG"] == "/etc/kiosk/kiosk.toml"
    assert env["KIVY_HOME"].startswith("/var/lib/kiosk/")
    assert service["ProtectSystem"] == ["strict"] and service["ReadWritePaths"] == ["/var/lib/kiosk"]
    for key in ("ProtectHome", "PrivateTmp", "NoNewPrivileges"):
        assert service[key] == ["yes"], key
    # the devices the app needs stay visible
    assert "PrivateDevices" not in service and "DevicePolicy" not in service and "ProtectClock" not in service


def test_the_queue_waits_for_the_time_sync_target():
    section = unit("kiosk-tickets.service")["Unit"]
    assert "time-sync.target" in section["After"][0].split()
    assert "time-sync.target" in section["Wants"][0].split()
    assert unit("kiosk-tickets.service")["Service"]["Type"] == ["notify"]  # kiosk.cli_tickets sends READY


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_starts_a_program_of_the_current_release_and_is_hardened(name):
    service = unit(name)["Service"]
    assert service["ExecStart"][0].startswith("/opt/kiosk/current/bin/")
    assert service["ProtectSystem"] == ["strict"] and service["NoNewPrivileges"] == ["yes"]
    assert unit(name)["Install"]["WantedBy"] == ["multi-user.target"]


def test_the_sync_and_tickets_commands_are_the_documented_ones():
    assert unit("kiosk-sync.service")["Service"]["ExecStart"][0].endswith("/kiosk sync run")
    assert "/kiosk tickets serve " in unit("kiosk-tickets.service")["Service"]["ExecStart"][0]
    assert unit("kiosk-hub.service")["Service"]["ExecStart"][0].split()[1] == "serve"


# ---- udev and journald -------------------------------------------------------------------

RULE_PART = re.compile(r'^(?P<key>[A-Z_]+(\{[A-Za-z_]+\})?)(?P<op>==|!=|\+=|=|:=)"(?P<value>[^"]*)"$')


def rules() -> list[dict[str, tuple[str, str]]]:
    out = []
    for line in (SYSTEMD / "99-kiosk.rules").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = {}
        for part in line.split(", "):
            m = RULE_PART.match(part.strip())
            assert m, f"not a udev key/value: {part!r} in {line!r}"
            parts[m["key"]] = (m["op"], m["value"])
        out.append(parts)
    return out


def test_usb_printers_go_to_group_lp_by_vendor_and_product():
    printers = [r for r in rules() if r.get("GROUP") == ("=", "lp")]
    assert printers
    for rule in printers:
        assert re.fullmatch(r"[0-9a-f]{4}", rule["ATTR{idVendor}"][1])
        assert re.fullmatch(r"[0-9a-f]{4}", rule["ATTR{idProduct}"][1])
        assert rule["SUBSYSTEM"] == ("==", "usb") and rule["MODE"] == ("=", "0660")
    # the example in devices/printer_url.py is covered
    assert any(r["ATTR{idVendor}"][1] == "0416" and r["ATTR{idProduct}"][1] == "5011" for r in printers)


def test_the_id_reader_gets_a_stable_name():
    readers = [r for r in rules() if r.get("SYMLINK") == ("+=", "kiosk-idcard")]
    assert len(readers) == 1 and readers[0]["SUBSYSTEM"] == ("==", "tty")
    assert readers[0]["GROUP"] == ("=", "dialout")


def test_journald_limits_parse_and_bound_the_journal():
    conf = configparser.ConfigParser()
    conf.read(SYSTEMD / "journald-kiosk.conf")
    journal = conf["Journal"]
    assert journal["Storage"] == "persistent"
    assert journal["SystemMaxUse"].endswith("M") and int(journal["SystemMaxUse"][:-1]) <= 500


# ---- kiosk-run.sh: the DRM card of the panel ---------------------------------------------

def fake_sysfs(tmp_path, connectors: dict[str, str]) -> Path:
    for name, status in connectors.items():
        folder = tmp_path / "sys/class/drm" / name
        folder.mkdir(parents=True)
        (folder / "status").write_text(status + "\n")
    return tmp_path / "sys"


def kiosk_run(sysfs: Path, **env) -> str:
    result = subprocess.run(["sh", str(SYSTEMD / "kiosk-run.sh")], capture_output=True, text=True, timeout=10,
                            env={"PATH": os.environ["PATH"], "KIOSK_SYSFS": str(sysfs),
                                 "KIOSK_RUN_PRINT_ENV": "1", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_kiosk_run_picks_the_card_with_the_connected_panel(tmp_path):
    # a Pi 5 with the DSI panel: card0 is V3D (no connectors), the panel is on card2 today
    sysfs = fake_sysfs(tmp_path, {"card1-HDMI-A-1": "disconnected", "card1-HDMI-A-2": "disconnected",
                                  "card2-DSI-1": "connected"})
    assert kiosk_run(sysfs) == "SDL_KMSDRM_DEVICE_INDEX=2"


def test_kiosk_run_follows_the_connector_asked_for_and_an_explicit_index(tmp_path):
    sysfs = fake_sysfs(tmp_path, {"card1-HDMI-A-1": "connected", "card2-DSI-1": "connected"})
    assert kiosk_run(sysfs) == "SDL_KMSDRM_DEVICE_INDEX=1"
    assert kiosk_run(sysfs, KIOSK_DRM_CONNECTOR="DSI-1") == "SDL_KMSDRM_DEVICE_INDEX=2"
    assert kiosk_run(sysfs, SDL_KMSDRM_DEVICE_INDEX="0") == "SDL_KMSDRM_DEVICE_INDEX=0"
    assert kiosk_run(tmp_path / "nothing") == "SDL_KMSDRM_DEVICE_INDEX="  # SDL's default then


def test_kiosk_run_execs_kiosk_run_beside_it(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(SYSTEMD / "kiosk-run.sh", bin_dir / "kiosk-run")
    (bin_dir / "kiosk").write_text('#!/bin/sh\necho "pid $$ args $*"\n')
    (bin_dir / "kiosk").chmod(0o755)
    result = subprocess.run(["sh", "-c", f'echo "pid $$"; exec sh {bin_dir / "kiosk-run"} --debug'],
                            capture_output=True, text=True, timeout=10,
                            env={"PATH": os.environ["PATH"], "KIOSK_SYSFS": str(tmp_path / "none")})
    first, second = result.stdout.splitlines()
    assert second == f"{first} args run --debug"  # the same process: systemd's MainPID notifies


# ---- the documentation names what is here -------------------------------------------------

def test_every_deploy_file_and_installer_option_is_documented():
    guide = (ROOT / "docs/deploy.md").read_text(encoding="utf-8") + (SYSTEMD / "README.md").read_text(encoding="utf-8")
    for path in sorted(SYSTEMD.iterdir()):
        if path.name != "README.md":
            assert path.name in guide, f"{path.name} is not in docs/deploy.md or systemd/README.md"
    script = (SYSTEMD / "install-pi.sh").read_text(encoding="utf-8")
    options = set(re.findall(r"^\s+(--[a-z-]+)\)", script, re.M)) - {"--help"}
    assert options == {"--role", "--dry-run", "--from", "--release", "--wheels", "--version", "--timeout"}
    for option in options:
        assert option in guide, option
    for variable in re.findall(r"^([A-Z_]+)=\$\{\1:-", script, re.M):  # the overridable commands
        assert variable in guide, variable
