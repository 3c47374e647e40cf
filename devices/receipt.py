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

from content.linebreak import wrap_cjk

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


def wrap(text: str, cells: int) -> list[str]:
    """Break `text` into lines of at most `cells` half-width cells, with the screens' rules
    (content.linebreak: breaks between Chinese characters, Latin words and numbers whole, 避头尾).
    Newlines in `text` are kept."""
    return wrap_cjk(text, text_cells, max(cells, 4))
