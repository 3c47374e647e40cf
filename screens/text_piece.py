"""`TextPiece`: a text drawn by the widget that holds it, with no widget of its own.

A widget showing several texts side by side (a table row's cells) draws each with a piece:
wrapped by content.linebreak like CJKLabel (same measurer, same slack), rendered through the
same core label options as TextLabel (screens.text_label.text_options: the very pixels), and
placed by its owner. A CJKLabel in an AnchorLayout cell was ~50 KB of widgets, properties and
bindings; a piece is its texture and two canvas instructions (docs/benchmarks.md, "Memory,
session 5").
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT
from kivy.graphics import Color, Rectangle
from kivy.properties import NumericProperty
from kivy.uix.widget import Widget

from content.linebreak import fit_lines
from screens.cjk_label import SLACK_PX, _Measurer
from screens.text_label import MIN_FONT_PX, aligned_pos, font_px, render_text, text_options


def bold_outline(font_size: float) -> int:
    """The outline that thickens a 'bold' text (the Chinese font has no bold face)."""
    return max(1, int(font_size / 40))


class TextPiece:
    """`plain_text` wrapped to a width and drawn at a position the owner gives.

    `text` is what is drawn (the wrapped lines joined by newlines), `texture_size` its size.
    Lines align by `halign` inside the texture; `place` puts the texture in a box by `halign`,
    centred vertically."""

    def __init__(self, canvas, plain_text: str, halign: str = "left", color=(0, 0, 0, 1),
                 bold: bool = False, kivy_wraps: bool = False, max_lines: int = 0):
        self.plain_text = plain_text
        self.max_lines = max_lines  # 0: as many as it takes; else cut with "…" (fit_lines)
        # kivy_wraps: Kivy's own wrapping in a box `width` wide (a short label in a fixed
        # column, as a Label with text_size did), not content.linebreak's
        self.kivy_wraps = kivy_wraps
        self.halign = halign
        self.color = tuple(color)  # (set a new one before the next layout)
        self.bold = bold
        self.font_size = 0.0
        self.font_name = DEFAULT_FONT
        self.lines: list[str] = []
        self.text = ""
        self.texture = None
        self.texture_size = (0, 0)
        self._key: tuple | None = None
        canvas.add(Color(1, 1, 1, 1))  # (a Canvas or an InstructionGroup)
        self._rect = Rectangle(size=(0, 0))
        canvas.add(self._rect)

    def layout(self, font_size: float, width: float) -> tuple[int, int]:
        """Wrap to `width` px at `font_size` and render (only when either changed)."""
        self.font_size = font_size
        key = (self.plain_text, self.color, font_px(font_size), round(width, 1))
        if key == self._key:
            return self.texture_size
        self._key = key
        outline = bold_outline(font_size) if self.bold else None
        if self.kivy_wraps:
            self.text, text_size = self.plain_text, (width, None)
            self.lines = self.text.split("\n")
        else:
            measure = _Measurer.get(self.font_name, font_size, outline)
            self.lines = fit_lines(self.plain_text, measure, max(1.0, width - SLACK_PX),
                                   self.max_lines)
            self.text, text_size = "\n".join(self.lines), (None, None)
        if not self.text or font_px(font_size) < MIN_FONT_PX:
            self.texture, self.texture_size = None, (0, 0)
        else:
            options = text_options(self.text, font_size, font_name=self.font_name,
                                   color=self.color, halign=self.halign, valign="top",
                                   text_size=text_size, outline_width=outline,
                                   outline_color=self.color[:3])
            self.texture, _shortened = render_text(options, self.texture)
            self.texture_size = tuple(self.texture.size) if self.texture is not None else (0, 0)
        rect = self._rect
        rect.texture = self.texture
        rect.size = self.texture_size
        return self.texture_size

    def place(self, x: float, y: float, width: float, height: float) -> None:
        """Draw in the box (x, y, width, height): by `halign` across, centred up and down."""
        text_width, text_height = self.texture_size
        self._rect.pos = aligned_pos(x, y, width, height, text_width, text_height, self.halign,
                                     "middle")


class PieceRow(Widget):
    """A widget made of texts it draws itself (a detail row, a room card...).

    Subclasses list their text properties in `WATCH` and define `build(canvas)` (make the
    pieces and any shapes), `pieces()`, `layout_texts()` (wrap and render for the current width,
    set the height, then place) and `place_texts()` (put everything where it goes). A change of
    a watched property, the width or a unit lays the texts out again, once per frame; a move
    only places them. `t` / `u` are app.text_unit / app.ui_unit (set by each kv rule).
    """

    t = NumericProperty(1.0)
    u = NumericProperty(1.0)
    WATCH: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        self._relayout = Clock.create_trigger(self.layout_texts, -1)
        super().__init__(**kwargs)
        self.build(self.canvas)
        for prop in self.WATCH + ("t", "u", "width"):
            self.fbind(prop, self._relayout)
        self.fbind("pos", self.place_texts)
        self.layout_texts()
