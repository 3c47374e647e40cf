"""A throw-away machine for the installer's real run (tests/test_deploy_container.py).

Its root is a copy-on-write overlay of this host's own root (whatever is installed here --
Python, Mesa, the Chinese font -- is installed there; everything written there stays in a
tmpfs), booted by `systemd-nspawn --boot`: systemd is its PID 1, so units really start,
Type=notify really waits for READY=1 and WatchdogSec really kills a process that stops
pinging. It has its own network namespace (only a loopback: nothing from here reaches the
host's ports or the internet) and sees the checkout and the wheels as read-only binds.

Needs root, overlayfs, systemd-nspawn (Debian's systemd-container, which ./dev test installs)
and nsenter; `Machine.unavailable()` says which is missing.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What this host starts at boot that a test machine must not: databases, brokers, timers.
QUIET_WANTS = ("multi-user.target.wants", "sockets.target.wants", "timers.target.wants")


class Machine:
    def __init__(self, base: Path, binds: dict[str, Path]):
        self.base = base
        self.merged = base / "merged"
        self.binds = binds  # inside path -> host path, read-only
        self.nspawn: subprocess.Popen | None = None
        self.pid1: int | None = None  # the machine's systemd, as a host pid
        self.log = base / "console.log"

    @staticmethod
    def unavailable() -> str | None:
        if os.geteuid() != 0:
            return "needs root (mounts and systemd-nspawn)"
        for tool in ("systemd-nspawn", "nsenter", "mount"):
            if shutil.which(tool) is None:
                return f"{tool} is missing (./dev test installs systemd-container)"
        if "overlay" not in Path("/proc/filesystems").read_text():
            return "the kernel has no overlayfs"
        return None

    # ---- life ----------------------------------------------------------------------------

    def create(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "machine", str(self.base)], check=True)
        for d in ("upper", "work", "merged"):
            (self.base / d).mkdir()
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir=/,upperdir={self.base}/upper,workdir={self.base}/work", str(self.merged)],
                       check=True)
        units = self.merged / "etc/systemd/system"
        for wants in QUIET_WANTS:
            for link in (units / wants).glob("*"):
                link.unlink()
        (self.merged / "etc/machine-id").write_text(uuid.uuid4().hex + "\n")
        for inside in self.binds:
            (self.merged / inside.lstrip("/")).mkdir(parents=True, exist_ok=True)

    def boot(self, timeout: float = 90) -> None:
        """Start systemd in the machine; return once it has finished booting."""
        args = ["systemd-nspawn", "--quiet", "--boot", "--directory", str(self.merged), "--machine",
                f"kiosk-test-{os.getpid()}", "--register=no", "--keep-unit", "--link-journal=no",
                "--private-network", "--console=pipe"]
        args += [f"--bind-ro={host}:{inside}" for inside, host in self.binds.items()]
        with open(self.log, "ab") as log:
            self.nspawn = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            if self.nspawn.poll() is not None:
                raise RuntimeError(f"systemd-nspawn stopped ({self.nspawn.returncode}): {self.console()}")
            if self.leader() is not None:
                self.pid1 = self.leader()
                state = self.sh("systemctl is-system-running --wait", timeout=timeout, check=False).stdout.strip()
                if state in ("running", "degraded"):
                    return
            time.sleep(0.3)
        raise RuntimeError(f"the machine did not finish booting ({state or 'no systemd'}): {self.console()}")

    def power_cut(self) -> None:
        """Pull the plug: every process of the machine dies at once, the disk stays. Its PID 1
        first (the kernel then kills the whole namespace), nspawn after: killed alone, nspawn
        would leave the machine running on."""
        self._kill_pid1()
        if self.nspawn and self.nspawn.poll() is None:
            os.killpg(self.nspawn.pid, signal.SIGKILL)
            self.nspawn.wait(timeout=30)
        self._wait_gone()

    def shutdown(self) -> None:
        if self.nspawn and self.nspawn.poll() is None:
            self.nspawn.terminate()  # nspawn asks the machine's systemd to power off
            try:
                self.nspawn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.power_cut()
        self._wait_gone()

    def destroy(self) -> None:
        self.shutdown()
        self._kill_pid1()  # whatever happened, nothing of the machine outlives the test
        self._wait_gone()
        for mount in (self.merged, self.base):
            subprocess.run(["umount", "--lazy", str(mount)], check=False, capture_output=True)

    def _alive(self) -> bool:
        """The machine's systemd still runs (its pid not reused by another program)."""
        if self.pid1 is None:
            return False
        try:
            comm = Path(f"/proc/{self.pid1}/comm").read_text().strip()
            state = Path(f"/proc/{self.pid1}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return comm == "systemd" and state != "Z"

    def _kill_pid1(self) -> None:
        if self.pid1 is not None and self._alive():
            try:
                os.kill(self.pid1, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _wait_gone(self) -> None:
        deadline = time.monotonic() + 30
        while (self.leader() is not None or self._alive()) and time.monotonic() < deadline:
            time.sleep(0.2)

    # ---- inside --------------------------------------------------------------------------

    def leader(self) -> int | None:
        """The host pid of the machine's PID 1 (systemd), a child of systemd-nspawn."""
        if self.nspawn is None:
            return None
        try:
            children = Path(f"/proc/{self.nspawn.pid}/task/{self.nspawn.pid}/children").read_text().split()
        except OSError:
            return None
        for child in children:
            try:
                if Path(f"/proc/{child}/comm").read_text().strip() == "systemd":
                    return int(child)
            except OSError:
                continue
        return None

    def enter(self, namespaces: str = "all") -> list[str]:
        """The nsenter prefix: a command run after it runs inside the machine."""
        leader = self.leader()
        if leader is None:
            raise RuntimeError("the machine is not running")
        if namespaces == "net":  # a host program on the machine's network only
            return ["nsenter", "-t", str(leader), "-n"]
        return ["nsenter", "-t", str(leader), "-a", "-r", "-w",
                "env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8"]

    def sh(self, script: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.enter(), "bash", "-c", script], capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"in the machine: {script}\nexit {result.returncode}\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def path(self, inside: str) -> Path:
        """A file of the machine's disk, seen from the host."""
        return self.merged / inside.lstrip("/")

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.sh(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, unit: str, lines: int = 60) -> str:
        return self.sh(f"journalctl -u {unit} -n {lines} --no-pager -o cat", check=False).stdout

    def console(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def build_wheels(folder: Path, project: Path, extras: str = "") -> Path:
    """Every package the project needs, its own wheel too, as `pip wheel` makes them for an
    offline install (`install-pi.sh --wheels`); pip's cache makes a second build quick."""
    import sys

    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
                             f"{project}{extras}"], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"pip wheel failed: {result.stderr[-3000:]}")
    return folder


def wait_for(what: str, check, timeout: float = 120, every: float = 0.5):
    """Poll `check()` until it returns something true; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")
