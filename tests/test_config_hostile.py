"""Hostile settings files: each ends in short lines that name the file, the key and the problem.

Built here, not stored: 100 000 nested arrays, a 10 000-digit number, a 20 MB value, GBK bytes,
a FIFO, /dev/zero. This file: files that do not parse or cannot be read, where the file name comes
from, --data-dir, and the CLI's exit on them; the values inside a file that parses:
tests/test_config_hostile_values.py.
"""
import codecs
import os
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.config_read import MAX_CONFIG_BYTES
from tests.config_support import assert_config_refused, kiosk, one_line_error, write
from tests.unprivileged_support import open_tmp, run_unprivileged, uid  # noqa: F401 (open_tmp is a fixture)


# ---- files that do not parse ---------------------------------------------------------------

@pytest.mark.parametrize("content, problem", [
    ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "nested too deeply"),
    ("a = " + "{ b = " * 100_000 + "1" + " }" * 100_000 + "\n", "nested too deeply"),
    ("idle_timeout_s = " + "9" * 10_000 + "\n", "at line 1: a number with 10000 digits"),
    ("[display]\nwidth = -" + "1" * 5_000 + "\n", "at line 2: a number with 5000 digits"),
    ('role = "terminal"\nrole = "display"\n', 'at line 2, column 17: Cannot overwrite a value (is a key given twice?): '
                                              'role = "display"'),
    ("[display]\nwidth = 800\n[display]\n", "at line 3, column 9: Cannot declare ('display',) twice: [display]"),
    ('role = "terminal\n', "at line 1, column 17: Illegal character '\\n'"),
    ('role = "terminal', "at the end of the file: Unterminated string"),
    ('role = "\x00"\n', "at line 1, column 9: Illegal character '\\x00': role = \"\\x00\""),
    ("centre = " + '"' + "x" * 500_000 + "\n", "at line 1, column 500011: Illegal character '\\n': …" + "x" * 30),
])
def test_unparsable_files_name_the_file_and_where(tmp_path, content, problem):
    p = write(tmp_path, content)
    line = one_line_error(p)
    assert line.startswith(f"config file {p}: not valid TOML")
    assert problem in line


@pytest.mark.parametrize("content, line_no", [
    ("hub_url." + ".".join(["x"] * 200_000) + " = 1\n", 1),
    ('role = "terminal"\n[' + ".".join(['"q"'] * 50_000) + "]\n", 2),
    ("a = { " + " . ".join(["k"] * 16) + " = 1 }\n", 1),
])
def test_long_dotted_keys_are_refused_before_parsing(tmp_path, content, line_no):
    p = write(tmp_path, content)  # tomllib would take minutes over the first one
    assert one_line_error(p) == (f"config file {p}: refused at line {line_no}: a dotted key of 16 or more parts "
                                 "(kiosk keys have at most 2, e.g. display.width)")


@pytest.mark.parametrize("content, expected", [
    ("display." + ".".join(["x"] * 14) + " = 1\n", "display.x: unknown key (allowed keys: width, height,"),
    ("hub_url = " + "[" * 400 + "]" * 400 + "\n", "hub_url = [[[[[[[[[…]]]]]]]]]: allowed"),
    ("hub_url = [" + "1, " * 100_000 + "]\n", "hub_url = [" + "1, " * 19 + "1,… (100000 items): allowed"),
])
def test_deep_or_long_but_parsable_values_are_shown_short(tmp_path, content, expected):
    p = write(tmp_path, content)
    assert one_line_error(p).startswith(f"config file {p}: {expected}")


def test_a_4000_digit_number_parses_and_is_shown_shortened(tmp_path):
    p = write(tmp_path, "idle_timeout_s = " + "7" * 4000 + "\n")
    line = one_line_error(p)
    assert line == (f"config file {p}: idle_timeout_s = {'7' * 60}… (4000 chars): "
                    "allowed a whole number from 15 to 3600")


def test_non_utf8_bytes_are_located(tmp_path):
    assert one_line_error(write(tmp_path, b'role = "terminal"\ncentre = "\xff"\n')).endswith(
        "not UTF-8 text: byte 0xff at line 2, column 11 (save it as UTF-8)")
    gbk = write(tmp_path, '# 社区服务中心\nrole = "terminal"\n'.encode("gb18030"))
    assert one_line_error(gbk) == (f"config file {gbk}: not UTF-8 text: byte 0xc9 at line 1, column 3 "
                                   "(it looks like GBK/GB18030: save it as UTF-8)")


def test_a_byte_order_mark_is_accepted(tmp_path):
    p = write(tmp_path, codecs.BOM_UTF8 + b'role = "display"\n[display]\nrotation = 90\n')
    s = load_config(p)
    assert s.role == "display" and s.display.rotation == 90
    assert one_line_error(write(tmp_path, codecs.BOM_UTF8 + b"role = 5\n")).endswith(
        'role = 5: allowed "terminal" or "display" (not an integer)')


def test_size_is_capped_before_reading(tmp_path):
    p = write(tmp_path, 'hub_url = "' + "x" * (20 << 20) + '"\n')
    assert one_line_error(p) == (f"config file {p}: is {p.stat().st_size} bytes; a settings file is at most "
                                 f"{MAX_CONFIG_BYTES} bytes (1 MiB): is it the right file?")
    just_fits = write(tmp_path, "#" * (MAX_CONFIG_BYTES - 1) + "\n")
    assert load_config(just_fits).source == just_fits


@pytest.mark.parametrize("make, problem", [
    (lambda tmp: tmp, "is a folder, not a file: name the TOML file itself"),
    (lambda tmp: Path("/dev/zero"), "is a character device, not a file"),
    (lambda tmp: Path("/dev/null"), "is a character device, not a file"),
    (lambda tmp: (tmp / "zero.toml").symlink_to("/dev/zero") or tmp / "zero.toml", "is a character device"),
    (lambda tmp: (tmp / "gone.toml").symlink_to(tmp / "absent") or tmp / "gone.toml",
     f"does not exist (a link to {{tmp}}/absent) (given by --config)"),
    (lambda tmp: write(tmp, "", "afile") / "kiosk.toml", "cannot be read: Not a directory"),
])
def test_what_is_not_a_readable_file(tmp_path, make, problem):
    p = make(tmp_path)
    line = one_line_error(p)
    assert line.startswith(f"config file {p}: ") and problem.format(tmp=tmp_path) in line


def test_a_file_name_too_long_is_shown_short(tmp_path):
    p = tmp_path / ("x" * 5000)
    line = one_line_error(p)
    assert line.startswith(f'config file "{str(p)[:200]}… ({len(str(p))} chars)": cannot be read: File name too long')


def test_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "kiosk.toml"
    os.mkfifo(fifo)
    assert one_line_error(fifo) == f"config file {fifo}: is a FIFO (named pipe), not a file: name the TOML file itself"
    assert_config_refused(kiosk("doctor", "--config", fifo, timeout=30), f"config file {fifo}: is a FIFO")


def test_permission_denied(open_tmp):
    readable_dir = open_tmp / "open"
    readable_dir.mkdir(mode=0o755)
    closed_file = write(readable_dir, 'role = "display"\n')
    closed_file.chmod(0o600 if os.geteuid() == 0 else 0)
    closed_dir = open_tmp / "closed"
    closed_dir.mkdir(mode=0o700 if os.geteuid() == 0 else 0)
    code = f"""
from kiosk.config import ConfigError, load_config
for p in ({str(closed_file)!r}, {str(closed_dir / 'kiosk.toml')!r}):
    try:
        load_config(p)
    except ConfigError as exc:
        print(exc)
"""
    assert run_unprivileged(code).splitlines() == [
        f"config file {closed_file}: cannot be read by uid {uid()}: permission denied "
        "(chmod or chown it so this user can read it)",
        f"config file {closed_dir}/kiosk.toml: cannot be reached: a folder above it is closed to uid {uid()}",
    ]


# ---- where the file name comes from -------------------------------------------------------

def test_empty_or_bad_config_locations(monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_CONFIG", "")
    assert one_line_error(None) == "KIOSK_CONFIG is set but empty: name a settings file, or unset it"
    assert one_line_error("") == "--config is empty: name a settings file, or leave --config out"
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "nope.toml"))
    assert one_line_error(None) == f"config file {tmp_path}/nope.toml: does not exist (given by KIOSK_CONFIG)"
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "new\nline.toml"))
    assert one_line_error(None) == f'config file "{tmp_path}/new\\nline.toml": does not exist (given by KIOSK_CONFIG)'


@pytest.mark.parametrize("target", ["/dev/zero", "folder", "empty"])
def test_cli_kiosk_config_pointing_at_bad_paths(tmp_path, target):
    value = {"/dev/zero": "/dev/zero", "folder": str(tmp_path), "empty": ""}[target]
    out = kiosk("doctor", env={"KIOSK_CONFIG": value}, timeout=30)
    assert_config_refused(out, f"kiosk: config file {value}: is " if value else "kiosk: KIOSK_CONFIG is set but empty")


# ---- --data-dir ---------------------------------------------------------------------------

def test_data_dir_from_the_command_line(monkeypatch, tmp_path):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.config.DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")
    monkeypatch.chdir(tmp_path)
    assert load_config(data_dir="data").data_dir == tmp_path / "data"  # relative to the current folder
    assert load_config(data_dir="../x/../y").data_dir == tmp_path.parent / "y"
    assert one_line_error(None, data_dir="") == '--data-dir "": is empty: give an absolute folder path, e.g. "/var/lib/kiosk"'
    assert one_line_error(None, data_dir="a\nb") == '--data-dir "a\\nb": contains a newline (\\n): remove it'
    afile = write(tmp_path, "", "afile")
    assert one_line_error(None, data_dir=afile) == (f'--data-dir: data_dir = "{afile}": is a regular file, not a folder: '
                                                    "move it away or choose another data_dir")
    assert load_config(data_dir=afile, check_folder=False).data_dir == afile  # kiosk doctor reports it instead


def test_a_data_dir_in_the_file_that_is_a_file(tmp_path):
    afile = write(tmp_path, "", "afile")
    p = write(tmp_path, f'data_dir = "{afile}"\n')
    assert one_line_error(p) == (f'config file {p}: data_dir = "{afile}": is a regular file, not a folder: '
                                 "move it away or choose another data_dir")
    under = write(tmp_path, f'data_dir = "{afile}/sub"\n')
    assert "a part of the path above it is a file" in one_line_error(under)


def test_a_bad_file_value_is_reported_even_with_data_dir_given(tmp_path):
    p = write(tmp_path, 'data_dir = "relative"\n')
    assert "is a relative path" in one_line_error(p, data_dir=tmp_path)


def test_cli_data_dir(tmp_path):
    cfg = write(tmp_path, f'data_dir = "{tmp_path / "data"}"\n')
    assert_config_refused(kiosk("content", "search", "x", "--config", cfg, "--data-dir", ""),
                          'kiosk: --data-dir "": is empty')
    afile = write(tmp_path, "", "afile")
    assert_config_refused(kiosk("content", "search", "x", "--config", cfg, "--data-dir", afile),
                          f'kiosk: --data-dir: data_dir = "{afile}": is a regular file, not a folder')


@pytest.mark.parametrize("content, needle", [
    ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "nested too deeply"),
    ("a." + ".".join(["x"] * 200_000) + " = 1\n", "a dotted key of 16 or more parts"),
    ("idle_timeout_s = " + "9" * 10_000 + "\n", "a number with 10000 digits"),
    ('hub_url = "' + "x" * (20 << 20) + '"\n', "a settings file is at most 1048576 bytes"),
    ('[display]\nfullscreen = "yes"\nrotation = 90.0\nwidth = "1080"\n[idcard]\nenabled = 1\n',
     'display.fullscreen = "yes": allowed true or false (not a string)'),
    (b'role = "\xff"\n', "not UTF-8 text: byte 0xff at line 1, column 9"),
])
def test_cli_hostile_files_exit_2_with_short_lines(tmp_path, content, needle):
    p = write(tmp_path, content)
    assert_config_refused(kiosk("doctor", "--config", p), f"kiosk: config file {p}: ", needle)
