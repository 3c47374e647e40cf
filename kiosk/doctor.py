"""`kiosk doctor`: one table of what this terminal needs, each line ok / warn / FAIL with a fix.

Required checks fail the command (exit 1): a Chinese font, GL libraries, a display, a usable
data dir (a folder, or one that can be made, that this user can write to), and the printer / ID
reader when the config says they are there. The hub and the tickets service are reported too;
an unreachable hub is only a warning (terminals run offline on their last content).
"""
from __future__ import annotations

import ctypes.util
import glob
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.config_read import kind_of, one_line, show_path


@dataclass
class Check:
    name: str
    status: str  # "ok" | "warn" | "FAIL" | "off"
    detail: str


def check_font() -> Check:
    from content.fonts import FontNotFound, find_cjk_font

    try:
        return Check("font", "ok", str(find_cjk_font()))
    except FontNotFound as exc:
        return Check("font", "FAIL", str(exc))


def check_gl() -> Check:
    found = {name: ctypes.util.find_library(name) for name in ("GL", "EGL")}
    missing = [n for n, lib in found.items() if not lib]
    if missing:
        return Check("GL", "FAIL", f"lib{'/lib'.join(missing)} not found: apt install libgl1-mesa-dri libegl1")
    dri = "/usr/lib/*/dri/*_dri.so"
    if not glob.glob(dri) and not glob.glob("/usr/lib/dri/*_dri.so"):
        return Check("GL", "warn", "no Mesa DRI drivers found (apt install libgl1-mesa-dri)")
    return Check("GL", "ok", ", ".join(f"{k}: {v}" for k, v in found.items()))


def check_display(env=os.environ) -> Check:
    driver = env.get("SDL_VIDEODRIVER", "")
    if driver in ("offscreen", "dummy"):
        return Check("display", "warn", f"SDL_VIDEODRIVER={driver}: no screen will show the app")
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return Check("display", "ok", f"desktop session ({env.get('DISPLAY') or env.get('WAYLAND_DISPLAY')})")
    cards = sorted(glob.glob("/dev/dri/card*"))
    if not cards:
        return Check("display", "FAIL", "no desktop session and no /dev/dri/card* (KMS/DRM): is the panel connected "
                     "and the vc4-kms overlay enabled?")
    denied = [c for c in cards if not os.access(c, os.R_OK | os.W_OK)]
    if len(denied) == len(cards):
        return Check("display", "FAIL", f"{', '.join(cards)} not accessible: add the user to groups video render input")
    return Check("display", "ok", f"KMS/DRM {', '.join(cards)} (SDL_KMSDRM_DEVICE_INDEX picks one)")


def check_data_dir(data_dir: Path) -> list[Check]:
    """The data dir as the app will use it: a folder (or one that can be made) this user can
    write to, on a writable file system; a link is followed and its target named."""
    from content.store import current_version

    data_dir = Path(data_dir)
    status, detail = _data_dir_state(data_dir)
    out = [Check("data dir", status, detail)]
    if status == "FAIL":
        return out + [Check("content", "warn", "not checked: the data dir is not usable")]
    try:
        version = current_version(data_dir)
    except OSError as exc:
        return out + [Check("content", "warn", f"cannot read {show_path(data_dir / 'current')}: {one_line(exc.strerror or exc)}")]
    out.append(Check("content", "ok" if version else "warn",
                     f"version {version}" if version else "none installed: the demo centre is shown until the hub sends content"))
    return out


def _data_dir_state(data_dir: Path) -> tuple[str, str]:
    shown, uid = show_path(data_dir), os.getuid()
    fix = f"fix it as root: install -d -o {uid} {shown} (or set data_dir to a folder this user owns)"
    link = f" (a link to {show_path(os.path.realpath(data_dir))})" if os.path.islink(data_dir) else ""
    try:
        st = os.stat(data_dir)
    except (FileNotFoundError, NotADirectoryError):  # missing, or a file stands where a folder above should
        if link:
            return "FAIL", f"{shown}{link}: the link's target does not exist: create it or point data_dir at a folder"
        return _creatable(data_dir, fix)
    except OSError as exc:  # EACCES on a folder above it, ELOOP, ENOTDIR
        return "FAIL", f"{shown}{link} cannot be reached: {one_line(exc.strerror or exc)}: {fix}"
    if not stat.S_ISDIR(st.st_mode):
        return "FAIL", f"{shown}{link} is {kind_of(st.st_mode)}, not a folder: move it away or set data_dir to a folder"
    try:  # a real write: os.access() says yes to root on a read-only file system
        fd, probe = tempfile.mkstemp(prefix=".doctor-", dir=data_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return "FAIL", f"{shown}{link} is not writable by uid {uid}: {one_line(exc.strerror or exc)}: {fix}"
    return _space(data_dir, f"{shown}{link}")


def _creatable(data_dir: Path, fix: str) -> tuple[str, str]:
    """A missing data dir is made on first run: its nearest existing parent must allow that."""
    parent = data_dir.parent
    while True:
        try:
            st = os.stat(parent)
            break
        except (FileNotFoundError, NotADirectoryError):
            parent = parent.parent
        except OSError as exc:
            return "FAIL", f"{show_path(data_dir)} cannot be created: {show_path(parent)}: {one_line(exc.strerror or exc)}: {fix}"
    shown = f"{show_path(data_dir)} cannot be created"
    if not stat.S_ISDIR(st.st_mode):
        return "FAIL", f"{shown}: {show_path(parent)} is {kind_of(st.st_mode)}, not a folder: choose another data_dir"
    if os.statvfs(parent).f_flag & os.ST_RDONLY:
        return "FAIL", f"{shown}: {show_path(parent)} is on a read-only file system: choose a data_dir on a writable one"
    if not os.access(parent, os.W_OK | os.X_OK):
        return "FAIL", f"{shown} by uid {os.getuid()}: {show_path(parent)} is not writable: {fix}"
    return _space(parent, f"{show_path(data_dir)} (not there yet; made on first run in {show_path(parent)})")


def _space(folder: Path, detail: str) -> tuple[str, str]:
    free = shutil.disk_usage(folder).free / 1e9
    return ("ok" if free > 0.5 else "warn"), f"{detail} ({free:.1f} GB free)"


def check_printer(settings) -> Check:
    url = settings.printer.url
    if not url:
        return Check("printer", "off", "no printer configured ([printer] url)")
    from devices.printer import Printer

    try:
        printer = Printer(url, settings.printer.encoding, settings.printer.paper_width_mm, timeout=2)
    except ValueError as exc:
        return Check("printer", "FAIL", str(exc))
    status = printer.status()
    problem = status.problem()
    if problem:
        detail = printer.last_error if problem == "unknown" and printer.last_error else problem
        return Check("printer", "FAIL", f"{url}: {detail}")
    return Check("printer", "warn" if status.paper_near_end else "ok",
                 f"{url}: " + ("paper near end" if status.paper_near_end else "ready"))


def check_reader(settings) -> Check:
    if not settings.idcard.enabled:
        return Check("ID reader", "off", "not enabled ([idcard] enabled)")
    try:
        from devices.idcard.reader import probe
    except ImportError:
        return Check("ID reader", "FAIL", "this build has no ID reader driver")
    try:
        ok, detail = probe(settings.idcard.port)
    except Exception as exc:  # a port that cannot be opened: say why
        return Check("ID reader", "FAIL", f"{settings.idcard.port}: {exc}")
    return Check("ID reader", "ok" if ok else "FAIL", f"{settings.idcard.port}: {detail}")


def check_http(name: str, url: str, path: str, required: bool) -> Check:
    if not url:
        return Check(name, "off", "not configured")
    import requests

    try:
        r = requests.get(url + path, timeout=3)
    except requests.RequestException as exc:
        return Check(name, "FAIL" if required else "warn", f"{url}: unreachable ({type(exc).__name__})")
    return Check(name, "ok", f"{url}: HTTP {r.status_code}")


def check_enrolment(data_dir: Path) -> tuple[list[Check], str]:
    """The identity (sync/identity.py) and the sync's last report; the hub URL to try."""
    from sync import identity, state

    try:
        me = identity.load_or_none(data_dir)
    except identity.IdentityError as exc:
        return [Check("enrolment", "FAIL", str(exc))], ""
    except OSError as exc:
        return [Check("enrolment", "warn", f"cannot check {show_path(data_dir)}: {one_line(exc.strerror or exc)}")], ""
    if me is None:
        return [Check("enrolment", "warn", "not enrolled: kiosk enroll --hub URL --code CODE (the demo or "
                      "installed content is shown, nothing is reported)")], ""
    mode = identity.mode_of(data_dir)
    out = [Check("enrolment", "ok" if mode == 0o600 else "warn",
                 f"terminal {me.terminal_id} with {me.hub_url}" + ("" if mode == 0o600 else
                 f"; {show_path(identity.identity_path(data_dir))} is mode {mode:o}: chmod 600 it"))]
    known = state.read(data_dir)
    errors = [one_line(" ".join(str(known[k]).split())) for k in ("last_error", "report_error") if known.get(k)]
    seen = known.get("last_heartbeat_at") or "never"
    out.append(Check("sync", "warn" if errors or seen == "never" else "ok",
                     f"last heartbeat {seen}; hub's latest version {known.get('latest_version') or '-'}"
                     + "".join(f"; {e}" for e in errors)))
    return out, me.hub_url


def run_checks(settings) -> list[Check]:
    checks = [check_font(), check_gl(), check_display()]
    checks += check_data_dir(settings.data_dir)
    checks += [check_printer(settings), check_reader(settings)]
    enrolment, hub_url = check_enrolment(settings.data_dir)
    checks += enrolment
    checks.append(check_http("hub", hub_url or settings.hub_url, "/healthz", required=False))
    checks.append(check_http("tickets service", settings.tickets.url, "/api/queue", required=True))
    return checks


def format_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    return "\n".join(f"{c.name:<{width}}  {c.status:<4}  {c.detail}" for c in checks)


def cmd_doctor(args, settings) -> int:
    checks = run_checks(settings)
    print(format_table(checks))
    failed = [c.name for c in checks if c.status == "FAIL"]
    if failed:
        print(f"\n{len(failed)} required check(s) failed: {', '.join(failed)}")
        return 1
    return 0


def add_parser(sub, common) -> None:
    p = sub.add_parser("doctor", parents=[common], help="check font, GL, display, data dir, printer, reader, hub, tickets")
    # the data dir is one of the checks: a bad one is a FAIL row in the table, not a refusal to start
    p.set_defaults(func=cmd_doctor, needs_settings=True, reports_data_dir=True)
