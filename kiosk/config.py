"""The terminal's settings: one TOML file, validated at start.

Where the file comes from, first match wins: `--config PATH`, `$KIOSK_CONFIG`,
`/etc/kiosk/kiosk.toml`. With no file at all the built-in defaults apply (a new machine runs
without one). A wrong value stops start-up with its key, the bad value and what is allowed
(`ConfigError`, one line a problem, printed by the CLI with exit code 2) -- never a traceback,
and never a silent default.

Types are strict: TOML `"yes"` is not a boolean, `90.0` not a rotation, `"1080"` not a width.
Strings that reach a device, a socket or an HTTP header are bounded and hold no control
characters. `data_dir` in the file is an absolute path without `..`; `--data-dir` may be
relative to the current folder. The file itself is read by `kiosk.config_read` (size cap, no
FIFOs or devices), its errors shown by `kiosk.config_errors`.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from kiosk.config_errors import format_errors
from kiosk.config_read import ConfigError, kind_of, one_line, read_toml, show, show_path
from tickets.rules import QueueRules

__all__ = ["ConfigError", "Settings", "config_path", "documented_keys", "hash_pin", "load_config"]

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
DEFAULT_DATA_DIR = Path("/var/lib/kiosk")
MAX_URL_CHARS = 1000
MAX_TOKEN_CHARS = 512
MAX_PATH_CHARS = 1024
PATH_SHOW_CHARS = 200  # a folder is quoted longer than other values: its name is the point


def _whole_number(value: object) -> object:
    """Literal[0, 90] alone lets 90.0 and True through (they compare equal): TOML must say 90."""
    if type(value) is not int:
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Display(_Section):
    width: int = Field(default=1080, ge=320, le=7680, description="window width in pixels")
    height: int = Field(default=1920, ge=240, le=7680, description="window height in pixels")
    rotation: Annotated[Literal[0, 90, 180, 270], BeforeValidator(_whole_number)] = Field(
        default=0, description="screen rotation in degrees")
    fullscreen: bool = Field(default=True, description="fullscreen with no cursor (false for a desktop window)")


class Printer(_Section):
    url: str = Field(
        default="",
        description='receipt printer: "" (none), tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, usb://VID:PID, file:///path',
        json_schema_extra={"allowed": '"" or a tcp://, serial://, usb:// or file:// URL'},
    )
    encoding: Literal["gb18030", "gbk", "bitmap"] = Field(
        default="gb18030", description="how Chinese text is sent; bitmap works on any printer"
    )
    paper_width_mm: Annotated[Literal[58, 80], BeforeValidator(_whole_number)] = Field(
        default=80, description="paper roll width")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_printer_url(value)


class IdCard(_Section):
    enabled: bool = Field(default=False, description="whether an ID-card reader is attached")
    port: str = Field(default="/dev/ttyUSB0", description="serial device of the reader",
                      json_schema_extra={"allowed": 'a serial device path such as "/dev/ttyUSB0", or "virtual"'})

    @field_validator("port")
    @classmethod
    def _port(cls, value: str) -> str:
        return check_device(value)


class Tickets(QueueRules):
    """Both sides of the lobby queue: where a kiosk finds it (url, token) and, on the queue host,
    its rules (tickets.rules.QueueRules: priority_age, day_starts, clock, service_minutes)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    url: str = Field(default="", description='lobby queue service, e.g. http://192.0.2.10:8300 ("" = no 取号)',
                     json_schema_extra={"allowed": '"" or an http:// or https:// URL'})
    token: str = Field(default="", description="bearer token this kiosk sends to the queue service",
                       json_schema_extra={"allowed": f'"" or up to {MAX_TOKEN_CHARS} visible ASCII characters'})

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        _bounded(value, MAX_TOKEN_CHARS)
        bad = next((ch for ch in value if not "!" <= ch <= "~"), None)
        if bad is not None:  # it goes into an HTTP header: no spaces, no newlines, no non-ASCII
            raise ValueError(f"contains {_char_name(bad)}: a token is visible ASCII only (A-Z a-z 0-9 and -._~+/=)")
        return value


class Maintenance(_Section):
    pin_hash: str = Field(
        default="",
        description='argon2 hash of the maintenance PIN (make one with `kiosk hash-pin`); "" disables the maintenance screen',
        json_schema_extra={"allowed": '"" or an argon2 hash made by `kiosk hash-pin`'},
    )

    @field_validator("pin_hash")
    @classmethod
    def _argon2(cls, value: str) -> str:
        if not value:
            return value
        _bounded(value, MAX_TOKEN_CHARS)
        if not value.startswith("$argon2"):
            raise ValueError("must be an argon2 hash made by `kiosk hash-pin`, never the PIN itself")
        from argon2 import extract_parameters
        from argon2.exceptions import InvalidHashError

        try:
            extract_parameters(value)
        except InvalidHashError:
            raise ValueError("is not a complete argon2 hash (cut short when copied?): make one with `kiosk hash-pin`") from None
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


def _data_dir(value: object) -> Path:
    if not isinstance(value, (str, Path)):
        raise PydanticCustomError("path_type", "Input should be a path")
    return Path(check_folder_path(str(value)))


class Sync(_Section):
    in_app: bool = Field(default=False, description="run the sync client as a thread of kiosk run "
                                                     "(instead of the kiosk-sync service)")
    heartbeat_s: int = Field(default=60, ge=15, le=3600, description="seconds between heartbeats to the hub")


class Settings(_Section):
    data_dir: Annotated[Path, BeforeValidator(_data_dir)] = Field(
        default=DEFAULT_DATA_DIR, description="where content versions, blobs and the queue live",
        json_schema_extra={"allowed": 'an absolute folder path in double quotes, e.g. "/var/lib/kiosk"'})
    role: Literal["terminal", "display"] = Field(default="terminal", description="resident terminal or call display")
    centre: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,127}$")] = Field(
        default="demo-centre", description="id of the centre this terminal stands in",
        json_schema_extra={"allowed": "1 to 128 of a-z 0-9 . _ - (lowercase), starting with a letter or digit"})
    hub_url: str = Field(default="", description='central server, e.g. https://hub.example.gov.cn ("" = offline)',
                         json_schema_extra={"allowed": '"" or an http:// or https:// URL'})
    locale: Literal["zh_CN"] = Field(default="zh_CN", description="language of resident-facing text")
    idle_timeout_s: int = Field(default=90, ge=15, le=3600, description="seconds without a touch before the attract loop")
    elder_mode_default: bool = Field(default=False, description="start every session in 长辈模式 (large text)")
    display: Display = Field(default_factory=Display)
    printer: Printer = Field(default_factory=Printer)
    idcard: IdCard = Field(default_factory=IdCard)
    tickets: Tickets = Field(default_factory=Tickets)
    maintenance: Maintenance = Field(default_factory=Maintenance)
    sync: Sync = Field(default_factory=Sync)

    # where these settings came from (None = built-in defaults); not a TOML key
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("hub_url")
    @classmethod
    def _hub_http(cls, value: str) -> str:
        return check_http_url(value)


# ---- string rules ------------------------------------------------------------------------

def _char_name(ch: str) -> str:
    names = {" ": "a space", "\n": "a newline (\\n)", "\r": "a carriage return (\\r)", "\t": "a tab (\\t)",
             "\x00": "a NUL character (\\x00)"}
    return names.get(ch) or (f"the character {ch}" if ch.isprintable() else f"the invisible character U+{ord(ch):04X}")


def _bounded(value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValueError(f"is {len(value)} characters long; at most {limit} are allowed")


def _visible(value: str, spaces: bool = False) -> None:
    """No control characters (NUL, newline, ESC …) or invisible ones; spaces only where asked."""
    bad = next((ch for ch in value if not ch.isprintable() or (ch == " " and not spaces)), None)
    if bad is not None:
        raise ValueError(f"contains {_char_name(bad)}: remove it")


def check_folder_path(value: str, relative_ok: bool = False) -> str:
    """`data_dir`: an absolute path in the file, so it does not depend on where the service
    starts; with `relative_ok` (--data-dir) a relative one is taken from the current folder."""
    if not value:
        raise ValueError('is empty: give an absolute folder path, e.g. "/var/lib/kiosk"')
    _bounded(value, MAX_PATH_CHARS)
    _visible(value, spaces=True)
    if value != value.strip():
        raise ValueError("starts or ends with a space: remove it")
    if relative_ok:
        value = os.path.abspath(value)
    if not value.startswith("/"):
        raise ValueError('is a relative path: give an absolute one, e.g. "/var/lib/kiosk"')
    if ".." in value.split("/"):
        raise ValueError("contains a '..' part: write the folder's own path")
    if not value.strip("/"):
        raise ValueError('is the root folder: give a folder of its own, e.g. "/var/lib/kiosk"')
    return value


def check_http_url(value: str) -> str:
    if not value:
        return value
    _bounded(value, MAX_URL_CHARS)
    _visible(value)
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https:// (or be empty)")
    parts = _split(value)
    if not parts.hostname:
        raise ValueError("has no host, e.g. http://192.0.2.10:8300")
    _check_port(parts)
    if parts.query or parts.fragment:
        raise ValueError("must not have a ?query or #fragment: give the service's base URL")
    return value.rstrip("/")


def check_printer_url(value: str) -> str:
    """The printer driver's own URL rules (devices.printer_link), checked at load, not at first print."""
    if not value:
        return value
    _bounded(value, MAX_URL_CHARS)
    _visible(value)
    from devices.printer_link import parse_printer_url

    try:
        parse_printer_url(value)
    except ValueError as exc:  # its message starts with the URL, which the error line shows already
        raise ValueError(str(exc).removeprefix(f"{value}: ")) from None
    return value


def check_device(value: str) -> str:
    if not value:
        raise ValueError('is empty: give the reader\'s device, e.g. "/dev/ttyUSB0", or "virtual"')
    _bounded(value, MAX_PATH_CHARS)
    _visible(value)
    if value == "virtual" or value.startswith("virtual:") or value.startswith("/"):
        return value
    raise ValueError('must be a device path such as "/dev/ttyUSB0" or "/dev/serial/by-id/…", or "virtual"')


def _split(value: str):
    try:
        return urlsplit(value)
    except ValueError:  # "http://[::1" and the like
        raise ValueError("is not a valid URL") from None


def _check_port(parts) -> None:
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError("has a port that is not a number from 1 to 65535")


# ---- loading ------------------------------------------------------------------------------

def config_path(explicit: str | os.PathLike | None = None) -> Path | None:
    """The file to read, or None when there is none (built-in defaults apply)."""
    return _locate(explicit)[0]


def _locate(explicit: str | os.PathLike | None) -> tuple[Path | None, str]:
    """The file and who named it. An empty --config or KIOSK_CONFIG is an error, not "no file"."""
    if explicit is not None:
        if not os.fspath(explicit):
            raise ConfigError("--config is empty: name a settings file, or leave --config out")
        return Path(explicit), "given by --config"
    env = os.environ.get("KIOSK_CONFIG")
    if env is not None:
        if not env:
            raise ConfigError("KIOSK_CONFIG is set but empty: name a settings file, or unset it")
        return Path(env), "given by KIOSK_CONFIG"
    try:
        os.lstat(DEFAULT_CONFIG_PATH)
    except (FileNotFoundError, NotADirectoryError):
        return None, ""
    except OSError:  # there, but not reachable: reading it says why
        pass
    return DEFAULT_CONFIG_PATH, "the default"


def load_config(path: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None,
                *, check_folder: bool = True) -> Settings:
    """Read and validate the settings; `data_dir` (from --data-dir, relative to the current
    folder) overrides the file. With `check_folder`, a data dir that exists but is not a folder
    is an error too (`kiosk doctor` passes False and reports it in its table instead)."""
    source, how = _locate(path)
    where = f"config file {show_path(source)}" if source else "built-in settings"
    raw: dict = read_toml(source, where, how) if source is not None else {}
    if "source" in raw:
        raise ConfigError(f"{where}: source: unknown key")
    try:
        settings = Settings.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, where, Settings)) from None
    except RecursionError:  # a value nested hundreds deep that the parser still took
        raise ConfigError(f"{where}: values nested too deeply (kiosk settings are at most one [table] deep)") from None
    if data_dir is not None:
        where = "--data-dir"
        settings = settings.model_copy(update={"data_dir": _cli_data_dir(data_dir)})
    if check_folder:
        problem = folder_problem(settings.data_dir)
        if problem:
            raise ConfigError(f"{where}: data_dir = {show(str(settings.data_dir), PATH_SHOW_CHARS)}: {problem}")
    return settings


def _cli_data_dir(value: str | os.PathLike) -> Path:
    try:
        return Path(check_folder_path(os.fspath(value), relative_ok=True))
    except ValueError as exc:
        raise ConfigError(f"--data-dir {show(os.fspath(value), PATH_SHOW_CHARS)}: {exc}") from None


def folder_problem(path: Path) -> str | None:
    """Why `path` cannot be the data folder, judged without creating it; None when it is a folder
    or does not exist yet (it is made on first use)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return "a part of the path above it is a file, not a folder: choose another data_dir"
    except OSError as exc:  # EACCES on a parent, ELOOP: kiosk doctor says more
        return f"cannot be reached: {one_line(exc.strerror or exc, 120)} (run `kiosk doctor`)"
    if not stat.S_ISDIR(st.st_mode):
        return f"is {kind_of(st.st_mode)}, not a folder: move it away or choose another data_dir"
    return None


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
