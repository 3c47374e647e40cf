"""The 公开 form's tables as numbers: which columns are numeric, money shown with two decimals, and
the totals check (static/disclosure.js does the same in the page; this module is the authority).

- A cell is a number when, after NFKC (full-width digits) and with commas and spaces removed, it is
  `[+-]digits[.digits]`; `12.5%` is numeric for alignment but never summed.
- A column is numeric when every non-empty body cell but a totals row's label is numeric (and one
  is not empty); a money column is a numeric one whose header says 元 or 金额 and one of whose
  numbers has a decimal point (amounts with cents): its numbers are stored as `1,234.50`. A column
  of whole yuan (`1,630`) is left as typed.
- A totals row is one whose first non-empty cell contains 合计 / 总计 (the detail rows above it,
  back to the previous 合计 / 总计 row, subtotals excluded) or 小计 (the rows since the previous
  totals or subtotal row). Each numeric cell after its label must equal the sum of the rows it
  covers (empty cells count 0); a cell left empty or not a number is not checked."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PERCENT_RE = re.compile(r"^[+-]?\d+(\.\d+)?%$")
TOTAL_WORDS = ("合计", "总计")
SUBTOTAL_WORDS = ("小计",)
MONEY_WORDS = ("元", "金额")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(",", "").replace(" ", "").strip()


def number(text: str) -> Decimal | None:
    """The cell's number (commas allowed: `1,234.50`), None when it is not one."""
    plain = _plain(text)
    if not _NUMBER_RE.match(plain):
        return None
    try:
        return Decimal(plain)
    except InvalidOperation:  # pragma: no cover  (the pattern rules it out)
        return None


def numberish(text: str) -> bool:
    return number(text) is not None or bool(_PERCENT_RE.match(_plain(text)))


def row_label(row: list[str]) -> tuple[int, str]:
    """(column, kind) of a row's label: kind 'total', 'subtotal' or '' for a detail row."""
    for c, cell in enumerate(row):
        if cell.strip():
            if any(w in cell for w in TOTAL_WORDS):
                return c, "total"
            if any(w in cell for w in SUBTOTAL_WORDS):
                return c, "subtotal"
            return c, ""
    return -1, ""


def numeric_columns(width: int, rows: list[list[str]]) -> list[bool]:
    seen, bad = [False] * width, [False] * width
    for row in rows:
        label_at, kind = row_label(row)
        for c, cell in enumerate(row[:width]):
            if not cell.strip() or (kind and c == label_at):
                continue
            if numberish(cell):
                seen[c] = True
            else:
                bad[c] = True
    return [seen[c] and not bad[c] for c in range(width)]


def money_columns(columns: list[str], numeric: list[bool], rows: list[list[str]]) -> list[bool]:
    def cents(c: int) -> bool:
        return any("." in _plain(row[c]) and number(row[c]) is not None for row in rows if c < len(row))

    return [numeric[c] and any(w in columns[c] for w in MONEY_WORDS) and cents(c) for c in range(len(columns))]


def money(value: Decimal) -> str:
    """1234.5 -> '1,234.50'."""
    return f"{value.quantize(Decimal('0.01')):,.2f}"


def shown(value: Decimal, is_money: bool, cells: list[str]) -> str:
    """A sum as its column writes numbers: money as 1,234.50, else with the cells' decimals (and
    thousands commas when they have them)."""
    if is_money:
        return money(value)
    places = max((len(_plain(c).partition(".")[2]) for c in cells if number(c) is not None), default=0)
    return f"{value:,.{places}f}" if any("," in c for c in cells) else f"{value:.{places}f}"


def tidy_rows(columns: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Cells trimmed; money columns' numbers as `1,234.50`."""
    rows = [[cell.strip() for cell in row] for row in rows]
    is_money = money_columns(columns, numeric_columns(len(columns), rows), rows)
    for row in rows:
        for c, cell in enumerate(row):
            value = number(cell)
            if is_money[c] and value is not None:
                row[c] = money(value)
    return rows


def totals_problems(columns: list[str], rows: list[list[str]]) -> dict[tuple[int, int], str]:
    """{(row, column): the sum the cell should hold, as shown} for each totals cell that differs."""
    width = len(columns)
    numeric = numeric_columns(width, rows)
    is_money = money_columns(columns, numeric, rows)
    found: dict[tuple[int, int], str] = {}
    since_total, since_sub = [], []  # detail rows since the last 合计 / since the last 小计 or 合计
    for r, row in enumerate(rows):
        label_at, kind = row_label(row)
        if not kind:
            since_total.append(row)
            since_sub.append(row)
            continue
        covered = since_total if kind == "total" else since_sub
        for c in range(label_at + 1, min(width, len(row))):
            written = number(row[c])
            if not numeric[c] or written is None:
                continue
            cells = [d[c] for d in covered if c < len(d)]
            if any(cell.strip() and number(cell) is None for cell in cells):
                continue  # a percentage or other non-summable cell
            expected = sum((number(cell) or Decimal(0) for cell in cells), Decimal(0))
            if expected != written:
                found[(r, c)] = shown(expected, is_money[c], cells + [row[c]])
        since_sub = []
        if kind == "total":
            since_total = []
    return found
