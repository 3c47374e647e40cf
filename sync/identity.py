"""The terminal's identity (DESIGN.md, "Data on a terminal"): `identity.json` in the data dir.

    {"terminal_id", "token", "hub_url", "hub_public_key", "name", "enrolled_at"}

Written once by enrolment (`kiosk enroll`), atomically and with mode 0600 from the start
(sync.files.write_atomic); read by every sync command. `hub_public_key` is the key the hub
signed its enrolment answer with: it is pinned, and a later enrolment that answers with another
key is refused unless the maintainer says `--force`.

A missing or unusable file is an `IdentityError` whose message names the file and the fix.
"""
from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync import signing
from sync.files import FileProblem, read_json, write_json
from sync.http import normalise_hub_url

__all__ = ["FILE_NAME", "Identity", "IdentityError", "identity_path", "load", "load_or_none", "save"]

FILE_NAME = "identity.json"
MAX_IDENTITY_BYTES = 16 * 1024


class IdentityError(Exception):
    """No usable identity: the message says which file and how to fix it."""


class Identity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terminal_id: str = Field(min_length=1, max_length=128)
    token: str = Field(min_length=1, max_length=512)
    hub_url: str = Field(min_length=1, max_length=2000)
    hub_public_key: str
    name: str = Field(default="", max_length=200)
    enrolled_at: str = ""

    def checked(self) -> "Identity":
        signing.load_public_key(self.hub_public_key)  # SignatureError when it is not a key
        normalise_hub_url(self.hub_url)  # ValueError when it is not an http(s) URL
        return self


def identity_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def _fix(data_dir: Path) -> str:
    return f"enrol it with kiosk enroll --hub URL --code CODE --data-dir {data_dir}"


def load(data_dir: Path) -> Identity:
    path = identity_path(data_dir)
    try:
        raw = read_json(path, MAX_IDENTITY_BYTES)
    except FileNotFoundError:
        raise IdentityError(f"{path} does not exist: this terminal is not enrolled: {_fix(data_dir)}") from None
    except PermissionError:
        raise IdentityError(f"{path} cannot be read by uid {os.getuid()}: run as the kiosk user, "
                            f"or chown it to that user") from None
    except OSError as exc:
        raise IdentityError(f"{path} cannot be read: {exc.strerror or exc}") from None
    except FileProblem as exc:
        raise IdentityError(f"{path} is damaged ({exc}): {_fix(data_dir)} --force") from None
    try:
        return Identity.model_validate(raw).checked()
    except (ValidationError, ValueError) as exc:  # SignatureError is a ValueError
        what = exc.errors(include_url=False)[0] if isinstance(exc, ValidationError) else None
        reason = f"{'.'.join(map(str, what['loc']))}: {what['msg']}" if what else str(exc)
        raise IdentityError(f"{path} is damaged ({reason}): {_fix(data_dir)} --force") from None


def load_or_none(data_dir: Path) -> Identity | None:
    """The identity, or None when the terminal has never been enrolled (a damaged file still raises)."""
    if not os.path.lexists(identity_path(data_dir)):
        return None
    return load(data_dir)


def save(data_dir: Path, identity: Identity) -> Path:
    """Write `identity.json` (0600, atomic). The data dir is made when missing (0750)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(mode=0o750, parents=True, exist_ok=True)
    path = identity_path(data_dir)
    body = identity.model_dump()
    if not body["enrolled_at"]:
        body["enrolled_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    write_json(path, body, mode=0o600)
    for stale in data_dir.glob(f".{FILE_NAME}.*.tmp"):  # a write cut short (power, kill -9): a token copy
        stale.unlink(missing_ok=True)
    return path


def mode_of(data_dir: Path) -> int:
    """The permission bits of identity.json (for `kiosk doctor` and the tests)."""
    return stat.S_IMODE(os.stat(identity_path(data_dir)).st_mode)
