"""systemd/install-pi.sh, run for real in a throw-away KIOSK_ROOT with stub system commands
(systemctl, apt-get, useradd, ... write what they were asked to a log), and shellcheck on every
shell script. The releases are stub venvs whose bin/kiosk answers `doctor` as told."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.deploy_support import ROOT, SCRIPT, Installer

SCRIPTS = [*sorted((ROOT / "systemd").glob("*.sh")), ROOT / "dev", ROOT / ".ci/run"]


@pytest.fixture
def installer(tmp_path):
    return Installer(tmp_path)


# ---- shellcheck -----------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is missing (./dev test installs it)")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shellcheck_finds_nothing(script):
    # -x: install-pi.sh sources install-release.sh, checked as one program
    result = subprocess.run(["shellcheck", "-x", "--severity=style", str(script)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout


def test_the_apt_packages_are_the_same_as_dev_installs():
    def packages(path: Path) -> list[str]:
        block = re.search(r"^APT_PACKAGES=\((.*?)^\)", path.read_text(), re.S | re.M)[1]
        return [word for line in block.splitlines() for word in line.split("#")[0].split()]

    assert packages(SCRIPT) == packages(ROOT / "dev") and "fonts-wqy-microhei" in packages(SCRIPT)


# ---- --dry-run ------------------------------------------------------------------------------

def test_dry_run_prints_every_action_and_changes_nothing(installer):
    (installer.stubs / "dpkg-status").write_text("")  # nothing installed: apt-get would run
    before = installer.snapshot()
    result = installer.run("--role", "terminal,queue-host", "--dry-run", "--release", installer.release("1.0"))
    assert installer.snapshot() == before
    actions = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]
    for expected in ("apt-get\" install", "useradd", "usermod --append --groups video kiosk",
                     "kiosk.example.toml", "kiosk-tickets.service", "99-kiosk.rules", "journald",
                     "cmdline.txt", "disable getty@tty1.service", "cp -a", "bin/kiosk doctor",
                     "releases/1.0", "enable kiosk.service kiosk-sync.service kiosk-tickets.service"):
        assert any(expected.replace('"', "") in a for a in actions), (expected, result.stdout)
    # only look-ups ran: nothing was installed, added or restarted
    assert {line.split()[0] for line in installer.log} == {"dpkg-query", "getent"}


def test_dry_run_from_the_source_tree_names_the_release_by_version_and_commit(installer):
    result = installer.run("--role", "display", "--dry-run")  # default: --from this checkout
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=8", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "local"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    release = f"{installer.root}/opt/kiosk/releases/{version}-{commit}"
    assert f"+ python3 -m venv {release}" in result.stdout
    assert f"+ {release}/bin/python -m pip install --quiet --no-cache-dir {ROOT}" in result.stdout
    assert not (installer.root / "opt").exists()


def test_dry_run_on_an_empty_root_leaves_it_empty(tmp_path):
    installer = Installer(tmp_path)
    shutil.rmtree(installer.root)
    installer.root.mkdir()
    installer.run("--role", "hub", "--dry-run", "--release", installer.release("2.0"))
    assert list(installer.root.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    ((), "--role is required"),
    (("--role", "kitchen"), "unknown role 'kitchen'"),
    (("--role", "hub,terminal"), "--role hub alone"),
    (("--role", "terminal", "--timeout", "soon"), "whole seconds"),
    (("--role", "terminal", "--release", "/nonexistent"), "is not a release"),
])
def test_bad_arguments_stop_with_a_reason(installer, args, message):
    result = installer.run(*args, check=False)
    assert result.returncode != 0 and message in result.stderr


# ---- for real, in the temp root ---------------------------------------------------------------

def test_a_first_install_lays_out_the_terminal(installer):
    installer.run("--role", "terminal", "--release", installer.release("1.0"))
    root = installer.root
    assert installer.current == "releases/1.0"
    assert os.access(root / "opt/kiosk/current/bin/kiosk-run", os.X_OK)
    assert (root / "etc/kiosk/kiosk.toml").read_text() == (ROOT / "kiosk.example.toml").read_text()
    for unit in ("kiosk.service", "kiosk-sync.service"):
        assert (root / "etc/systemd/system" / unit).read_text() == (ROOT / "systemd" / unit).read_text()
    assert not (root / "etc/systemd/system/kiosk-hub.service").exists()
    assert (root / "etc/udev/rules.d/99-kiosk.rules").exists()
    assert (root / "etc/systemd/journald.conf.d/kiosk.conf").exists()
    assert (root / "var/lib/kiosk/kivy").is_dir() and (root / "var/cache/kiosk").is_dir()
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline.count("\n") == 1 and cmdline.rstrip().endswith("rootwait consoleblank=0 vt.global_cursor_default=0")
    log = installer.log
    assert "useradd --system --user-group --home-dir /var/lib/kiosk --shell /usr/sbin/nologin kiosk" in log
    assert (installer.stubs / "group").read_text().count(",kiosk") == 5
    assert "1.0/bin/kiosk doctor" in log
    assert "systemctl disable getty@tty1.service" in log
    assert "systemctl enable kiosk.service kiosk-sync.service" in log
    assert log.index("systemctl daemon-reload") < log.index("systemctl --no-block restart kiosk.service kiosk-sync.service")


def test_a_second_run_changes_nothing_and_keeps_an_edited_config(installer):
    release = installer.release("1.0")
    installer.run("--role", "terminal", "--release", release)
    (installer.root / "etc/kiosk/kiosk.toml").write_text('role = "display"\n')
    (installer.root / "etc/systemd/system/getty.target.wants/getty@tty1.service").unlink()  # systemctl disable did it
    before = installer.snapshot()
    result = installer.run("--role", "terminal", "--release", release)
    assert installer.snapshot() == before
    assert (installer.root / "etc/kiosk/kiosk.toml").read_text() == 'role = "display"\n'
    assert "kept as it is" in result.stdout and "already current" in result.stdout
    changes = [line for line in installer.log if line.split()[0] in ("useradd", "usermod", "apt-get", "udevadm")
               or "daemon-reload" in line or "doctor" in line]
    assert changes == []


def test_an_upgrade_installs_beside_the_old_release_and_switches(installer):
    installer.run("--role", "terminal", "--release", installer.release("1.0"))
    installer.run("--role", "terminal", "--release", installer.release("1.1"))
    assert installer.current == "releases/1.1"
    assert sorted(p.name for p in (installer.root / "opt/kiosk/releases").iterdir()) == ["1.0", "1.1"]
    log = installer.log
    stop = log.index("systemctl stop kiosk.service")  # the app frees the devices for the doctor
    assert stop < log.index("1.1/bin/kiosk doctor") < log.index("systemctl --no-block restart kiosk.service kiosk-sync.service")


def test_a_release_that_fails_kiosk_doctor_is_never_switched_to(installer):
    installer.run("--role", "terminal", "--release", installer.release("1.0"))
    result = installer.run("--role", "terminal", "--release", installer.release("2.0-bad", doctor_exit=1),
                           check=False)
    assert result.returncode == 1 and "failed its health check: staying on 1.0" in result.stdout
    assert installer.current == "releases/1.0"
    log = installer.log
    assert log.index("systemctl stop kiosk.service") < log.index("2.0-bad/bin/kiosk doctor") \
        < log.index("systemctl --no-block start kiosk.service")
    assert not any("restart kiosk" in line for line in log)


def test_a_release_that_never_becomes_active_is_rolled_back(installer):
    installer.run("--role", "terminal", "--release", installer.release("1.0"))
    (installer.stubs / "broken").write_text("3.0-frozen\n")  # its first frame never comes: no READY
    result = installer.run("--role", "terminal", "--timeout", "2", "--release", installer.release("3.0-frozen"),
                           check=False)
    assert result.returncode == 1, result.stdout
    assert "not active after 2s: kiosk.service kiosk-sync.service" in result.stdout
    assert "rolling back to 1.0" in result.stdout
    assert installer.current == "releases/1.0"
    restarts = [line for line in installer.log if line.startswith("systemctl --no-block restart kiosk.service")]
    assert len(restarts) == 2  # the new release, then the old one again


def test_a_release_that_dies_right_after_starting_is_rolled_back(installer):
    installer.run("--role", "terminal", "--release", installer.release("1.0"))
    (installer.stubs / "dies").write_text("4.0-exits\n")  # e.g. `kiosk sync run` unknown to it: exit 2
    result = installer.run("--role", "terminal", "--timeout", "2", "--release", installer.release("4.0-exits"),
                           check=False)
    assert result.returncode == 1 and "rolling back to 1.0" in result.stdout
    assert installer.current == "releases/1.0"


def test_a_release_in_a_restart_loop_is_rolled_back(installer):
    installer.run("--role", "terminal", "--release", installer.release("1.0"))
    (installer.stubs / "loops").write_text("4.1-loops\n")  # active whenever asked, restarted in between
    result = installer.run("--role", "terminal", "--timeout", "2", "--release", installer.release("4.1-loops"),
                           check=False)
    assert result.returncode == 1 and "(restarting)" in result.stdout and "rolling back to 1.0" in result.stdout
    assert installer.current == "releases/1.0"


def test_a_release_build_cut_short_is_built_again(installer):
    release = installer.release("1.0")
    target = installer.root / "opt/kiosk/releases/1.0"
    (target / "bin").mkdir(parents=True)  # a power cut in the middle of pip: no .complete
    result = installer.run("--role", "terminal", "--release", release)
    assert f"+ rm -rf {target}" in result.stdout
    assert (target / "bin/kiosk").exists() and (target / ".complete").exists()
    assert installer.current == "releases/1.0"


def test_old_releases_are_pruned_but_the_previous_one_is_kept(installer):
    for name in ("1", "2", "3", "4", "5"):
        installer.run("--role", "queue-host", "--release", installer.release(name))
    assert installer.current == "releases/5"
    assert sorted(p.name for p in (installer.root / "opt/kiosk/releases").iterdir()) == ["3", "4", "5"]
    # a headless queue host's check: the config loads and tickets.sqlite opens (no display)
    assert "5/bin/kiosk tickets user list" in installer.log


def test_the_hub_role_gets_its_own_user_and_unit(installer):
    result = installer.run("--role", "hub", "--release", installer.release("0.9"))
    assert "run kiosk-hub init" in result.stdout and "systemctl --no-block start kiosk-hub.service" not in installer.log
    (installer.root / "var/lib/kiosk-hub/keys").mkdir()  # what `kiosk-hub init` makes
    installer.run("--role", "hub", "--release", installer.release("1.0"))
    assert "1.0/bin/kiosk-hub check" in installer.log and installer.current == "releases/1.0"
    root = installer.root
    assert (root / "etc/systemd/system/kiosk-hub.service").exists()
    assert not (root / "etc/systemd/system/kiosk.service").exists()
    assert not (root / "etc/kiosk/kiosk.toml").exists() and (root / "var/lib/kiosk-hub").is_dir()
    assert "kiosk-hub" in (installer.stubs / "passwd").read_text()
    assert "usermod" not in (installer.stubs / "log").read_text()  # no device groups
    assert "disable getty" not in " ".join(installer.log)


# ---- a release built for real: a venv and pip, from a wheel -------------------------------

def tiny_wheel(folder: Path, version: str = "0.1.0") -> Path:
    """A wheel of `lobby-kiosk` with no dependencies whose `kiosk` command logs its arguments:
    enough for pip to install offline and for the installer to run `kiosk doctor`."""
    import base64
    import hashlib
    import zipfile

    dist = f"lobby_kiosk-{version}.dist-info"
    files = {
        "tinykiosk/__init__.py": "import os, sys\n\ndef main():\n"
                                 "    with open(os.path.join(os.environ['STUBS'], 'log'), 'a') as f:\n"
                                 "        f.write('wheel kiosk ' + ' '.join(sys.argv[1:]) + '\\n')\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: lobby-kiosk\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}/entry_points.txt": "[console_scripts]\nkiosk = tinykiosk:main\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join(record + [f"{dist}/RECORD,,"]) + "\n"
    wheel = folder / f"lobby_kiosk-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return wheel


@pytest.mark.skipif(subprocess.run(["python3", "-m", "venv", "--help"], capture_output=True).returncode != 0,
                    reason="python3 -m venv is not available (apt-get install python3-venv)")
def test_a_release_is_built_into_a_venv_from_a_wheel(installer, tmp_path):
    import hashlib

    wheel = tiny_wheel(tmp_path)
    installer.run("--role", "terminal", "--from", str(wheel))
    version = "0.1.0-" + hashlib.sha256(wheel.read_bytes()).hexdigest()[:8]
    assert installer.current == f"releases/{version}"
    release = installer.root / "opt/kiosk/releases" / version
    assert os.access(release / "bin/kiosk", os.X_OK) and os.access(release / "bin/kiosk-run", os.X_OK)
    assert "wheel kiosk doctor" in installer.log  # the venv's own console script ran the check


# ---- without network: --wheels -------------------------------------------------------------

@pytest.mark.skipif(subprocess.run(["python3", "-m", "venv", "--help"], capture_output=True).returncode != 0,
                    reason="python3 -m venv is not available (apt-get install python3-venv)")
def test_wheels_install_the_project_wheel_among_them_with_no_index(installer, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    tiny_wheel(wheels)
    result = installer.run("--role", "terminal", "--wheels", str(wheels))
    assert f"--no-index --find-links {wheels} {wheels}/lobby_kiosk-0.1.0-py3-none-any.whl" in result.stdout
    assert installer.current.startswith("releases/0.1.0-") and "wheel kiosk doctor" in installer.log


@pytest.mark.parametrize("wheels, message", [
    ((), "no lobby_kiosk-*.whl in"),
    (("0.1.0", "0.2.0"), "several lobby_kiosk wheels in"),
])
def test_wheels_without_exactly_one_project_wheel_stop_with_a_reason(installer, tmp_path, wheels, message):
    folder = tmp_path / "wheels"
    folder.mkdir()
    for version in wheels:
        tiny_wheel(folder, version)
    result = installer.run("--role", "terminal", "--wheels", str(folder), check=False)
    assert result.returncode != 0 and message in result.stderr
    assert installer.log == []  # stopped before looking at anything


def test_a_venv_built_elsewhere_is_pointed_at_its_new_place(installer):
    built = Path(installer.release("1.2"))
    (built / "bin/kiosk-hub").write_text(f"#!{built}/bin/python\nimport sys\n")  # what pip writes
    (built / "bin/pip").write_text("#!/build/elsewhere/bin/python3.11\n")  # built there, copied here since
    (built / "bin/tool").write_text("#!/usr/bin/python3\n")  # the system's: left alone
    result = installer.run("--role", "terminal", "--release", str(built), "--dry-run")
    target = f"{installer.root}/opt/kiosk/releases/1.2"
    for script in ("kiosk-hub", "pip"):
        assert f"+ sed -i 1 s|^.*$|#!/opt/kiosk/releases/1.2/bin/python| {target}/bin/{script}\n" in result.stdout
    assert f"{target}/bin/kiosk\n" not in result.stdout and f"{target}/bin/tool" not in result.stdout


# ---- the queue host ------------------------------------------------------------------------

def test_a_queue_host_gets_its_token_once_and_the_token_is_never_printed(installer):
    result = installer.run("--role", "terminal,queue-host", "--release", installer.release("1.0"))
    env = installer.root / "etc/kiosk/kiosk.env"
    lines = env.read_text().splitlines()
    assert len(lines) == 1 and re.fullmatch(r"KIOSK_TICKETS_TOKEN=[A-Za-z0-9_-]{40,}", lines[0])
    assert oct(env.stat().st_mode & 0o777) == "0o640"
    token = lines[0].split("=", 1)[1]
    assert token not in result.stdout + result.stderr
    assert re.search(r"runuser -u kiosk -- env KIOSK_CONFIG=\S+ KIOSK_TICKETS_TOKEN=… \S+/bin/kiosk doctor", result.stdout)
    # the terminal takes numbers from this box's queue, which is started before the doctor asks it
    assert 'url = "http://127.0.0.1:8300"' in (installer.root / "etc/kiosk/kiosk.toml").read_text()
    log = installer.log
    assert log.index("systemctl --no-block start kiosk-tickets.service") < log.index("1.0/bin/kiosk doctor")
    again = installer.run("--role", "terminal,queue-host", "--release", installer.release("1.1"))
    assert env.read_text().splitlines() == lines and "queue token: in /etc/kiosk/kiosk.env" in again.stdout


def test_a_token_in_the_config_is_used_and_none_is_made(installer):
    config = installer.root / "etc/kiosk/kiosk.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[printer]\nurl = ""\n[tickets]\nurl = ""\ntoken = "lobby-7-token"\n')
    result = installer.run("--role", "queue-host", "--release", installer.release("1.0"))
    assert "queue token: [tickets] token in /etc/kiosk/kiosk.toml" in result.stdout
    assert not (installer.root / "etc/kiosk/kiosk.env").exists()
    assert config.read_text().count('url = ""') == 2  # an existing config is never edited


# ---- the hub: its database first -----------------------------------------------------------

def hub_installed(installer: Installer, version: str = "1.0") -> None:
    installer.run("--role", "hub", "--release", installer.release(version))
    (installer.root / "var/lib/kiosk-hub/keys").mkdir(exist_ok=True)  # what `kiosk-hub init` makes
    installer.run("--role", "hub", "--release", installer.release(version + "a"))


def hub_steps(installer: Installer) -> list[str]:
    """The log's kiosk-hub calls and service changes, with the paths shortened."""
    out = []
    for line in installer.log:
        words = [word for word in line.split() if word != "--no-block"]
        if words[0] == "systemctl" and words[1] in ("stop", "start", "restart"):
            out.append(f"{words[1]} {words[2]}")
        elif "/bin/kiosk-hub" in words[0]:
            out.append(f"{words[0].split('/')[0]} {words[1]}")
    return out


def test_a_hub_upgrade_backs_up_and_migrates_before_it_switches(installer):
    hub_installed(installer)
    installer.run("--role", "hub", "--release", installer.release("2.0"))
    assert installer.current == "releases/2.0"
    assert hub_steps(installer) == ["stop kiosk-hub.service", "2.0 backup", "2.0 migrate", "2.0 check",
                                    "restart kiosk-hub.service"]
    backup = next(line.split()[-1] for line in installer.log if " backup " in line)
    assert re.fullmatch(rf"{installer.root}/var/lib/kiosk-hub/backups/before-2\.0-\d{{8}}T\d{{6}}Z\.backup", backup)
    assert "env KIOSK_HUB_DATA_DIR=" in " ".join(installer.run("--role", "hub", "--dry-run",
                                                                "--release", installer.release("2.1")).stdout.split())


def test_a_hub_release_that_cannot_migrate_puts_the_backup_back_and_the_old_one_runs(installer):
    hub_installed(installer)
    result = installer.run("--role", "hub", "--release", installer.release("3.0", hub_fails="migrate"), check=False)
    assert result.returncode == 1 and "putting the backup back, staying on 1.0a" in result.stdout
    assert installer.current == "releases/1.0a"
    assert hub_steps(installer) == ["stop kiosk-hub.service", "3.0 backup", "3.0 migrate", "3.0 restore",
                                    "start kiosk-hub.service"]


def test_a_hub_backup_that_fails_changes_nothing(installer):
    hub_installed(installer)
    result = installer.run("--role", "hub", "--release", installer.release("3.1", hub_fails="backup"), check=False)
    assert result.returncode == 1 and "could not be backed up: nothing was changed" in result.stdout
    assert hub_steps(installer) == ["stop kiosk-hub.service", "3.1 backup", "start kiosk-hub.service"]
    assert installer.current == "releases/1.0a"


def test_a_hub_release_that_never_becomes_active_goes_back_with_the_database_as_it_was(installer):
    hub_installed(installer)
    (installer.stubs / "broken").write_text("4.0\n")
    result = installer.run("--role", "hub", "--timeout", "2", "--release", installer.release("4.0"), check=False)
    assert result.returncode == 1 and "rolling back to 1.0a, with the database as it was" in result.stdout
    assert installer.current == "releases/1.0a"
    assert hub_steps(installer) == ["stop kiosk-hub.service", "4.0 backup", "4.0 migrate", "4.0 check",
                                    "restart kiosk-hub.service", "stop kiosk-hub.service", "4.0 restore",
                                    "start kiosk-hub.service"]


def test_a_display_gets_a_config_for_the_calling_board(installer):
    installer.run("--role", "display,queue-host", "--release", installer.release("1.0"))
    config = tomllib.loads((installer.root / "etc/kiosk/kiosk.toml").read_text())
    assert config["role"] == "display" and config["tickets"]["url"] == "http://127.0.0.1:8300"
