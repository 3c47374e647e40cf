"""Hostile command lines for `kiosk idcard read` and `kiosk sim idcard` (issue 11, class 10):
numbers that are not finite or out of range, ports that are not serial devices, card files
that are not cards. Each ends at once in one line naming the option or file and the problem.

Most run `devices.idcard.cli.main` in-process (the same argparse wiring kiosk/cli.py uses);
one runs the installed `kiosk` command to show the wiring holds there too.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.idcard.cli import main

ROOT = Path(__file__).resolve().parents[1]
IMPOSSIBLE = {"name": "王演示", "gender": "男", "nation": "01", "birth": "9999-12-31", "address": "演示路3号",
              "id_number": "320102999912310011", "issuer": "演示分局", "valid_from": "2020-01-01", "valid_to": "长期"}


def run(capsys, *argv: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err, time.monotonic() - started


def error_line(err: str) -> str:
    """argparse prints usage lines, then one `prog: error: ...` line; our own failures print one line."""
    lines = [line for line in err.splitlines() if "error:" in line or line.startswith("kiosk")]
    assert len(lines) == 1, err
    return lines[0]


# ---- numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e309", "-1", "0", "0.5", "3600.5", "1e12", "abc", "", "0x10"])
def test_read_timeout_out_of_range(capsys, value):
    code, out, err, took = run(capsys, "idcard", "read", "--port", "virtual", f"--timeout={value}")
    line = error_line(err)
    assert code == 2 and out == "" and took < 1
    assert "--timeout" in line and "from 1 to 3600 seconds" in line and repr(value) in line


@pytest.mark.parametrize("option, value, allowed", [
    ("--find-miss-rate", "-0.1", "from 0 to 1"), ("--find-miss-rate", "1.01", "from 0 to 1"),
    ("--find-miss-rate", "nan", "from 0 to 1"), ("--find-miss-rate", "inf", "from 0 to 1"),
    ("--read-delay", "-1", "from 0 to 10 seconds"), ("--read-delay", "10.5", "from 0 to 10 seconds"),
    ("--read-delay", "1e309", "from 0 to 10 seconds"), ("--read-delay", "nan", "from 0 to 10 seconds"),
])
def test_sim_numbers_out_of_range(capsys, option, value, allowed):
    code, out, err, _ = run(capsys, "sim", "idcard", f"{option}={value}")
    line = error_line(err)
    assert code == 2 and option in line and allowed in line


def test_numbers_on_the_limits_are_taken():
    import argparse

    from devices.idcard.cli import add_subcommands

    parser = argparse.ArgumentParser()
    add_subcommands(parser.add_subparsers(dest="command", required=True), argparse.ArgumentParser(add_help=False))
    assert parser.parse_args(["idcard", "read", "--timeout", "1"]).timeout == 1.0
    assert parser.parse_args(["idcard", "read", "--timeout", "3600"]).timeout == 3600.0
    args = parser.parse_args(["sim", "idcard", "--find-miss-rate", "0", "--read-delay", "10"])
    assert (args.find_miss_rate, args.read_delay) == (0.0, 10.0)
    assert parser.parse_args(["sim", "idcard", "--find-miss-rate", "1"]).find_miss_rate == 1.0


# ---- ports -----------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [("idcard", "read", "--port", ""), ("idcard", "read", "--port", "   "),
                                  ("sim", "idcard", "--card", "")])
def test_empty_port_or_card(capsys, argv):
    code, _, err, _ = run(capsys, *argv)
    assert code == 2 and f"argument {argv[2]}: empty: give " in error_line(err)


def _fifo(tmp_path: Path) -> str:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


@pytest.mark.parametrize("make_port, problem", [
    (lambda tmp: str(tmp), "a directory, not a serial device"),
    (lambda tmp: "/dev/null", "a device, but not a serial port"),
    (lambda tmp: (tmp / "file").write_text("x") and str(tmp / "file"), "a regular file, not a serial device"),
    (lambda tmp: str(tmp / "ttyNONE"), "no such device"),
    (_fifo, "a FIFO, not a serial device"),
], ids=["directory", "dev-null", "regular-file", "missing", "fifo"])
def test_ports_that_are_not_serial_devices_fail_at_once(capsys, tmp_path, make_port, problem):
    port = make_port(tmp_path)
    code, out, err, took = run(capsys, "idcard", "read", "--port", port, "--timeout", "60")
    line = error_line(err)
    assert code == 1 and out == "" and took < 3
    assert line == f"kiosk idcard read: no reader at {port}: cannot open {port}: {problem}"


def test_a_regular_file_as_port_is_not_written(capsys, tmp_path):
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0\n")
    run(capsys, "idcard", "read", "--port", str(target), "--timeout", "5")
    assert target.read_text() == "root:x:0:0\n"


# ---- card files: --port virtual:FILE and sim --card FILE ---------------------------------------
def bad_card_files(tmp_path: Path) -> list[tuple[str, str]]:
    """(path, what the message must say) for files that are not card descriptions."""
    def write(name: str, data: bytes) -> str:
        (tmp_path / name).write_bytes(data)
        return str(tmp_path / name)

    missing = {k: v for k, v in IMPOSSIBLE.items() if k != "gender"}
    return [
        ("/etc/passwd", "/etc/passwd: not JSON (Expecting value at line 1 column 1)"),
        (str(tmp_path / "nope.json"), "nope.json: no such file"),
        (str(tmp_path), f"{tmp_path}: not a regular file"),
        ("/dev/null", "/dev/null: not a regular file"),
        (_fifo(tmp_path), "fifo: not a regular file"),
        (write("empty.json", b""), "empty.json: not JSON (Expecting value"),
        (write("list.json", b"[1, 2]"), "list.json: not a card description: a JSON list, expected an object"),
        (write("lacks.json", json.dumps(missing).encode()), "lacks.json: not a card description: lacks 'gender'"),
        (write("typo.json", json.dumps({**IMPOSSIBLE, "adress": "x"}).encode()), "unknown key 'adress'"),
        (write("number.json", json.dumps({**IMPOSSIBLE, "birth": 19500101}).encode()), "'birth' is not a string"),
        (write("long.json", json.dumps({**IMPOSSIBLE, "name": "长" * 16}).encode()), "name: 16 characters, the field holds 15"),
        (write("gbk.json", json.dumps(IMPOSSIBLE, ensure_ascii=False).encode("gbk")), "gbk.json: not UTF-8 text"),
        (write("huge.json", b" " * (64 * 1024 + 1)), "huge.json: larger than 64 KiB"),
        (write("deep.json", b"[" * 30000 + b"]" * 30000), "deep.json: not JSON this reader accepts"),
        (write("bigint.json", b"1" * 5000), "bigint.json: not JSON this reader accepts"),
    ]


def test_virtual_card_files_that_are_not_cards_fail_at_once(capsys, tmp_path):
    for path, problem in bad_card_files(tmp_path):
        code, out, err, took = run(capsys, "idcard", "read", "--port", f"virtual:{path}", "--timeout", "60")
        line = error_line(err)
        assert code == 1 and out == "" and took < 3, (path, err)
        assert line.startswith(f"kiosk idcard read: no reader at virtual:{path}: cannot use virtual:{path}: card file ")
        assert problem in line, (problem, line)


def test_sim_card_files_that_are_not_cards_fail_at_once(capsys, tmp_path):
    for path, problem in bad_card_files(tmp_path):
        code, out, err, took = run(capsys, "sim", "idcard", "--card", path)
        line = error_line(err)
        assert code == 1 and out == "" and took < 3, (path, err)
        assert line.startswith("kiosk sim idcard: --card: ") and problem in line, (problem, line)


def test_an_impossible_card_on_a_virtual_reader_is_refused_at_once(capsys, tmp_path):
    path = tmp_path / "impossible.json"
    path.write_text(json.dumps(IMPOSSIBLE, ensure_ascii=False), encoding="utf-8")
    code, out, err, took = run(capsys, "idcard", "read", "--port", f"virtual:{path}", "--timeout", "60")
    line = error_line(err)
    assert code == 1 and out == "" and took < 5
    assert "refused (invalid_card:birth)" in line and "王演示" not in err and "9999" not in err


def test_a_bare_sample_name_finds_the_bundled_card_but_a_path_does_not(capsys, tmp_path):
    code, out, _, _ = run(capsys, "idcard", "read", "--port", "virtual:resident.json", "--timeout", "10")
    assert code == 0 and json.loads(out)["name_masked"] == "张*明"
    code, _, err, _ = run(capsys, "idcard", "read", "--port", f"virtual:{tmp_path}/resident.json")
    assert code == 1 and "resident.json: no such file" in err


def test_the_kiosk_command_checks_the_same_way():
    kiosk = Path(sys.executable).with_name("kiosk")
    done = subprocess.run([str(kiosk), "idcard", "read", "--port", "virtual", "--timeout", "inf"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "argument --timeout: 'inf' is not a number from 1 to 3600 seconds" in done.stderr
    done = subprocess.run([str(kiosk), "idcard", "read", "--port", "virtual:/etc/passwd", "--timeout", "60"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "card file /etc/passwd: not JSON" in done.stderr
