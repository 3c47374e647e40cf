"""`kiosk doctor` reports each part, and fails when a required one is broken."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devices.sim_printer import PrinterSimulator
from kiosk.config import Settings
from kiosk.doctor import check_display, check_printer, format_table, run_checks
from tests.unprivileged_support import open_tmp, run_unprivileged, uid  # noqa: F401 (open_tmp is a fixture)


def settings(tmp_path, **printer):
    return Settings.model_validate({"data_dir": str(tmp_path / "data"), "printer": printer})


def test_printer_states_through_the_simulator(tmp_path):
    with PrinterSimulator(port=0) as sim:
        assert check_printer(settings(tmp_path, url=sim.url)).status == "ok"
        sim.set_state("near-end")
        assert check_printer(settings(tmp_path, url=sim.url)).status == "warn"
        sim.set_state("out")
        c = check_printer(settings(tmp_path, url=sim.url))
        assert c.status == "FAIL" and "paper_out" in c.detail
        sim.set_state("silent")
        c = check_printer(settings(tmp_path, url=sim.url))
        assert c.status == "FAIL" and "DLE EOT" in c.detail
    assert check_printer(settings(tmp_path)).status == "off"


def test_unreachable_printer_says_why(tmp_path):
    c = check_printer(settings(tmp_path, url="tcp://127.0.0.1:9"))
    assert c.status == "FAIL" and "cannot reach" in c.detail


def test_display_without_screen():
    assert check_display({"SDL_VIDEODRIVER": "offscreen"}).status == "warn"
    assert check_display({"DISPLAY": ":0"}).status == "ok"


def test_table_lists_every_check(tmp_path):
    checks = run_checks(settings(tmp_path))
    names = [c.name for c in checks]
    assert names == ["font", "GL", "display", "data dir", "content", "printer", "ID reader", "enrolment", "hub",
                     "tickets service"]  # "sync" follows "enrolment" once enrolled (tests/test_sync_doctor.py)
    table = format_table(checks)
    assert "font" in table and Path("/usr/share/fonts").as_posix()[:5] in table


def test_reader_probe(tmp_path):
    from kiosk.doctor import check_reader

    def with_port(port, enabled=True):
        return Settings.model_validate({"data_dir": str(tmp_path), "idcard": {"enabled": enabled, "port": port}})
    assert check_reader(with_port("virtual")).status == "ok"
    bad = check_reader(with_port(str(tmp_path / "ttyNONE")))
    assert bad.status == "FAIL" and "cannot open" in bad.detail
    assert check_reader(with_port("virtual", enabled=False)).status == "off"


def rows(path):
    from kiosk.doctor import check_data_dir

    data, content = check_data_dir(path)
    assert (data.name, content.name) == ("data dir", "content")
    return data, content


def test_data_dir_usable(tmp_path):
    data, content = rows(tmp_path)
    assert data.status == "ok" and data.detail.startswith(f"{tmp_path} (") and "GB free" in data.detail
    assert content.status == "warn" and "none installed" in content.detail
    assert list(tmp_path.iterdir()) == []  # the write probe leaves nothing behind
    data, _ = rows(tmp_path / "new" / "sub")
    assert data.status == "ok" and f"(not there yet; made on first run in {tmp_path})" in data.detail
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    data, _ = rows(tmp_path / "link")
    assert data.status == "ok" and f"{tmp_path}/link (a link to {tmp_path}/real)" in data.detail


def test_data_dir_unusable_fails_with_what_to_do(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    data, content = rows(afile)
    assert (data.status, data.detail) == ("FAIL", f"{afile} is a regular file, not a folder: move it away or set "
                                                  "data_dir to a folder")
    assert (content.status, content.detail) == ("warn", "not checked: the data dir is not usable")
    data, _ = rows(afile / "sub")
    assert data.status == "FAIL" and f"cannot be created: {afile} is a regular file, not a folder" in data.detail
    (tmp_path / "dangling").symlink_to(tmp_path / "absent")
    data, _ = rows(tmp_path / "dangling")
    assert data.status == "FAIL" and f"(a link to {tmp_path}/absent): the link's target does not exist" in data.detail
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    data, _ = rows(tmp_path / "loop")
    assert data.status == "FAIL" and "cannot be reached: Too many levels of symbolic links" in data.detail
    proc = Path(f"/proc/{os.getpid()}")  # a folder no one can create files in, root included
    data, _ = rows(proc)
    assert data.status == "FAIL" and f"{proc} is not writable by uid {os.getuid()}" in data.detail
    assert "install -d -o" in data.detail


def test_data_dir_parent_on_a_read_only_file_system(tmp_path, monkeypatch):
    real = os.statvfs

    def read_only(path):  # what an overlayroot kiosk reports for its lower layer
        st = real(path)
        return os.statvfs_result((*st[:8], st.f_flag | os.ST_RDONLY, st.f_namemax))
    monkeypatch.setattr(os, "statvfs", read_only)
    data, _ = rows(tmp_path / "new")
    assert data.status == "FAIL" and f"{tmp_path} is on a read-only file system" in data.detail


def test_data_dir_not_writable(open_tmp):
    locked = open_tmp / "locked"
    locked.mkdir(mode=0o755 if os.geteuid() == 0 else 0o555)  # root-owned 0755: closed to nobody
    code = f"""
from kiosk.doctor import check_data_dir
for p in ({str(locked)!r}, {str(locked / 'new')!r}):
    print(check_data_dir(p)[0])
"""
    fix = "(or set data_dir to a folder this user owns)"
    assert run_unprivileged(code).splitlines() == [
        f"Check(name='data dir', status='FAIL', detail='{locked} is not writable by uid {uid()}: Permission denied: "
        f"fix it as root: install -d -o {uid()} {locked} {fix}')",
        f"Check(name='data dir', status='FAIL', detail='{locked}/new cannot be created by uid {uid()}: {locked} is not "
        f"writable: fix it as root: install -d -o {uid()} {locked}/new {fix}')",
    ]


def test_cli_doctor_reports_a_data_dir_that_is_a_file(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    (tmp_path / "kiosk.toml").write_text("", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "doctor", "--config", str(tmp_path / "kiosk.toml"),
                          "--data-dir", str(afile)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, SDL_VIDEODRIVER="offscreen"), cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 1, out.stderr
    assert f"data dir         FAIL  {afile} is a regular file, not a folder" in out.stdout
