"""Printer URLs, the file:// and serial links' failures, and the CLI's numbers: clear refusals,
no call that can block forever. Real files, FIFOs and ptys; no mocks of our own code."""
import fcntl
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.escpos_encode import encode
from devices.printer import Printer
from devices.receipt import Cut, Receipt, Text
from devices.sim_printer import FAULTS, STATES, PrinterSimulator
from kiosk.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
F_SETPIPE_SZ = 1031  # linux/fcntl.h


def receipt(lines=1):
    return Receipt([Text(f"第{i}行 社区党群服务中心 一次性告知单", 2) for i in range(lines)] + [Cut()])


# ---- URLs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url, words", [
    ("http://printer:9100", "unknown printer URL"),
    ("tcp://:9100", "needs a host"),
    ("tcp://printer:", "port is missing"),
    ("tcp://printer:0", "from 1 to 65535"),
    ("tcp://printer:65536", "from 1 to 65535"),
    ("tcp://printer:ninety", "from 1 to 65535"),
    ("tcp://[::1]:9100", "IPv4"),
    ("serial://dev/ttyUSB0", "absolute device path"),
    ("serial:///dev/ttyUSB0?baud=fast", "baud must be a number"),
    ("serial:///dev/ttyUSB0?speed=9600", "only serial option is baud"),
    ("usb://nope", "VID:PID"),
    ("usb://0:0", "VID:PID"),
    ("file://", "absolute path"),
    ("file:///tmp", "is a directory"),
])
def test_a_bad_url_is_refused_with_its_reason(url, words):
    with pytest.raises(ValueError, match=words) as info:
        Printer(url)
    assert str(info.value).startswith(url) and "\n" not in str(info.value)


def test_good_urls_name_their_printer():
    assert Printer("tcp://printer").target.where == "printer:9100"  # the raw printing port by default
    assert Printer("tcp://192.0.2.20:9101").target.where == "192.0.2.20:9101"
    assert Printer("serial:///dev/ttyUSB0?baud=115200").target.baud == 115200
    assert Printer("usb://0416:5011").target.where == "USB 0416:5011"


@pytest.mark.parametrize("timeout", [math.nan, math.inf, -1, 0, float("1e309")])
def test_the_driver_refuses_a_timeout_that_is_no_deadline(timeout):
    with pytest.raises(ValueError, match="timeout"):
        Printer("tcp://printer:9100", timeout=timeout)


# ---- file:// --------------------------------------------------------------------------------

def test_file_printer_writes_the_bytes(tmp_path):
    out = tmp_path / "receipts.bin"
    job = Printer(f"file://{out}").print_receipt(receipt())
    assert job.printed and out.read_bytes() == encode(receipt())


def test_a_fifo_nobody_reads_is_offline_at_once(tmp_path):
    fifo = tmp_path / "printer.fifo"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    job = Printer(f"file://{fifo}", timeout=1.0).print_receipt(receipt())
    assert (job.state, job.reason) == ("failed", "offline") and time.monotonic() - t0 < 0.5
    assert "a FIFO that nothing reads" in job.detail


def test_a_fifo_whose_reader_stops_reading_times_out_within_the_deadline(tmp_path):
    fifo = tmp_path / "printer.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened, never read
    try:
        fcntl.fcntl(reader, F_SETPIPE_SZ, 4096)
        t0 = time.monotonic()
        job = Printer(f"file://{fifo}", encoding="bitmap", timeout=0.5).print_receipt(receipt(4))
        took = time.monotonic() - t0
    finally:
        os.close(reader)
    assert (job.state, job.reason) == ("failed", "timeout"), job.detail
    assert took <= 0.5 + 0.5 and "bytes taken" in job.detail


# ---- serial ---------------------------------------------------------------------------------

def test_a_serial_device_that_does_not_exist_is_offline(tmp_path):
    job = Printer(f"serial://{tmp_path}/ttyUSB9").print_receipt(receipt())
    assert (job.state, job.reason) == ("failed", "offline")
    assert job.detail == f"{tmp_path}/ttyUSB9, connecting: {tmp_path}/ttyUSB9 does not exist " \
                         "(unplugged, or another name: ls /dev/ttyUSB* /dev/ttyACM*)"
    (tmp_path / "plain").write_text("")
    job = Printer(f"serial://{tmp_path}/plain").print_receipt(receipt())
    assert job.reason == "offline" and "is not a serial device" in job.detail


def test_a_serial_printer_prints_through_the_pty():
    with PrinterSimulator(pty=True) as sim:
        printer = Printer(sim.url + "?baud=115200", timeout=2.0)
        assert printer.print_receipt(receipt()).printed
        assert printer.print_receipt(receipt()).printed  # the port closes and opens again
        assert sim.wait_jobs(2) and sim.texts.count("一次性告知单") == 2


# ---- the CLI --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "1e309", "0.05", "301", "three", ""])
def test_print_test_timeout_must_be_a_deadline(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["print-test", f"--timeout={value}"])  # "=": "-1" is no option
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2
    assert err[-1] == f"kiosk print-test: error: argument --timeout: {value!r} is not a number from 0.1 to 300 seconds"


@pytest.mark.parametrize("value, seconds", [("0.1", 0.1), ("2.5", 2.5), ("300", 300.0)])
def test_print_test_timeout_in_range(value, seconds):
    assert build_parser().parse_args(["print-test", "--timeout", value]).timeout == seconds


@pytest.mark.parametrize("value", ["-1", "65536", "1e3", "http", "９１００"])
def test_sim_printer_port_must_be_a_port(value, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sim", "printer", f"--port={value}"])
    assert "is not a port number from 0 (any free port) to 65535" in capsys.readouterr().err


def test_sim_printer_offers_every_state_and_fault():
    parser = build_parser()
    for state in STATES:
        assert parser.parse_args(["sim", "printer", "--paper", state]).paper == state
    for fault in FAULTS:
        assert parser.parse_args(["sim", "printer", "--fault", fault]).fault == fault
    with pytest.raises(SystemExit):
        parser.parse_args(["sim", "printer", "--fault", "sometimes"])


def run_print_test(tmp_path, *args):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    cmd = [sys.executable, "-m", "kiosk.cli", "print-test", "--config", str(tmp_path / "none.toml"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_print_test_refuses_a_bad_url_in_one_line(tmp_path):
    done = run_print_test(tmp_path, "--printer", "tcp://192.0.2.20:70000")
    assert done.returncode == 2
    assert done.stderr == "kiosk print-test: tcp://192.0.2.20:70000: the port must be a number from 1 to 65535\n"


def test_print_test_says_what_happened_where_within_its_timeout(tmp_path):
    with PrinterSimulator(port=0, state="silent") as sim:
        t0 = time.monotonic()
        done = run_print_test(tmp_path, "--printer", sim.url, "--timeout", "0.5")
        took = time.monotonic() - t0
    assert done.returncode == 1
    assert done.stderr.splitlines()[-2:] == [  # after python-escpos's INFO lines
        "kiosk print-test: failed: timeout: the printer did not finish within --timeout "
        "(check the cable/network; is it an ESC/POS printer?)",
        f"  127.0.0.1:{sim.port}, status before the job: waiting for the answer to DLE EOT 1: "
        "not done within the 0.5 s deadline",
    ]
    assert took < 0.5 + 5  # the interpreter's start-up and imports, plus the deadline


def test_a_host_name_is_resolved_within_the_deadline():
    with PrinterSimulator(port=0) as sim:
        assert Printer(f"tcp://localhost:{sim.port}", timeout=2.0).print_receipt(receipt()).printed
    t0 = time.monotonic()
    job = Printer("tcp://no-such-printer.invalid:9100", timeout=0.5).print_receipt(receipt())
    assert job.reason in ("offline", "timeout") and time.monotonic() - t0 <= 0.5 + 0.5
    assert job.detail.startswith("no-such-printer.invalid:9100, connecting: ")
    assert "resolv" in job.detail


def test_every_reason_and_fault_is_documented():
    from devices.printer import REASONS

    doc = (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Receipt printer"):doc.index("## ID-card reader")]
    for word in [*REASONS, *FAULTS[1:], *STATES, "--timeout", "--fault", "paper_near_end"]:
        assert re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", section), f"{word} is not in docs/devices.md"
