"""Hostile values in a settings file that parses: every key refuses every other TOML type, strings
are held to their rules, a huge value is quoted short, thousands of problems are cut to a few
lines, and settings built in code are as strict. Files that do not parse or cannot be read:
tests/test_config_hostile.py.
"""
import pytest
from pydantic import ValidationError

from kiosk.config import ConfigError, Settings, documented_keys, load_config
from kiosk.config_read import MAX_PROBLEM_LINES
from tests.config_support import assert_config_refused, kiosk, one_line_error, write


# ---- values -------------------------------------------------------------------------------

# what TOML type each key takes; a new key must be added here (the first test says so)
KEY_TYPES = {
    "data_dir": str, "role": str, "centre": str, "hub_url": str, "locale": str, "idle_timeout_s": int,
    "elder_mode_default": bool, "display.width": int, "display.height": int, "display.rotation": int,
    "display.fullscreen": bool, "printer.url": str, "printer.encoding": str, "printer.paper_width_mm": int,
    "idcard.enabled": bool, "idcard.port": str, "tickets.url": str, "tickets.token": str,
    "tickets.priority_age": int, "tickets.day_starts": str, "tickets.clock": str, "tickets.service_minutes": int,
    "maintenance.pin_hash": str, "sync.in_app": bool, "sync.heartbeat_s": int,
}
WRONG = [("true", bool, "a boolean"), ("1", int, "an integer"), ("90.0", float, "a float"),
         ('"1080"', str, "a string"), ("[1, 2]", list, "an array"), ("{ a = 1 }", dict, "a table"),
         ("1979-05-27", "date", "a date")]


def toml_for(key: str, literal: str) -> str:
    section, _, name = key.rpartition(".")
    return f"[{section}]\n{name} = {literal}\n" if section else f"{key} = {literal}\n"


def test_the_type_table_covers_the_schema():
    assert sorted(KEY_TYPES) == sorted(documented_keys())


@pytest.mark.parametrize("key, literal, kind", [
    (key, literal, kind) for key, expected in KEY_TYPES.items() for literal, given, kind in WRONG if given is not expected
])
def test_every_key_refuses_every_other_type(tmp_path, key, literal, kind):
    p = write(tmp_path, toml_for(key, literal))
    shown = {"{ a = 1 }": "{ a = 1 }"}.get(literal, literal)
    line = one_line_error(p)
    assert line.startswith(f"config file {p}: {key} = {shown}: allowed ")
    assert line.endswith(f"(not {kind})")


@pytest.mark.parametrize("text, expected", [
    ('[display]\nfullscreen = "yes"\n', 'display.fullscreen = "yes": allowed true or false (not a string)'),
    ("[display]\nrotation = 90.0\n", "display.rotation = 90.0: allowed 0, 90, 180 or 270 (not a float)"),
    ("[display]\nrotation = true\n", "display.rotation = true: allowed 0, 90, 180 or 270 (not a boolean)"),
    ('[display]\nwidth = "1080"\n', 'display.width = "1080": allowed a whole number from 320 to 7680 (not a string)'),
    ("[idcard]\nenabled = 1\n", "idcard.enabled = 1: allowed true or false (not an integer)"),
    ("[printer]\npaper_width_mm = 80.0\n", "printer.paper_width_mm = 80.0: allowed 58 or 80 (not a float)"),
    ("idle_timeout_s = inf\n", "idle_timeout_s = inf: allowed a whole number from 15 to 3600 (not a float)"),
    ("display = 5\n", "display = 5: allowed a [display] table (not an integer)"),
    ('source = "/x"\n', "source: unknown key"),
    ('"a\\u0000\\u202eb" = 1\n', '"a\\x00\\u202eb": unknown key (allowed keys: data_dir, role,'),
])
def test_named_cases(tmp_path, text, expected):
    p = write(tmp_path, text)
    assert one_line_error(p).startswith(f"config file {p}: {expected}")


@pytest.mark.parametrize("key, value, problem", [
    ("data_dir", "", "is empty: give an absolute folder path"),
    ("data_dir", "data", "is a relative path"),
    ("data_dir", "./data", "is a relative path"),
    ("data_dir", "/var/lib/../../etc", "contains a '..' part"),
    ("data_dir", "/", "is the root folder"),
    ("data_dir", "//", "is the root folder"),
    ("data_dir", " /var/lib/kiosk", "starts or ends with a space"),
    ("data_dir", "/var/lib/kiosk\x00x", "contains a NUL character (\\x00)"),
    ("data_dir", "/var/lib/ki\nosk", "contains a newline (\\n)"),
    ("data_dir", "/var/lib/\x1b[31mkiosk", "contains the invisible character U+001B"),
    ("data_dir", "/" + "d" * 2000, "is 2001 characters long; at most 1024"),
    ("hub_url", "https://hub.example.gov.cn/\r\nX-Evil: 1", "contains a carriage return"),
    ("hub_url", "https://hub example", "contains a space"),
    ("hub_url", "https://", "has no host"),
    ("hub_url", "http://h:0", "has a port that is not a number from 1 to 65535"),
    ("hub_url", "http://h:x", "has a port that is not a number"),
    ("hub_url", "http://[::1", "is not a valid URL"),
    ("hub_url", "https://h/?a=1", "must not have a ?query or #fragment"),
    ("hub_url", "https://h/" + "p" * 2000, "at most 1000 are allowed"),
    ("tickets.url", "http://h:65536", "has a port that is not a number"),
    ("tickets.token", "abc def", "contains a space"),
    ("tickets.token", "abc\ndef", "contains a newline"),
    ("tickets.token", "令牌", "contains the character 令"),
    ("tickets.token", "t" * 513, "at most 512 are allowed"),
    ("printer.url", "tcp://:9100", "tcp:// needs a host"),
    ("printer.url", "tcp://p:70000", "the port must be a number from 1 to 65535"),
    ("printer.url", "usb://zz:11", "usb:// needs VID:PID in hex"),
    ("printer.url", "serial://ttyUSB0", "serial:// takes an absolute device path"),
    ("printer.url", "serial:///dev/ttyUSB0?baud=fast", "baud must be a number"),
    ("printer.url", "serial:///dev/ttyUSB0?parity=N", "the only serial option is baud"),
    ("printer.url", "file://", "file:// takes an absolute path"),
    ("printer.url", "file:///tmp/a\x00b", "contains a NUL character"),
    ("printer.url", "tcp://[::1]:9100", "give an IPv4 address or a host name"),
    ("printer.url", "ipp://printer", "unknown printer URL (use tcp://, serial://, usb:// or file://)"),
    ("printer.url", "tcp://" + "h" * 1000, "at most 1000 are allowed"),
    ("idcard.port", "", "is empty"),
    ("idcard.port", "ttyUSB0", "must be a device path"),
    ("idcard.port", "/dev/ttyUSB0\x00", "contains a NUL character"),
    ("idcard.port", "/dev/" + "t" * 1100, "at most 1024 are allowed"),
    ("maintenance.pin_hash", "$argon2id$v=19$m=65536", "is not a complete argon2 hash"),
    ("maintenance.pin_hash", "$argon2" + "x" * 600, "at most 512 are allowed"),
    ("centre", "Demo Centre", "allowed 1 to 128 of a-z 0-9"),
    ("centre", "c" * 129, "allowed 1 to 128 of a-z 0-9"),
])
def test_string_rules(tmp_path, key, value, problem):
    import json

    p = write(tmp_path, toml_for(key, json.dumps(value)))
    line = one_line_error(p)
    assert line.startswith(f"config file {p}: {key} = ") and problem in line


@pytest.mark.parametrize("key, value", [
    ("data_dir", "/srv/kiosk data/社区"), ("data_dir", "/var/lib/kiosk/"),
    ("hub_url", "https://hub.example.gov.cn:8443/base/"), ("tickets.url", "http://[2001:db8::1]:8300"),
    ("tickets.token", "abc.DEF-123_~+/=="), ("printer.url", "tcp://192.0.2.20"),
    ("printer.url", "serial:///dev/ttyUSB0?baud=115200"), ("printer.url", "usb://0416:5011"),
    ("printer.url", "file:///tmp/receipts.bin"), ("idcard.port", "virtual:/srv/cards/zhang.json"),
    ("idcard.port", "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0"),
])
def test_neighbours_that_are_fine(tmp_path, key, value):
    import json

    s = load_config(write(tmp_path, toml_for(key, json.dumps(value))))
    section, _, name = key.rpartition(".")
    got = getattr(getattr(s, section) if section else s, name)
    assert str(got) == value.rstrip("/") or str(got) == value


def test_a_huge_value_is_quoted_short(tmp_path):
    p = write(tmp_path, '[tickets]\ntoken = "' + "\\u001b" * 10 + "t" * 900_000 + '"\n')
    assert one_line_error(p) == (f'config file {p}: tickets.token = "' + "\\x1b" * 10 + "t" * 50
                                 + '"… (900010 chars): is 900010 characters long; at most 512 are allowed')


def test_output_is_bounded(tmp_path):
    p = write(tmp_path, "".join(f"k{i} = {i}\n" for i in range(5000)))
    with pytest.raises(ConfigError) as err:
        load_config(p)
    lines = err.value.lines
    assert len(lines) == MAX_PROBLEM_LINES + 1
    assert lines[0].startswith(f"config file {p}: k0: unknown key (allowed keys: data_dir,")
    assert lines[-1] == f"config file {p}: … and {5000 - MAX_PROBLEM_LINES} more problem(s)"
    out = kiosk("doctor", "--config", p)
    assert_config_refused(out, f"kiosk: config file {p}: … and 4980 more problem(s)")


def test_settings_built_in_code_are_strict_too():
    from kiosk.config import Display

    with pytest.raises(ValidationError, match="fullscreen"):
        Display(fullscreen="yes")
    with pytest.raises(ValidationError, match="data_dir"):
        Settings(data_dir="relative")
