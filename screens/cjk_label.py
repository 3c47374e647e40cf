"""`CJKLabel`: the one widget every screen uses for content text (Chinese, mixed with Latin and
numbers). Lines are broken by `content.linebreak` (CJK breaks, whole words and numbers, 避头尾),
measured with Kivy's own core label in the label's font, so Kivy never has to break them again.
Markup is always off: content text is shown literally (DESIGN.md).
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty

from content.linebreak import fit_lines
from screens.text_label import TextLabel, font_px

# Kivy lays a line out with integer widths and measures it in its own pieces; our lines are
# measured whole. A pixel or two of slack keeps a line we call fitting from being re-broken
# by Kivy (tests/test_linebreak.py checks Kivy keeps our lines on real text).
SLACK_PX = 2


class _Measurer:
    """Width of a string in one font at one size, cached (a label re-wraps on every resize)."""

    _by_font: dict[tuple, "_Measurer"] = {}
    MAX_FONTS = 64
    MAX_WIDTHS = 20_000

    def __init__(self, font_name: str, font_size: float, outline_width: int | None = None):
        # an outline (the faux bold of headings) widens every line by twice its width
        self._label = CoreLabel(font_name=font_name, font_size=font_size,
                                outline_width=outline_width)
        self._widths: dict[str, float] = {}

    @classmethod
    def get(cls, font_name: str, font_size: float,
            outline_width: int | None = None) -> "_Measurer":
        size = font_px(font_size)  # what is drawn (screens.text_label.font_px)
        key = (font_name, size, outline_width or None)
        found = cls._by_font.get(key)
        if found is None:
            if len(cls._by_font) >= cls.MAX_FONTS:
                cls._by_font.clear()
            found = cls._by_font[key] = cls(font_name, size, outline_width or None)
        return found

    def __call__(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) >= self.MAX_WIDTHS:
                self._widths.clear()
            width = self._widths[text] = self._label.get_extents(text)[0]
        return width


def text_width_of(label: TextLabel):
    """The measure function `content.linebreak` needs, for `label`'s font and size."""
    return _Measurer.get(label.font_name, label.font_size, label.outline_width)


class CJKLabel(TextLabel):
    """A label for Chinese text: set `plain_text`, it wraps to the label's width.

    `max_lines` (0 = unlimited) cuts with "…". `lines` holds the wrapped lines. Markup is
    always off. The kv rule sizes the label to its text (height follows the lines).
    """

    plain_text = StringProperty("")
    max_lines = NumericProperty(0)

    def __init__(self, **kwargs):
        self._rewrap = Clock.create_trigger(self._wrap, -1)
        self.lines: list[str] = []
        super().__init__(**kwargs)
        for prop in ("plain_text", "max_lines", "width", "padding", "font_size", "font_name",
                     "outline_width"):
            self.fbind(prop, self._rewrap)
        self._rewrap()

    def line_limit(self) -> float:
        """The widest line (px) that Kivy lays out unbroken in this label."""
        return max(1.0, self.width - self.padding[0] - self.padding[2] - SLACK_PX)

    def _wrap(self, *_args) -> None:
        self.lines = fit_lines(self.plain_text, text_width_of(self), self.line_limit(),
                               int(self.max_lines))
        self.text = "\n".join(self.lines)


KV_NAME = "screens/cjk_label.kv"  # a pseudo file name, so the rule loads once

# The lines are ours, so Kivy gets no text_size and never wraps again: it measures each line
# once and makes a texture just as wide as the widest line, not as wide as the label — fewer
# pixels to blend every frame in software GL. TextLabel places the texture by halign/valign.
KV = """
<CJKLabel>:
    # (with a line_height, Kivy spaces a text_size-less text differently: keep its old layout)
    text_size: (None, None) if self.line_height == 1 else (self.width, None)
    size_hint_y: None
    height: self.texture_size[1]
    halign: 'left'
    valign: 'top'
"""


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)
