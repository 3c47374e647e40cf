"""One receipt layout, rendered two ways: ESC/POS bytes (devices.escpos_encode) and a PNG preview
(devices.receipt_png).

A receipt is a list of blocks: text (size 1-3, bold, align), QR, rule, feed, cut. Widths are in
printer dots: 58 mm paper prints 384 dots, 80 mm 576 dots. With the printers' font A a
half-width character is 12 dots wide and a Chinese character 24, times the size multiplier.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Union

Align = Literal["left", "center", "right"]

DOTS = {58: 384, 80: 576}
CHAR_W = 12  # font A, half-width
CHAR_H = 24


@dataclass(frozen=True)
class Text:
    text: str
    size: int = 1  # 1..3: width and height multiplier
    bold: bool = False
    align: Align = "left"

    def __post_init__(self):
        if self.size not in (1, 2, 3):
            raise ValueError(f"text size must be 1, 2 or 3, not {self.size}")


@dataclass(frozen=True)
class QR:
    data: str
    module: int = 6  # dots per QR module (1..16)
    align: Align = "center"


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Union[Text, QR, Rule, Feed, Cut]


@dataclass
class Receipt:
    blocks: list[Block] = field(default_factory=list)
    paper_mm: int = 80

    @property
    def width_dots(self) -> int:
        return DOTS[self.paper_mm]

    def add(self, *blocks: Block) -> "Receipt":
        self.blocks.extend(blocks)
        return self


def char_width(ch: str) -> int:
    """Width of one character in half-width cells (Chinese and full-width punctuation: 2)."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_cells(text: str) -> int:
    return sum(char_width(c) for c in text)


# Lines may not start with these (避头尾, the same rules the screens use) ...
NO_START = set("，。、；：？！）》」』】”’…%,.;:?!)]}")
# ... nor end with these.
NO_END = set("（《「『【“‘([{")


def wrap(text: str, cells: int) -> list[str]:
    """Break `text` into lines of at most `cells` half-width cells.

    Breaks between Chinese characters, keeps runs of Latin letters/digits together (unless a
    run is longer than a line), and keeps the 避头尾 rules by moving one character across the
    break. Newlines in `text` are kept.
    """
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(_wrap_para(para, max(cells, 4)))
    return out


def _tokens(para: str) -> list[str]:
    tokens, run = [], ""
    for ch in para:
        if ch.isascii() and (ch.isalnum() or ch in "-_./:@%#+"):
            run += ch
            continue
        if run:
            tokens.append(run)
            run = ""
        tokens.append(ch)
    if run:
        tokens.append(run)
    return tokens


def _wrap_para(para: str, cells: int) -> list[str]:
    if not para:
        return [""]
    lines: list[str] = []
    line = ""
    for tok in _tokens(para):
        if text_cells(line + tok) <= cells:
            line += tok
            continue
        if text_cells(tok) > cells:  # a run longer than a line: hard-break it
            for ch in tok:
                if text_cells(line + ch) > cells:
                    lines.append(line)
                    line = ""
                line += ch
            continue
        if tok.strip() == "":
            lines.append(line)
            line = ""
            continue
        if tok[0] in NO_START and line:
            # pull the last character down with the punctuation (避头)
            lines.append(line[:-1])
            line = line[-1] + tok
            continue
        if line and line[-1] in NO_END:
            lines.append(line[:-1])  # an opening bracket goes to the next line (避尾)
            line = line[-1] + tok
            continue
        lines.append(line)
        line = tok.lstrip() if tok.isspace() else tok
    lines.append(line)
    return [ln.rstrip() for ln in lines]
