"""Reorderable lists of rows in the staff forms (the guide's materials, a centre's rooms and duty
rota, a queue's windows), shared by the form pages and templates/_rows.html.

A list `name` is posted as numbered rows: `name.0`, `name.1`, ... for a list of plain text, or
`name.0.part`, ... for a list of records with the given parts, with `name.count` saying how many
rows the form had (the page shows EXTRA_ROWS blank ones to fill in). A blank row is dropped.
Without script, the "move up" and "remove" buttons post the whole form (`move=name.N`,
`remove=name.N`) and the page comes back changed but unsaved; static/rows.js does the same in the
page and adds rows."""
from __future__ import annotations

from typing import Mapping, Sequence

EXTRA_ROWS = 2
MAX_ROWS = 500  # a posted count above this is cut: no form has that many rows

Parts = Sequence[str] | None  # None: a list of plain text


def read_row(form, name: str, n: int, parts: Parts):
    """Row `n` of list `name` as posted: a string, or {part: string}, whitespace trimmed."""
    if parts is None:
        return str(form.get(f"{name}.{n}") or "").strip()
    return {p: str(form.get(f"{name}.{n}.{p}") or "").strip() for p in parts}


def is_blank(row, telling: Sequence[str] | None = None) -> bool:
    """A row with nothing typed in; `telling`: only these parts count (the others have defaults,
    such as a material's number of copies)."""
    if isinstance(row, str):
        return not row
    return not any(row[p] for p in (telling or row))


def count_of(form, name: str) -> int:
    raw = str(form.get(f"{name}.count") or "")
    return min(int(raw), MAX_ROWS) if raw.isdigit() else 0


def lists_from(form, lists: Mapping[str, Parts], telling: Mapping[str, Sequence[str]] | None = None) -> dict:
    """Each list's posted rows, blank ones dropped, a "move up" or "remove" button applied."""
    move, remove = str(form.get("move") or ""), str(form.get("remove") or "")
    out = {}
    for name, parts in lists.items():
        rows = [(n, read_row(form, name, n, parts)) for n in range(count_of(form, name))]
        rows = [(n, r) for n, r in rows if not is_blank(r, (telling or {}).get(name)) and remove != f"{name}.{n}"]
        for at, (n, _r) in enumerate(rows):
            if move == f"{name}.{n}" and at > 0:
                rows[at - 1], rows[at] = rows[at], rows[at - 1]
                break
        out[name] = [r for _n, r in rows]
    return out


def rearranging(form) -> bool:
    """The form was posted by a "move up" or "remove" button: show it again, do not save."""
    return bool(form.get("move") or form.get("remove"))


def lines(text: str) -> list[str]:
    """A text area holding one entry a line as its entries (blank lines dropped)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
