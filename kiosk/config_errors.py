"""Validation errors as maintainers read them: `display.rotation = 90.0: allowed 0, 90, 180 or 270
(not a float)`, one line a problem, each naming the file, at most MAX_PROBLEM_LINES of them.

What is allowed is read from the schema itself (the Literal choices, ge/le bounds, a field's
`json_schema_extra["allowed"]`), so a new setting explains itself without a new message here.
"""
from __future__ import annotations

import datetime as dt
import difflib
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from kiosk.config_read import SHOW_CHARS, bounded, show, show_key_part


def format_errors(exc: ValidationError, where: str, root: type[BaseModel]) -> list[str]:
    """One line per bad key, each starting with `where` (`config file /etc/kiosk/kiosk.toml`)."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        key = show_key(loc)
        if err["type"] == "extra_forbidden":
            lines.append(f"{where}: {key}: {unknown_key(loc, root)}")
        else:
            lines.append(f"{where}: {key} = {show(err.get('input'))}: {explain(err, root)}")
    return bounded(lines, where)


def show_key(loc: tuple) -> str:
    """A dotted key; a part that is not a bare TOML key (spaces, NUL, 1 MB long) is quoted."""
    return ".".join(show_key_part(str(p)) for p in loc) if loc else "(top level)"


def unknown_key(loc: tuple, root: type[BaseModel]) -> str:
    allowed = allowed_keys(loc, root)
    name = str(loc[-1]) if loc else ""
    close = difflib.get_close_matches(name, allowed, n=1) if len(name) <= SHOW_CHARS else []
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key (allowed keys: {', '.join(allowed)}){hint}"


def explain(err: dict, root: type[BaseModel]) -> str:
    """What is allowed for the key of `err`; a validator's own reason when it gave one."""
    if err["type"] == "value_error":
        return err["msg"].removeprefix("Value error, ")
    field, name = field_for(err["loc"], root)
    if field is None:
        return err["msg"]
    text = f"allowed {describe(field, name)}"
    expected, given = expected_type(field), err.get("input")
    if expected is not None and type(given) is not expected:
        text += f" (not {toml_kind(given)})"
    return text


def describe(field: FieldInfo, name: str) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "allowed" in extra:
        return str(extra["allowed"])
    ann = field.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return f"a [{name}] table"
    if typing.get_origin(ann) is typing.Literal:
        choices = [show(c) for c in typing.get_args(ann)]
        return ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
    if ann is bool:
        return "true or false"
    if ann is int:
        lo = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
        hi = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
        return f"a whole number from {lo} to {hi}"
    return "a string in double quotes"


def expected_type(field: FieldInfo) -> type | None:
    """The Python type TOML must produce for this field (a table is a dict)."""
    ann = field.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return dict
    if typing.get_origin(ann) is typing.Literal:
        return type(typing.get_args(ann)[0])
    if ann is Path:
        return str
    return ann if ann in (bool, int, str) else None


def toml_kind(value: object) -> str:
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
                       (dict, "a table"), (list, "an array"), (dt.datetime, "a date-time"),
                       (dt.date, "a date"), (dt.time, "a time")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def field_for(loc: tuple, root: type[BaseModel]) -> tuple[FieldInfo | None, str]:
    model, field = root, None
    for part in loc:
        if model is None:
            return None, ""
        field = model.model_fields.get(str(part))
        if field is None:
            return None, ""
        ann = field.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return field, str(loc[-1]) if loc else ""


def allowed_keys(loc: tuple, root: type[BaseModel]) -> list[str]:
    model: type[BaseModel] = root
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return [k for k, f in model.model_fields.items() if not f.exclude]
