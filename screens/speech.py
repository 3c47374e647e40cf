"""What 朗读 reads on each screen, as plain text: pure functions of content items and of the
lines a screen shows. No Kivy, no app: tests call them directly (tests/test_speech.py).

Every part becomes a sentence ending in 。 (espeak-ng pauses there); the fixed words come from
the gettext catalog (kiosk.i18n). Content text is passed on as it is: espeak-ng runs without
`-m`, so "<b>" or "[b]" in a notice is read out, never interpreted. Numbers stay as shown here;
kiosk.tts writes them out in Chinese words just before speaking (1,200.00 -> 一千二百点零零).

A table is read row by row, each cell with its column's name, so a listener can follow:
"第1行：项目 办公用品，金额 1,200.00 元" (a column "金额（元）" lends its unit to its numbers).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from pydantic import TypeAdapter

from content.schemas import (Block, Centre, Guide, Heading, ImageBlock, ListBlock, Paragraph,
                             Table)
from kiosk.i18n import N_, _

ORIGINAL_OR_COPY = {
    "original": N_("original"),
    "copy": N_("photocopy"),
    "original_and_copy": N_("original and photocopy"),
}
AFTER_TAKING = N_("After taking a number, please wait in the lobby and watch the calling screen.")
SENTENCE_ENDS = "。！？!?…"
_BLOCK = TypeAdapter(Block)
_UNIT_RE = re.compile(r"^(?P<name>.*?\S)\s*[（(]\s*(?P<unit>[^（）()\s]{1,4})\s*[）)]$")
_NUMBER_RE = re.compile(r"^[-+−]?[¥￥]?\d[\d,]*(\.\d+)?$")


def sentences(parts: Iterable[str]) -> str:
    """The non-empty `parts` as one text, each a sentence (。 added where none ends it)."""
    out = []
    for part in parts:
        for line in part.splitlines():
            line = line.strip().rstrip("，,；;：:、")
            if line:
                out.append(line if line[-1] in SENTENCE_ENDS else line + "。")
    return "".join(out)


def clause(text: str) -> str:
    """A shown line as one spoken clause: "等候 6 人 · 约 18 分钟" -> "等候 6 人，约 18 分钟"."""
    return text.replace(" · ", "，").replace("\n", "，").strip()


# ---- blocks (notices, disclosures) ------------------------------------------------------------

def _column(header: str) -> tuple[str, str]:
    """A column header as (name, unit): "金额（元）" -> ("金额", "元"); "项目" -> ("项目", "")."""
    match = _UNIT_RE.match(header.strip())
    return (match["name"], match["unit"]) if match else (header.strip(), "")


def table_row_text(columns: list[str], row: list[str]) -> str:
    """One row as "name value" pairs: "项目 办公用品，金额 1,200.00 元"; empty cells are left out."""
    pairs = []
    for header, cell in zip(columns, row):
        value = clause(cell)
        if not value:
            continue
        name, unit = _column(header)
        if unit and _NUMBER_RE.match(value):
            pairs.append(f"{name} {value} {unit}".strip())
        else:
            pairs.append(f"{clause(header)} {value}".strip())
    return "，".join(pairs)


def table_sentences(table: Table) -> list[str]:
    """The caption (with the number of rows), then every row that has a filled cell."""
    count = len(table.rows)
    if table.caption.strip():
        out = [_("Table: {caption}, {count} rows").format(caption=clause(table.caption),
                                                          count=count)]
    else:
        out = [_("Table, {count} rows").format(count=count)]
    for number, row in enumerate(table.rows, 1):
        cells = table_row_text(table.columns, row)
        if cells:
            out.append(_("Row {number}: {cells}").format(number=number, cells=cells))
    return out


def block_sentences(block) -> list[str]:
    """What one block says (a dict is read as the block it describes); [] when nothing."""
    if isinstance(block, dict):
        block = _BLOCK.validate_python(block)
    if isinstance(block, (Paragraph, Heading)):
        return [block.text]
    if isinstance(block, ListBlock):
        if block.ordered:
            return [_("Item {number}: {text}").format(number=n, text=text)
                    for n, text in enumerate(block.items, 1)]
        return list(block.items)
    if isinstance(block, Table):
        return table_sentences(block)
    if isinstance(block, ImageBlock) and block.caption.strip():
        return [_("Picture: {caption}").format(caption=block.caption)]
    return []


def blocks_sentences(blocks) -> list[str]:
    return [s for block in blocks for s in block_sentences(block)]


def notice_speech(title: str, date_line: str, blocks) -> str:
    """通知公告: title, date, every block in order."""
    return sentences([title, date_line, *blocks_sentences(blocks)])


def disclosure_speech(title: str, lines: Iterable[str], blocks) -> str:
    """A disclosure: title, the lines under it (publisher, period, 公示期), every block."""
    return sentences([title, *lines, *blocks_sentences(blocks)])


# ---- guides -----------------------------------------------------------------------------------

def material_detail(material) -> str:
    """"1份 · 原件及复印件"."""
    return _("{count} copies").format(count=material.copies) + " · " + \
        _(ORIGINAL_OR_COPY[material.original_or_copy])


def guide_speech(guide: Guide) -> str:
    """办事指南: title, summary, the materials and where to go."""
    parts = [guide.title, guide.summary]
    if guide.materials:
        items = "；".join(f"{m.name}，{clause(material_detail(m))}" for m in guide.materials)
        parts.append(_("Required materials: {items}").format(items=items))
    if guide.location:
        parts.append(_("Where to apply: {location}").format(location=guide.location))
    return sentences(parts)


# ---- the centre -------------------------------------------------------------------------------

def duty_text(role: str, name: str, phone: str) -> str:
    if phone.strip():
        return _("{role} {name}, phone {phone}").format(role=role, name=name, phone=phone)
    return f"{role} {name}"


def centre_speech(centre: Centre | None, today: dt.date) -> str:
    """中心导览: name, address, phone, hours, today's duty roster, the rooms with floor and hours."""
    if centre is None:
        return ""
    parts = [centre.name]
    if centre.address:
        parts.append(_("Address: {address}").format(address=centre.address))
    if centre.phone:
        parts.append(_("Phone: {phone}").format(phone=centre.phone))
    parts.extend(centre.hours)
    duty = centre.duty_on(today)
    if duty:
        people = "；".join(duty_text(d.role, d.name, d.phone) for d in duty)
        parts.append(_("On duty today: {people}").format(people=people))
    else:
        parts.append(_("No duty roster for today"))
    if centre.rooms:
        parts.append(_("Rooms ({count})").format(count=len(centre.rooms)))
    for room in centre.rooms:
        where = f"{room.name}，{room.floor}" if room.floor.strip() else room.name
        hours = _("Opening hours: {hours}").format(hours=room.hours) if room.hours else ""
        parts.append("，".join(p for p in (where, hours) if p))
    return sentences(parts)


# ---- 取号 -------------------------------------------------------------------------------------

def services_speech(heading: str, note: str, rows: Iterable[tuple[str, str, str]]) -> str:
    """取号, the list: the heading, a note (loading, offline), then each service as
    (code, name, what the screen says of it: waiting and estimate, or why it is closed)."""
    parts = [heading, note]
    parts.extend("，".join(p for p in (f"{code} {name}".strip(), clause(state)) if p)
                 for code, name, state in rows)
    return sentences(parts)


def confirm_speech(service_name: str, waiting: str, card_prompt: str, error: str = "") -> str:
    """取号, the confirmation: the service, the queue, what follows, the ID card prompt."""
    return sentences([service_name, clause(waiting), _(AFTER_TAKING), card_prompt, error])


def ticket_speech(number: str, service_name: str, ahead: str, print_text: str) -> str:
    """取号, the ticket: "您的号码 A012，综合受理，您前面还有 6 人等候。" and what the printer did."""
    head = "，".join(p for p in (f"{_('Your number')} {number}", service_name, clause(ahead)) if p)
    return sentences([head, print_text])
