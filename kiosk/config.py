"""The terminal's settings: one TOML file, validated at start.

Where the file comes from, first match wins: `--config PATH`, `$KIOSK_CONFIG`,
`/etc/kiosk/kiosk.toml`. With no file at all the built-in defaults apply (a new machine runs
without one). A wrong value stops start-up with its key, the bad value and what is allowed
(`ConfigError`, printed as one line by the CLI) -- never a traceback, and never a silent default.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
DEFAULT_DATA_DIR = Path("/var/lib/kiosk")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Display(_Section):
    width: int = Field(default=1080, ge=320, le=7680, description="window width in pixels")
    height: int = Field(default=1920, ge=240, le=7680, description="window height in pixels")
    rotation: Literal[0, 90, 180, 270] = Field(default=0, description="screen rotation in degrees")
    fullscreen: bool = Field(default=True, description="fullscreen with no cursor (false for a desktop window)")


class Printer(_Section):
    url: str = Field(
        default="",
        description='receipt printer: "" (none), tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, usb://VID:PID, file:///path',
    )
    encoding: Literal["gb18030", "gbk", "bitmap"] = Field(
        default="gb18030", description="how Chinese text is sent; bitmap works on any printer"
    )
    paper_width_mm: Literal[58, 80] = Field(default=80, description="paper roll width")

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        if value and value.split("://", 1)[0] not in ("tcp", "serial", "usb", "file"):
            raise ValueError("must start with tcp://, serial://, usb:// or file:// (or be empty for no printer)")
        return value


class IdCard(_Section):
    enabled: bool = Field(default=False, description="whether an ID-card reader is attached")
    port: str = Field(default="/dev/ttyUSB0", description="serial device of the reader")


class Tickets(_Section):
    url: str = Field(default="", description='lobby queue service, e.g. http://192.0.2.10:8300 ("" = no 取号)')
    token: str = Field(default="", description="bearer token this kiosk sends to the queue service")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (or be empty)")
        return value.rstrip("/")


class Maintenance(_Section):
    pin_hash: str = Field(
        default="",
        description='argon2 hash of the maintenance PIN (make one with `kiosk hash-pin`); "" disables the maintenance screen',
    )

    @field_validator("pin_hash")
    @classmethod
    def _argon2(cls, value: str) -> str:
        if value and not value.startswith("$argon2"):
            raise ValueError("must be an argon2 hash made by `kiosk hash-pin`, never the PIN itself")
        return value

    def check_pin(self, pin: str) -> bool:
        """True when `pin` matches; False for a wrong PIN or when no PIN is set."""
        if not self.pin_hash:
            return False
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return PasswordHasher().verify(self.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False


def hash_pin(pin: str) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    from argon2 import PasswordHasher

    return PasswordHasher().hash(pin)


class Settings(_Section):
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="where content versions, blobs and the queue live")
    role: Literal["terminal", "display"] = Field(default="terminal", description="resident terminal or call display")
    centre: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,127}$")] = Field(
        default="demo-centre", description="id of the centre this terminal stands in"
    )
    hub_url: str = Field(default="", description='central server, e.g. https://hub.example.gov.cn ("" = offline)')
    locale: Literal["zh_CN"] = Field(default="zh_CN", description="language of resident-facing text")
    idle_timeout_s: int = Field(default=90, ge=15, le=3600, description="seconds without a touch before the attract loop")
    elder_mode_default: bool = Field(default=False, description="start every session in 长辈模式 (large text)")
    display: Display = Field(default_factory=Display)
    printer: Printer = Field(default_factory=Printer)
    idcard: IdCard = Field(default_factory=IdCard)
    tickets: Tickets = Field(default_factory=Tickets)
    maintenance: Maintenance = Field(default_factory=Maintenance)

    # where these settings came from (None = built-in defaults); not a TOML key
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("hub_url")
    @classmethod
    def _hub_http(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (or be empty)")
        return value.rstrip("/")


class ConfigError(Exception):
    """A config file that cannot be used; str() is the message for the maintainer."""


def config_path(explicit: str | os.PathLike | None = None) -> Path | None:
    """The file to read, or None when there is none (built-in defaults apply)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_config(path: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None) -> Settings:
    """Read and validate the settings; `data_dir` (from --data-dir) overrides the file."""
    source = config_path(path)
    raw: dict = {}
    if source is not None:
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file {source} does not exist (given by --config or KIOSK_CONFIG)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {source} cannot be read: {exc}") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {source} is not valid TOML: {exc}") from None
    if "source" in raw:
        raise ConfigError(f"config file {source}: unknown key 'source'")
    if data_dir is not None:
        raw["data_dir"] = str(data_dir)
    try:
        return Settings.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, source)) from None


def format_errors(exc: ValidationError, source: Path | None) -> str:
    """One line per bad key: `display.rotation = 45: allowed 0, 90, 180, 270`."""
    where = str(source) if source else "built-in settings"
    lines = [f"config file {where} has {exc.error_count()} error(s):"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key (allowed keys: {', '.join(_allowed_keys(err['loc']))})")
            continue
        value = err.get("input")
        allowed = _allowed(err)
        lines.append(f"  {key} = {value!r}: {allowed}")
    return "\n".join(lines)


def _allowed(err: dict) -> str:
    ctx = err.get("ctx") or {}
    if err["type"] == "literal_error":
        return f"allowed {ctx.get('expected', '')}"
    if err["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        field = _field_for(err["loc"])
        lo = hi = None
        for m in getattr(field, "metadata", []):
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        return f"allowed {lo} to {hi}" if lo is not None and hi is not None else err["msg"]
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _field_for(loc: tuple):
    model: type[BaseModel] = Settings
    field = None
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return field


def _allowed_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return [k for k in model.model_fields if k != "source"]


def documented_keys(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every TOML key, dotted (used by the test that the example file documents them all)."""
    keys = []
    for name, field in model.model_fields.items():
        if name == "source":
            continue
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += documented_keys(ann, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys
