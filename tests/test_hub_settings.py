"""hub.settings: the data dir and database from flags, environment and hub.toml, refused in one line."""
from __future__ import annotations

import pytest

from hub.settings import SettingsError, load_settings, redact


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("KIOSK_HUB_DATA_DIR", raising=False)
    monkeypatch.delenv("KIOSK_HUB_DATABASE", raising=False)


def test_defaults_to_sqlite_in_the_data_dir(tmp_path):
    s = load_settings(tmp_path)
    assert s.database == f"sqlite:///{tmp_path / 'hub.sqlite'}" and s.is_sqlite
    assert s.keys_dir == tmp_path / "keys" and s.blobs_dir == tmp_path / "blobs"


def test_flag_beats_environment_beats_file(tmp_path, monkeypatch):
    (tmp_path / "hub.toml").write_text('database = "postgresql://hub@db/file"\n')
    assert load_settings(tmp_path).database == "postgresql+psycopg://hub@db/file"
    monkeypatch.setenv("KIOSK_HUB_DATABASE", "postgresql://hub@db/env")
    assert load_settings(tmp_path).database == "postgresql+psycopg://hub@db/env"
    assert load_settings(tmp_path, "postgresql://hub@db/flag").database == "postgresql+psycopg://hub@db/flag"
    monkeypatch.setenv("KIOSK_HUB_DATA_DIR", str(tmp_path / "env-dir"))
    assert load_settings().data_dir == tmp_path / "env-dir"


@pytest.mark.parametrize("url, says", [
    ("mysql://x/y", "allowed: sqlite:///ABSOLUTE/PATH or postgresql://"),
    ("sqlite:///relative.db", "absolute file path"),
    ("sqlite:///:memory:", "absolute file path"),
    ("postgresql://", "allowed"),
    ("postgresql://u@h/d\n", "control characters"),
])
def test_bad_database_is_one_line_naming_it(tmp_path, url, says):
    with pytest.raises(SettingsError) as err:
        load_settings(tmp_path, url)
    text = str(err.value)
    assert text.startswith("database = ") and says in text and "\n" not in text


def test_a_password_never_shows(tmp_path):
    with pytest.raises(SettingsError) as err:
        load_settings(tmp_path, "mysql://hub:s3cret@db/x")
    assert "s3cret" not in str(err.value) and "***" in str(err.value)
    assert redact("postgresql://hub:p@ss@db/x") == "postgresql://hub:***@db/x"
    assert "p@ss" not in redact("postgresql://hub:p%40ss@db/x") and redact("sqlite:////a/b") == "sqlite:////a/b"


@pytest.mark.parametrize("text, says", [
    ('database = 5\n', "must be a string"),
    ('port = 1\n', "unknown key 'port'"),
    ('database = \n', "cannot read it"),
])
def test_bad_hub_toml(tmp_path, text, says):
    (tmp_path / "hub.toml").write_text(text)
    with pytest.raises(SettingsError, match=says):
        load_settings(tmp_path)


def test_data_dir_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(SettingsError, match="not a folder"):
        load_settings(tmp_path / "f")
    with pytest.raises(SettingsError, match="empty"):
        load_settings("")
