"""The 公开 form's values: a disclosure document as form values and back, and the form's buttons.

The body (`blocks`) is a list of sections: `text` (consecutive paragraphs, headings and lists as
one text area, pages_edit.as_text / blocks_of), `table` (caption, header cells, rows of cells and
an alignment per column: auto = right for a numeric column, else left) and `image` (a stored
image's hash and caption). The posted names are `blocks.count`, `blocks.N.type`, `blocks.N.text`,
`blocks.N.caption`, `blocks.N.cols`, `blocks.N.rows`, `blocks.N.h.C`, `blocks.N.a.C`,
`blocks.N.c.R.C` and `blocks.N.blob`. The buttons (`op`) change the posted form without saving:
addrow:N (a blank row at the end, or above the table's last row when that is a 合计 / 总计 row),
delrow:N:R, addcol:N, delcol:N:C, up:N, del:N, add:text|table|image, clearpages."""
from __future__ import annotations

import datetime as dt

from hub.admin import disclosure_tables as tables
from hub.admin.pages_edit import TEXT_BLOCKS, as_text, blocks_of
from hub.admin.pages_guide import shown_local, stored_time

TEXTS = ("title", "category", "period", "publisher", "target", "valid_from", "valid_to", "publish_at",
         "expire_at", "pdf")
TIMES = ("publish_at", "expire_at")
DATES = ("valid_from", "valid_to")
KEPT = ("sort",)  # fields the form does not show: kept as they are
ALIGNS = ("auto", "left", "center", "right")
MAX_SECTIONS, MAX_ROWS, MAX_COLS = 200, 500, 30


def _table_values(block: dict) -> dict:
    columns, rows = list(block.get("columns") or []), [list(r) for r in block.get("rows") or []]
    numeric = tables.numeric_columns(len(columns), rows)
    stored = list(block.get("align") or [])
    align = []
    for c in range(len(columns)):
        a = stored[c] if c < len(stored) else "left"
        align.append("auto" if a == ("right" if numeric[c] else "left") else a)
    return {"type": "table", "caption": block.get("caption", ""), "columns": columns, "rows": rows, "align": align}


def sections_of(blocks: list[dict]) -> list[dict]:
    """The document's blocks as the form's sections (runs of text blocks joined)."""
    out: list[dict] = []
    run: list[dict] = []
    for block in blocks:
        if block.get("type") in TEXT_BLOCKS:
            run.append(block)
            continue
        if run:
            out.append({"type": "text", "text": as_text(run)})
            run = []
        if block.get("type") == "table":
            out.append(_table_values(block))
        elif block.get("type") == "image":
            out.append({"type": "image", "blob": block.get("blob", ""), "caption": block.get("caption", "")})
    if run:
        out.append({"type": "text", "text": as_text(run)})
    return out


def values_of(doc: dict) -> dict:
    """A disclosure document as the form's values."""
    values = {name: "" if doc.get(name) is None else str(doc.get(name)) for name in TEXTS}
    for name in TIMES:
        values[name] = shown_local(doc.get(name))
    values["pages"] = list(doc.get("pages") or [])
    values["blocks"] = sections_of(doc.get("blocks") or [])
    return values


def empty_table() -> dict:
    return {"type": "table", "caption": "", "columns": ["", ""], "rows": [["", ""], ["", ""]], "align": ["auto"] * 2}


def finance_table() -> dict:
    """What a new 财务公开 starts with: the usual income and spending table with its totals row."""
    return {"type": "table", "caption": "收支明细表", "columns": ["科目", "收入（元）", "支出（元）", "备注"],
            "rows": [["", "", "", ""], ["", "", "", ""], ["合计", "", "", ""]], "align": ["auto"] * 4}


def _count(form, name: str, limit: int) -> int:
    raw = str(form.get(name) or "")
    return min(int(raw), limit) if raw.isdigit() else 0


def _section(form, n: int) -> dict | None:
    key = f"blocks.{n}."
    kind = str(form.get(key + "type") or "")
    if kind == "text":
        return {"type": "text", "text": str(form.get(key + "text") or "")}
    if kind == "image":
        return {"type": "image", "blob": str(form.get(key + "blob") or "").strip(),
                "caption": str(form.get(key + "caption") or "").strip()}
    if kind != "table":
        return None
    cols, rows = _count(form, key + "cols", MAX_COLS), _count(form, key + "rows", MAX_ROWS)
    align = [str(form.get(f"{key}a.{c}") or "auto") for c in range(cols)]
    return {"type": "table", "caption": str(form.get(key + "caption") or "").strip(),
            "columns": [str(form.get(f"{key}h.{c}") or "").strip() for c in range(cols)],
            "align": [a if a in ALIGNS else "auto" for a in align],
            "rows": [[str(form.get(f"{key}c.{r}.{c}") or "") for c in range(cols)] for r in range(rows)]}


def _apply(op: str, sections: list[dict], values: dict) -> None:
    parts = op.split(":")
    what, at = parts[0], [int(p) for p in parts[1:] if p.isdigit()]
    if what == "add" and len(parts) == 2 and len(sections) < MAX_SECTIONS:
        new = {"text": {"type": "text", "text": ""}, "table": empty_table(),
               "image": {"type": "image", "blob": "", "caption": ""}}.get(parts[1])
        if new:
            sections.append(new)
        return
    if what == "clearpages":
        values["pages"], values["pdf"] = [], ""
        return
    if not at or not 0 <= at[0] < len(sections):
        return
    n = at[0]
    section = sections[n]
    if what == "up" and n > 0:
        sections[n - 1], sections[n] = sections[n], sections[n - 1]
    elif what == "del":
        del sections[n]
    elif section["type"] != "table":
        return
    elif what == "addrow" and len(section["rows"]) < MAX_ROWS:
        rows = section["rows"]
        at_end = len(rows) - 1 if rows and tables.row_label(rows[-1])[1] == "total" else len(rows)
        rows.insert(at_end, [""] * len(section["columns"]))  # above a closing 合计 row
    elif what == "delrow" and len(at) == 2 and 0 <= at[1] < len(section["rows"]):
        del section["rows"][at[1]]
    elif what == "addcol" and len(section["columns"]) < MAX_COLS:
        section["columns"].append("")
        section["align"].append("auto")
        for row in section["rows"]:
            row.append("")
    elif what == "delcol" and len(at) == 2 and 0 <= at[1] < len(section["columns"]) and len(section["columns"]) > 1:
        c = at[1]
        for cells in (section["columns"], section["align"], *section["rows"]):
            del cells[c]


def values_from(form) -> dict:
    """The posted form as values, with its button (`op`) applied."""
    values = {name: str(form.get(name) or "").strip() for name in TEXTS}
    values["pages"] = [p for p in (s.strip() for s in str(form.get("pages") or "").split(",")) if p]
    sections = [s for s in (_section(form, n) for n in range(_count(form, "blocks.count", MAX_SECTIONS))) if s]
    values["blocks"] = sections
    op = str(form.get("op") or "")
    if op:
        _apply(op, sections, values)
    return values


def _blank_row(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def table_block(section: dict) -> dict | None:
    """A table section as a Table block (blank rows and blank columns dropped); None when empty."""
    columns, rows, align = section["columns"], section["rows"], section["align"]
    keep = [c for c in range(len(columns)) if columns[c] or any(row[c].strip() for row in rows)]
    columns, align = [columns[c] for c in keep], [align[c] for c in keep]
    rows = [[row[c] for c in keep] for row in rows if not _blank_row(row)]
    if not columns:
        return None
    rows = tables.tidy_rows(columns, rows)
    numeric = tables.numeric_columns(len(columns), rows)
    align = [("right" if numeric[c] else "left") if a == "auto" else a for c, a in enumerate(align)]
    return {"type": "table", "caption": section["caption"], "columns": columns, "rows": rows, "align": align}


def document(values: dict, base: dict) -> tuple[dict, list[int]]:
    """(the disclosure document the values make over `base`, the form section of each block)."""
    doc = {k: base[k] for k in KEPT if k in base}
    doc.update({name: values[name] for name in TEXTS if name not in TIMES + DATES + ("pdf",)})
    doc.update(kind="disclosure", pages=list(values["pages"]))
    for name in TIMES:
        doc[name] = stored_time(values[name])
    for name in DATES:
        doc[name] = values[name] or None
    blocks, owner = [], []
    for n, section in enumerate(values["blocks"]):
        if section["type"] == "text":
            made = blocks_of(section["text"])
        elif section["type"] == "table":
            made = [b for b in [table_block(section)] if b]
        else:
            made = [{"type": "image", "blob": section["blob"], "caption": section["caption"]}] if section["blob"] else []
        blocks += made
        owner += [n] * len(made)
    doc["blocks"] = blocks
    return doc, owner


def form_field(field: str | None, doc: dict, owner: list[int]) -> str | None:
    """The form's name for a field hub.items refused: `blocks.4.table.columns.1` -> `blocks.2.h.1`."""
    if not field:
        return field
    parts = field.split(".")
    if field == "(document)":
        return "valid_to"
    if parts[0] != "blocks" or len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) >= len(owner):
        return field
    b = int(parts[1])
    n, rest = owner[b], parts[3:] if len(parts) > 2 else []
    if doc["blocks"][b]["type"] == "table" and rest[:1] == ["columns"] and len(rest) > 1:
        return f"blocks.{n}.h.{rest[1]}"
    if doc["blocks"][b]["type"] in ("image", "table") and rest[:1] == ["caption"]:
        return f"blocks.{n}.caption"
    return f"blocks.{n}.text" if doc["blocks"][b]["type"] in TEXT_BLOCKS else f"blocks.{n}"


def grid_state(values: dict) -> list[dict]:
    """Per section: a table's numeric columns, its totals problems {"r.c": expected} and the
    indexes of its totals and subtotal rows."""
    out = []
    for section in values["blocks"]:
        if section["type"] != "table":
            out.append({"numeric": [], "problems": {}, "totals": set()})
            continue
        live = [row for row in section["rows"] if not _blank_row(row)]
        index = [r for r, row in enumerate(section["rows"]) if not _blank_row(row)]
        found = tables.totals_problems(section["columns"], live)
        out.append({"numeric": tables.numeric_columns(len(section["columns"]), section["rows"]),
                    "problems": {f"{index[r]}.{c}": v for (r, c), v in found.items()},
                    "totals": {r for r, row in enumerate(section["rows"]) if tables.row_label(row)[1]}})
    return out


def previous_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"
