"""The hub's settings: where its data lives and which database it uses.

First match wins for each:
* data dir: `--data-dir`, `$KIOSK_HUB_DATA_DIR`, `/var/lib/kiosk-hub`;
* database: `--database`, `$KIOSK_HUB_DATABASE`, `database` in `DATA_DIR/hub.toml` (written by
  `kiosk-hub init --database URL`, so later commands and every worker find the same database),
  else SQLite at `DATA_DIR/hub.sqlite`.
A database is `sqlite:///ABSOLUTE/PATH` or `postgresql://...` (driven by psycopg 3). A wrong value
stops the command with its name, the bad value and what is allowed (`SettingsError`) -- never a
silent default. Nothing is read at import time.
"""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_DATA_DIR = Path("/var/lib/kiosk-hub")
CONFIG_NAME = "hub.toml"
DB_NAME = "hub.sqlite"
MAX_URL_CHARS = 1000
MAX_CONFIG_BYTES = 64 * 1024


class SettingsError(Exception):
    """A setting the operator must fix; one line."""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^/]*@", r"\1***@", url)


def _show(value: object) -> str:
    text = repr(redact(value) if isinstance(value, str) else value)
    return text if len(text) <= 80 else text[:77] + "..."


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    data_dir: Path = Field(description="the hub's folder: hub.toml, keys/, blobs/, and hub.sqlite by default")
    database: str = Field(description="sqlite:///ABSOLUTE/PATH or postgresql://USER@HOST[:PORT]/NAME")

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        if len(value) > MAX_URL_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(f"at most {MAX_URL_CHARS} characters, no control characters")
        if value.startswith("sqlite:///"):
            path = value[len("sqlite:///"):]
            if not path.startswith("/") or "?" in path:
                raise ValueError("sqlite:/// takes an absolute file path (sqlite:////var/lib/kiosk-hub/hub.sqlite)")
            return value
        for prefix in ("postgresql://", "postgresql+psycopg://"):
            if value.startswith(prefix) and len(value) > len(prefix):
                return "postgresql+psycopg://" + value[len(prefix):]
        raise ValueError("allowed: sqlite:///ABSOLUTE/PATH or postgresql://...")

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def is_sqlite(self) -> bool:
        return self.database.startswith("sqlite:")

    def missing_sqlite_file(self) -> str | None:
        """The SQLite file's path when it does not exist (opening it would create an empty one)."""
        path = self.database[len("sqlite:///"):] if self.is_sqlite else None
        return path if path is not None and not os.path.exists(path) else None


def _read_config(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise SettingsError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read it: {str(exc).splitlines()[0]}") from None
    unknown = sorted(set(data) - {"database"})
    if unknown:
        raise SettingsError(f"{path}: unknown key {unknown[0]!r}; allowed: database")
    if not isinstance(data.get("database", ""), str):
        raise SettingsError(f"{path}: database = {_show(data['database'])}: must be a string")
    return data


def load_settings(data_dir: str | Path | None = None, database: str | None = None) -> HubSettings:
    """The settings from the command line (None = not given), the environment and hub.toml."""
    raw_dir = data_dir if data_dir is not None else os.environ.get("KIOSK_HUB_DATA_DIR") or DEFAULT_DATA_DIR
    if str(raw_dir) == "":
        raise SettingsError("data dir: an empty path; give a folder")
    folder = Path(raw_dir).absolute()
    if folder.exists() and not folder.is_dir():
        raise SettingsError(f"data dir {str(folder)!r} is not a folder")
    url = database or os.environ.get("KIOSK_HUB_DATABASE") or _read_config(folder / CONFIG_NAME).get("database")
    url = url or f"sqlite:///{folder / DB_NAME}"
    try:
        return HubSettings(data_dir=folder, database=url)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SettingsError(f"{err['loc'][0]} = {_show(url if err['loc'][0] == 'database' else str(folder))}: "
                            f"{err['msg'].removeprefix('Value error, ')}") from None
