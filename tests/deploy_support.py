"""A throw-away root for systemd/install-pi.sh: KIOSK_ROOT in a temp dir, the system commands
(systemctl, apt-get, useradd, ...) replaced by stubs that log what they were asked to do, and
stub releases whose bin/kiosk answers `doctor` as told. Used by tests/test_deploy_*.py."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "systemd/install-pi.sh"

# name -> body; every stub logs "name args" first. $STUBS is the stub folder.
STUBS = {
    "systemctl": """
[ "$1" = --no-block ] && shift
if [ "$1" = restart ]; then  # Type=notify: restart waits for READY, and fails without it
  current=$(basename "$(readlink "$KIOSK_ROOT/opt/kiosk/current")")
  grep -qx "$current" "$STUBS/broken" 2>/dev/null && exit 1
fi
if [ "$1" = show ]; then  # NRestarts: a release named in $STUBS/loops restarts all the time
  current=$(basename "$(readlink "$KIOSK_ROOT/opt/kiosk/current")")
  grep -qx "$current" "$STUBS/loops" 2>/dev/null && date +%s%N
  exit 0
fi
if [ "$1" = is-active ]; then  # a release named in $STUBS/broken never becomes active
  current=$(basename "$(readlink "$KIOSK_ROOT/opt/kiosk/current")")
  grep -qx "$current" "$STUBS/broken" 2>/dev/null && exit 3
  if grep -qx "$current" "$STUBS/dies" 2>/dev/null; then  # active for two answers, then failed
    n=$(cat "$STUBS/asked" 2>/dev/null || echo 0); echo $((n + 1)) > "$STUBS/asked"
    [ "$n" -lt 2 ] || exit 3
  fi
fi
exit 0""",
    "apt-get": "exit 0",
    "dpkg-query": 'cat "$STUBS/dpkg-status" 2>/dev/null; exit 0',
    "getent": 'grep "^$2:" "$STUBS/$1"',
    "useradd": 'echo "${*: -1}:x:999:999::/var/lib/kiosk:/usr/sbin/nologin" >> "$STUBS/passwd"',
    "usermod": 'sed -i "/^$3:/ s/\\$/,$4/" "$STUBS/group"',
    "chown": "exit 0",
    "udevadm": "exit 0",
    "runuser": 'shift 3; exec "$@"',  # runuser -u USER -- CMD...: run CMD as ourselves
}


def make_stubs(folder: Path) -> Path:
    folder.mkdir()
    for name, body in STUBS.items():
        path = folder / name
        path.write_text(f'#!/bin/bash\necho "{name} $*" >> "$STUBS/log"\n{body}\n')
        path.chmod(0o755)
    (folder / "passwd").write_text("root:x:0:0::/root:/bin/bash\n")
    (folder / "group").write_text("".join(f"{g}:x:{i}:\n" for i, g in enumerate(
        ["video", "render", "input", "dialout", "lp"], start=40)))
    (folder / "dpkg-status").write_text("install ok installed")
    return folder


def make_release(folder: Path, name: str, doctor_exit: int = 0, hub_fails: str = "") -> Path:
    """A stub release: bin/kiosk logs its arguments and answers `doctor` with `doctor_exit`;
    bin/kiosk-hub fails the subcommand `hub_fails` (backup, migrate, check, restore)."""
    release = folder / name
    (release / "bin").mkdir(parents=True)
    fails = hub_fails or "-"
    for program in ("kiosk", "kiosk-hub"):
        path = release / "bin" / program
        path.write_text(f'#!/bin/sh\necho "{name}/bin/{program} $*" >> "$STUBS/log"\n'
                        f'[ "$1" = doctor ] && exit {doctor_exit}\n[ "$1" = "{fails}" ] && exit 1\nexit 0\n')
        path.chmod(0o755)
    return release


class Installer:
    def __init__(self, tmp_path: Path):
        self.root = tmp_path / "root"
        self.root.mkdir()
        self.stubs = make_stubs(tmp_path / "stubs")
        self.releases = tmp_path / "built"
        (self.root / "boot/firmware").mkdir(parents=True)
        (self.root / "boot/firmware/cmdline.txt").write_text(
            "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n")
        getty = self.root / "etc/systemd/system/getty.target.wants/getty@tty1.service"
        getty.parent.mkdir(parents=True)
        getty.symlink_to("/lib/systemd/system/getty@.service")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ["PATH"], "KIOSK_ROOT": str(self.root), "STUBS": str(self.stubs),
               "KIOSK_SETTLE_S": "0"}
        env.update({var: str(self.stubs / cmd) for var, cmd in [
            ("SYSTEMCTL", "systemctl"), ("APT_GET", "apt-get"), ("DPKG_QUERY", "dpkg-query"),
            ("GETENT", "getent"), ("USERADD", "useradd"), ("USERMOD", "usermod"), ("CHOWN", "chown"),
            ("RUNUSER", "runuser"), ("UDEVADM", "udevadm")]})
        (self.stubs / "log").write_text("")
        result = subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    @property
    def log(self) -> list[str]:
        return (self.stubs / "log").read_text().splitlines()

    @property
    def current(self) -> str:
        return os.readlink(self.root / "opt/kiosk/current")

    def release(self, name: str, doctor_exit: int = 0, hub_fails: str = "") -> str:
        return str(make_release(self.releases, name, doctor_exit, hub_fails))

    def snapshot(self) -> dict[str, tuple]:
        out = {}
        for path in sorted(self.root.rglob("*")):
            st = path.lstat()
            out[str(path.relative_to(self.root))] = (st.st_mode, st.st_mtime_ns,
                                                     os.readlink(path) if path.is_symlink() else None)
        return out
