"""`BlockView`: the small block format of disclosures and notices (content.schemas: paragraph,
heading, list, table, image) as Kivy widgets.

    BlockView(blocks=item.blocks, blob_path=app.view.blob_path)

is a vertical BoxLayout whose height follows its content, to sit inside a vertical ScrollView;
set `.blocks` again to show other content. Content text is never markup: every text widget here
is a CJKLabel (markup off, Chinese wrapping, 避头尾). Sizes follow `app.text_unit` (elder mode);
tables recompute their column widths when the text size or the width changes.

A table wider than the room scrolls sideways in its own `HScrollView`. In Kivy 2.3.1 an inner
ScrollView keeps every touch that starts on it, so a vertical drag on a wide table would not
scroll the page (kivy#5617, #7182; a fix is proposed in kivy#9118): HScrollView hands a drag that
is mostly vertical back to the enclosing ScrollView.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.effects.scroll import ScrollEffect
from kivy.graphics import Color, Rectangle
from kivy.lang import Builder
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.widget import Widget
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView
from pydantic import TypeAdapter

from content.schemas import Block, Heading, ImageBlock, ListBlock, Paragraph, Table
from kiosk.theme import BORDER, TEXT, hex_rgba
from screens.cull import CullingColumn
from screens.text_label import font_px
from screens.text_piece import TextPiece
from screens.widgets import CJKLabel

HEADING_SCALE = {1: 1.45, 2: 1.22, 3: 1.08}
_NUMBER_RE = re.compile(r"^[-+−]?[¥￥]?\d[\d,]*(\.\d+)?\s*[%‰]?$")
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./:@+#%,]*")
_BLOCK = TypeAdapter(Block)
HEADER_BG = hex_rgba("#EFE4D6")   # table header row (TEXT on it: 13:1)
STRIPE_BG = hex_rgba("#FAF6F1")   # every other body row
MIN_TEXT_COLUMN_EM = 5.0   # a text column is not squeezed below this many characters


# ---- pure helpers (tested without Kivy widgets) ---------------------------------------------

def is_number(text: str) -> bool:
    """'1,630', '28,400.00', '-12.5', '96.2%' are numbers; '不低于700', '80周岁' are not."""
    return bool(_NUMBER_RE.match(text.strip()))


def column_alignments(table: Table) -> list[str]:
    """The table's own `align`, else right for columns whose every filled cell is a number."""
    if table.align:
        return list(table.align)
    aligns = []
    for col in range(len(table.columns)):
        cells = [row[col].strip() for row in table.rows if row[col].strip()]
        aligns.append("right" if cells and all(is_number(c) for c in cells) else "left")
    return aligns


def fit_columns(natural: Sequence[float], minimum: Sequence[float], grows: Sequence[bool],
                avail: float) -> list[float]:
    """Column widths for a table `avail` wide.

    Natural widths (every cell on one line) when they fit, the spare room going to the columns
    that `grow` (text); else the text columns shrink toward their minimum (their cells wrap),
    then the number columns (only their headers wrap), each in proportion to its slack; when
    even the minimum widths do not fit, the minimum widths: the table is then wider than
    `avail` and scrolls sideways.
    """
    natural = [max(n, m) for n, m in zip(natural, minimum)]
    total = sum(natural)
    if total <= avail:
        grow = [n if g else 0.0 for n, g in zip(natural, grows)]
        if not any(grow):
            grow = list(natural)
        share = sum(grow) or 1.0
        return [n + (avail - total) * g / share for n, g in zip(natural, grow)]
    widths, need = list(natural), total - avail
    for group in (list(grows), [not g for g in grows]):
        slack = [(w - m) if member else 0.0 for w, m, member in zip(widths, minimum, group)]
        room = sum(slack)
        if room <= 0:
            continue
        take = min(need, room)
        widths = [w - take * s / room for w, s in zip(widths, slack)]
        need -= take
        if need <= 1e-6:
            return widths
    return list(minimum)


# ---- widgets ----------------------------------------------------------------------------------

class BlockText(CJKLabel):
    """A paragraph (or caption, with `muted`)."""

    scale = NumericProperty(1.0)
    muted = BooleanProperty(False)


class BlockHeading(CJKLabel):
    level = NumericProperty(2)


class BlockListRow(BoxLayout):
    """One list item: the bullet or number in a fixed column, the text wrapping beside it."""

    marker = StringProperty("")
    text = StringProperty("")
    indent_em = NumericProperty(1.4)


class BlockImage(BoxLayout):
    source = StringProperty("")
    caption = StringProperty("")


class HScrollView(ScrollView):
    """Scrolls sideways only; a drag that is mostly vertical goes to the enclosing ScrollView.

    While this view's own state for the touch is still 'unknown' (not yet a scroll), a vertical
    travel beyond `scroll_distance` that exceeds the horizontal one releases the touch: from then
    on `on_scroll_move` answers False, so the parent ScrollView (which asks its children first)
    starts its own scroll with the same touch.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("do_scroll_x", True)
        kwargs.setdefault("do_scroll_y", False)
        kwargs.setdefault("effect_cls", ScrollEffect)  # stops at the edges: no springy overscroll
        super().__init__(**kwargs)

    def _released_key(self) -> str:
        return f"sv.released.{self.uid}"  # 'sv.' keeps the parent in its scroll handling

    def on_scroll_move(self, touch):
        if self._released_key() in touch.ud:
            return False
        state = touch.ud.get(self._get_uid())
        if state is not None and state["mode"] == "unknown" and self._touch is touch:
            dx = state["dx"] + abs(touch.dx)
            dy = state["dy"] + abs(touch.dy)
            if dy > self.scroll_distance and dy > dx:
                state["mode"] = "released"      # no click when the scroll timeout fires
                state["user_stopped"] = True
                touch.ud[self._released_key()] = True
                if self.effect_x:
                    self.effect_x.cancel()
                self._touch = None
                return False
        return super().on_scroll_move(touch)

    def on_scroll_stop(self, touch, check_children=True):
        if self._released_key() in touch.ud:
            self._touch = None
            return False
        return super().on_scroll_stop(touch, check_children)


class TableCell(TextPiece):
    """One cell: its text, drawn by its row (a TextPiece, not a widget: ~50 KB less a cell).
    `x` / `width` say where the row put it; it is as tall as its row."""

    def __init__(self, canvas, text: str, align: str, header: bool, shaded: bool):
        # a header cell is bold: a thin outline in the text colour (see widgets.BoldLabel)
        super().__init__(canvas, text, halign=align, color=TEXT, bold=header)
        self.header, self.shaded = header, shaded
        self.x = self.y = self.width = self.height = 0.0

    @property
    def right(self) -> float:
        return self.x + self.width


class TableRow(Widget):
    """One table row, drawing its cells' texts itself: as tall as its tallest text plus
    `pad_y` above and below; `header`/`shaded` choose its background (kv: drawn once behind
    all its cells). TableView gives the column widths (`fit`)."""

    pad_y = NumericProperty(0.0)
    header = BooleanProperty(False)
    shaded = BooleanProperty(False)
    spacing = 1  # px between cells: the table's column lines show through

    def __init__(self, texts: Sequence[str] = (), aligns: Sequence[str] = (), **kwargs):
        super().__init__(**kwargs)
        self.cells = [TableCell(self.canvas, text, align, self.header, self.shaded)
                      for text, align in zip(texts, aligns)]
        self._pad_x = 0.0
        self.fbind("pos", self._place)

    @property
    def labels(self) -> list[TableCell]:
        """The cells' texts (each cell draws its own)."""
        return self.cells

    def fit(self, widths: Sequence[float], pad_x: float, pad_y: float, font_size: float) -> None:
        """Wrap and render every cell for its column width; size the row to them."""
        self._pad_x, self.pad_y = pad_x, pad_y
        tallest = 0
        for cell, width in zip(self.cells, widths):
            cell.width = width
            tallest = max(tallest, cell.layout(font_size, width - 2 * pad_x)[1])
        self.size = (sum(widths) + self.spacing * max(0, len(self.cells) - 1),
                     tallest + 2 * pad_y)
        self._place()

    def _place(self, *_args) -> None:
        x, y, height, pad_x = self.x, self.y, self.height, self._pad_x
        for cell in self.cells:
            cell.x, cell.y, cell.height = x, y, height
            cell.place(x + pad_x, y, cell.width - 2 * pad_x, height)
            x += cell.width + self.spacing


class TableView(BoxLayout):
    """A table: caption, then the grid (header row shaded) in a sideways HScrollView.

    `font_size` comes from the kv rule (app.text_unit); column widths are recomputed when it or
    the width changes. `overflow` is True when the table is wider than the room (it scrolls).
    """

    font_size = NumericProperty(20.0)
    overflow = BooleanProperty(False)
    caption = StringProperty("")

    def __init__(self, table: Table, **kwargs):
        self._refit = Clock.create_trigger(self._fit, -1)
        self.table = table
        self.aligns = column_alignments(table)
        self.rows: list[TableRow] = []
        super().__init__(**kwargs)
        self.caption = table.caption
        grid = self.ids.grid
        self.rows.append(TableRow(table.columns, self.aligns, header=True, shaded=True))
        for i, row in enumerate(table.rows):
            self.rows.append(TableRow(row, self.aligns, shaded=bool(i % 2)))
        for table_row in self.rows:
            grid.add_widget(table_row)
        self._place_lines = Clock.create_trigger(self._draw_column_lines, -1)
        with grid.canvas.after:  # the vertical lines between columns, once for the table
            Color(*BORDER)
            self._column_lines = [Rectangle(size=(0, 0)) for _ in self.aligns[1:]]
        grid.fbind("pos", self._place_lines)
        grid.fbind("size", self._place_lines)
        self.fbind("width", self._refit)
        self.fbind("font_size", self._refit)
        self._fit()

    def _draw_column_lines(self, *_):
        grid, header = self.ids.grid, self.rows[0]
        header._place()  # (the grid may have moved it in this very frame)
        gap = header.spacing
        for line, cell in zip(self._column_lines, header.cells):
            line.pos = (cell.right, grid.y + grid.padding[3])
            line.size = (gap, max(0, grid.height - grid.padding[1] - grid.padding[3]))

    def _fit(self, *_):
        font_size = self.font_size
        pad_x = font_size * 0.45
        measurer = CoreLabel(font_size=font_px(font_size))  # the size the cells render at
        cache: dict[str, float] = {}

        def width_of(text: str) -> float:
            if text not in cache:
                cache[text] = measurer.get_extents(text)[0] if text else 0.0
            return cache[text]

        natural, minimum, grows = [], [], []
        extra = 2 * pad_x + font_size * 0.5
        for col, align in enumerate(self.aligns):
            header, cells = self.table.columns[col], [r[col] for r in self.table.rows]
            lines = [line for t in [header] + cells for line in t.split("\n")]
            natural.append(max(width_of(line) for line in lines) + extra)
            numeric = align == "right" and all(is_number(c) or not c.strip() for c in cells)
            if numeric:  # numbers stay on one line; only the header may wrap
                low = max([width_of(c) for c in cells] + [font_size * 2])
            else:
                tokens = [tok for t in [header] + cells for tok in _TOKEN_RE.findall(t)]
                longest = max((width_of(tok) for tok in tokens), default=0.0)
                low = max(longest, min(natural[-1] - extra, font_size * MIN_TEXT_COLUMN_EM))
            minimum.append(low + extra)
            grows.append(not numeric)
        grid = self.ids.grid
        border = grid.padding[0] + grid.padding[2]
        gaps = TableRow.spacing * (len(self.aligns) - 1)
        avail = max(1.0, self.width - border - gaps)
        widths = fit_columns(natural, minimum, grows, avail)
        for table_row in self.rows:
            table_row.fit(widths, pad_x, font_size * 0.35, font_size)
        grid.width = sum(widths) + gaps + border
        self._place_lines()
        self.overflow = grid.width > self.width + 0.5

    def column_labels(self, col: int) -> list[TableCell]:
        """Every label of column `col`, header first (tests check alignment)."""
        return [r.labels[col] for r in self.rows]


class BlockView(CullingColumn):  # a BoxLayout; in a CullingScroll, unseen blocks are not drawn
    """Renders `blocks` (content.schemas blocks, or their dicts) one under another."""

    blocks = ListProperty([])
    blob_path = ObjectProperty(None, allownone=True)  # sha256 -> path of an image blob

    def __init__(self, **kwargs):
        load_kv()
        kwargs.setdefault("orientation", "vertical")
        self.block_widgets: list = []
        super().__init__(**kwargs)
        self.fbind("blocks", self._build)
        self.fbind("blob_path", self._build)
        self._build()

    def _build(self, *_):
        self.clear_widgets()
        self.block_widgets = []
        for block in self.blocks:
            if isinstance(block, dict):
                block = _BLOCK.validate_python(block)
            widget = self._widget_for(block)
            if widget is not None:
                self.block_widgets.append(widget)
                self.add_widget(widget)

    def _widget_for(self, block):
        if isinstance(block, Paragraph):
            return BlockText(plain_text=block.text)
        if isinstance(block, Heading):
            return BlockHeading(plain_text=block.text, level=block.level)
        if isinstance(block, ListBlock):
            return _list_widget(block)
        if isinstance(block, Table):
            return TableView(block)
        if isinstance(block, ImageBlock):
            source = str(self.blob_path(block.blob)) if self.blob_path is not None else ""
            return BlockImage(source=source, caption=block.caption)
        return None

    def tables(self) -> list[TableView]:
        return [w for w in self.block_widgets if isinstance(w, TableView)]


def _list_widget(block: ListBlock) -> BoxLayout:
    box = BlockList()
    width = len(str(len(block.items))) + 1.2 if block.ordered else 1.4
    for n, text in enumerate(block.items, 1):
        marker = f"{n}." if block.ordered else "•"
        box.add_widget(BlockListRow(marker=marker, text=text, indent_em=width))
    return box


class BlockList(BoxLayout):
    pass


KV_PATH = Path(__file__).with_suffix(".kv")


def load_kv() -> None:
    """Load the block rules once (BlockView does it on first use)."""
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))
