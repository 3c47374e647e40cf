"""Card descriptions for the simulator: a JSON file -> the bytes a reader would send.

The JSON keys are the text-block fields with readable values (``"gender": "男"``, dates as
``1950-03-07``, ``"valid_to": "长期"``), see ``sample_cards/*.json``. Loading is strict and
fails at once with the file named and what is wrong, because ``kiosk sim idcard --card FILE``
and ``--port virtual:FILE`` take any path a person types.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .fields import encode_text

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_cards"
MAX_CARD_FILE = 64 * 1024
CARD_KEYS = frozenset({"card_type", "name", "english_name", "gender", "nation", "birth", "address", "id_number",
                       "issuer", "valid_from", "valid_to", "pass_number", "issue_count", "card_version"})
REQUIRED_KEYS = ("gender", "birth", "id_number", "valid_from", "valid_to")


@dataclass(frozen=True)
class SimCard:
    text: bytes    # the 256-byte UCS-2 block
    photo: bytes   # 1024 opaque bytes
    serial: bytes  # what select answers (8 bytes)
    label: str = ""


class CardFileError(ValueError):
    """A card description (file) that is not one; the message names the file and the problem."""


def _ymd(value: str) -> str:
    return value if value == "长期" else value.replace("-", "")


def sim_card(d: dict, label: str = "") -> SimCard:
    """A card from its JSON description (see sample_cards/*.json); raises CardFileError if the
    description is not one. The card itself may be impossible (a wrong check digit, a birth
    date in the future): the simulator serves it, and the driver must refuse it."""
    if not isinstance(d, dict):
        raise CardFileError(f"not a card description: a JSON {type(d).__name__}, expected an object")
    unknown = sorted(k for k in d if k not in CARD_KEYS and not str(k).startswith("_"))
    if unknown:
        raise CardFileError(f"not a card description: unknown key {unknown[0]!r}")
    missing = [k for k in REQUIRED_KEYS if k not in d]
    if missing:
        raise CardFileError(f"not a card description: lacks {missing[0]!r}")
    wrong = [k for k in CARD_KEYS if k in d and not isinstance(d[k], str)]
    if wrong:
        raise CardFileError(f"not a card description: {sorted(wrong)[0]!r} is not a string")
    number = d["id_number"]
    values = {
        "name": d.get("name", ""), "english_name": d.get("english_name", ""),
        "gender": {"男": "1", "女": "2"}.get(d["gender"], d["gender"]),
        "nation": d.get("nation", ""), "birth": _ymd(d["birth"]), "address": d.get("address", ""),
        "id_number": number, "issuer": d.get("issuer", ""), "valid_from": _ymd(d["valid_from"]),
        "valid_to": _ymd(d["valid_to"]), "pass_number": d.get("pass_number", ""),
        "issue_count": d.get("issue_count", ""), "card_version": d.get("card_version", ""),
    }
    try:
        text = encode_text(values, d.get("card_type", "resident"))
    except ValueError as exc:  # a value longer than its field, a type flag of two characters
        raise CardFileError(f"not a card description: {exc}") from None
    seed = hashlib.sha256(("photo:" + number).encode()).digest()
    photo = (b"WLT-DEMO" + seed * 40)[:1024]  # opaque stand-in for the WLT-compressed photo
    return SimCard(text, photo, hashlib.sha256(("serial:" + number).encode()).digest()[:8], label)


def load_card_file(path: str | os.PathLike) -> SimCard:
    """Read a card description; a bare name (``resident.json``) that is not a file here finds
    the bundled sample. Raises CardFileError naming the file at once: missing, not a regular
    file (a directory, /dev/null, a FIFO — never opened, so nothing blocks), larger than
    64 KiB, not UTF-8, not JSON, or not a card description."""
    path = Path(path)
    if not path.exists() and path.parent == Path(".") and (SAMPLE_DIR / path.name).is_file():
        path = SAMPLE_DIR / path.name
    try:
        if not path.exists():
            raise CardFileError(f"{path}: no such file")
        if not path.is_file():
            raise CardFileError(f"{path}: not a regular file")
        with path.open("rb") as fh:
            data = fh.read(MAX_CARD_FILE + 1)
    except OSError as exc:
        raise CardFileError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > MAX_CARD_FILE:
        raise CardFileError(f"{path}: larger than {MAX_CARD_FILE // 1024} KiB, not a card description")
    try:
        description = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CardFileError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CardFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError):  # a number of over 4300 digits, nesting too deep
        raise CardFileError(f"{path}: not JSON this reader accepts (a huge number or deep nesting)") from None
    try:
        return sim_card(description, label=path.stem)
    except CardFileError as exc:
        raise CardFileError(f"{path}: {exc}") from None
