"""Settings: validated at load, failing loudly with key, bad value and what is allowed."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import ConfigError, Settings, documented_keys, hash_pin, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.config.DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")
    s = load_config()
    assert s.source is None
    assert s.data_dir == Path("/var/lib/kiosk") and s.role == "terminal" and s.idle_timeout_s == 90


def test_env_var_and_data_dir_override(monkeypatch, tmp_path):
    p = write(tmp_path, 'role = "display"\ndata_dir = "/srv/k"\n[display]\nwidth = 800\nheight = 480\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(p))
    s = load_config(data_dir=tmp_path / "d")
    assert s.role == "display" and s.display.width == 800 and s.data_dir == tmp_path / "d"
    assert s.source == p


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[display]\nrotation = 45\n", "display.rotation = 45: allowed 0, 90, 180 or 270"),
        ('role = "kiosk"\n', 'role = "kiosk": allowed "terminal" or "display"'),
        ("idle_timeout_s = 5\n", "idle_timeout_s = 5: allowed a whole number from 15 to 3600"),
        ("[printer]\npaper_width_mm = 57\n", "printer.paper_width_mm = 57: allowed 58 or 80"),
        ('[printer]\nencoding = "utf8"\n', 'printer.encoding = "utf8": allowed "gb18030", "gbk" or "bitmap"'),
        ('[printer]\nurl = "http://p"\n', 'printer.url = "http://p": unknown printer URL (use tcp://, serial://'),
        ('[tickets]\nurl = "ftp://q"\n', 'tickets.url = "ftp://q": must start with http://'),
        ('[maintenance]\npin_hash = "1234"\n', 'maintenance.pin_hash = "1234": must be an argon2 hash'),
        ('pin = "1234"\n', "pin: unknown key"),
        ('[display]\nwidht = 800\n',
         "display.widht: unknown key (allowed keys: width, height, rotation, fullscreen); did you mean width?"),
        ('centre = "../x"\n', 'centre = "../x": allowed 1 to 128 of a-z 0-9 . _ -'),
    ],
)
def test_bad_values_name_key_value_and_allowed(tmp_path, text, expected):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    [line] = err.value.lines
    assert line.startswith(f"config file {tmp_path / 'kiosk.toml'}: {expected}")


def test_every_error_reported_at_once_each_line_naming_the_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, 'role = "x"\n[display]\nrotation = 1\n'))
    p = tmp_path / "kiosk.toml"
    assert err.value.lines == [f'config file {p}: role = "x": allowed "terminal" or "display"',
                               f"config file {p}: display.rotation = 1: allowed 0, 90, 180 or 270"]


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"not valid TOML at line 1, column 8: Invalid value: role = $"):
        load_config(write(tmp_path, "role = \n"))
    with pytest.raises(ConfigError, match=r"nope.toml: does not exist \(given by --config\)$"):
        load_config(tmp_path / "nope.toml")


def test_pin_is_stored_hashed_and_checked(tmp_path):
    h = hash_pin("2468")
    assert h.startswith("$argon2") and "2468" not in h
    s = load_config(write(tmp_path, f'[maintenance]\npin_hash = "{h}"\n'))
    assert s.maintenance.check_pin("2468")
    assert not s.maintenance.check_pin("1357")
    assert not Settings().maintenance.check_pin("")  # no PIN set: maintenance stays closed
    with pytest.raises(ValueError):
        hash_pin("12")


def test_example_file_is_valid_and_documents_every_key():
    example = ROOT / "kiosk.example.toml"
    s = load_config(example)
    assert s == Settings(source=example)  # the example shows the defaults
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    flat = {f"{k}.{kk}" if isinstance(v, dict) else k for k, v in data.items() for kk in (v if isinstance(v, dict) else [None])}
    assert set(documented_keys()) == flat
    text = example.read_text(encoding="utf-8")
    for key in documented_keys():  # every key has a comment line right above it
        name = key.split(".")[-1]
        assert re.search(rf"#[^\n]*\n{name} = ", text), f"{key} has no comment in kiosk.example.toml"


def test_cli_bad_config_is_one_message_not_a_traceback(tmp_path):
    p = write(tmp_path, "[display]\nrotation = 45\n")
    out = subprocess.run([sys.executable, "-m", "kiosk.cli", "content", "search", "x", "--config", str(p)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert out.stderr == f"kiosk: config file {p}: display.rotation = 45: allowed 0, 90, 180 or 270\n"
