"""`TextLabel`: the drawing of a Kivy Label without its weight — the base of every text here.

A Kivy `Label` is ~50 KiB of Python objects: ~60 properties each with per-instance storage,
~38 property bindings, a kv rule with its watchers and a core label kept for good. A terminal
holds ~500 texts across its screens, so Labels alone were ~25 MB of the app's memory
(docs/benchmarks.md). A text on this terminal needs a dozen of those properties; `TextLabel` is a
plain Widget with just them (~18 KiB) that renders through the same core label provider (with
its grey-text and surface fixes: kiosk/text_textures.py, kiosk/window.py), so it draws the very
same pixels.

What differs from Kivy's Label, on purpose:
- Markup is never interpreted (`markup` is always False): content text is shown literally.
- The texture is placed by `halign` / `valign` in the widget (Kivy centres it). With a
  `text_size` as wide as the widget (the usual wrapped or shortened text) that is the same
  picture; a text without `text_size` sits where its alignment says. The defaults ('auto')
  centre it, as Kivy does, and lay the text out as Kivy's defaults do.
- The core label lives only until its texture is filled (Kivy fills text textures lazily, at the
  first draw), not for the widget's life.
- `disabled` does not grey the text (no resident-facing text here is ever disabled).
- Recycled list rows draw cached textures instead (screens.text_cache.CachedPiece).
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT
from kivy.graphics import Color, Rectangle
from kivy.properties import (BooleanProperty, ColorProperty, ListProperty, NumericProperty,
                             ObjectProperty, OptionProperty, StringProperty,
                             VariableListProperty)
from kivy.uix.widget import Widget

# the properties that shape the texture (each one re-renders the text when it changes)
RENDER_PROPERTIES = ("text", "font_size", "font_name", "color", "halign", "valign", "padding",
                     "text_size", "shorten", "shorten_from", "line_height", "max_lines",
                     "outline_width", "outline_color")


# where Kivy's Label defaults differ from its core label's (split_str: shorten at any
# character, not at the last space)
LABEL_DEFAULTS = {"split_str": "", "font_script_name": "Latn", "font_features": ""}


EVEN_FROM_PX = 20  # from this size up, texts render at even sizes only (see font_px)
MIN_FONT_PX = 6  # smaller texts are not drawn (nobody reads them; see texture_update)


def font_px(font_size: float) -> int:
    """The size SDL_ttf renders: it opens fonts at whole sizes (17.9 draws as 17), but Kivy keys
    its open fonts by the size as given, so 17.3 and 17.9 each held a ~300 KiB face of their own
    (54 faces after a walk through every screen, 38 distinct sizes). Whole sizes share them."""
    px = max(1, int(font_size))
    # and from 20 px up, even sizes only: 31 draws as 30 (3 % smaller, no one sees it) and the
    # app opens about a quarter fewer faces (docs/benchmarks.md, "Memory, session 5")
    return px - (px & 1) if px >= EVEN_FROM_PX else px


def core_label_class():
    """The core label class labels render with (kiosk.text_textures swaps in its own)."""
    import kivy.uix.label as uix_label

    return uix_label.CoreLabel


def text_options(text: str, font_size: float, *, font_name: str = DEFAULT_FONT,
                 color=(1, 1, 1, 1), halign: str = "auto", valign: str = "auto",
                 padding=(0, 0, 0, 0), text_size=(None, None), shorten: bool = False,
                 shorten_from: str = "center", line_height: float = 1.0, max_lines: int = 0,
                 outline_width: int | None = None, outline_color=(0, 0, 0, 1)) -> dict:
    """The core label's arguments for a text styled with Label's names (TextLabel and the
    texts widgets draw themselves, screens.text_piece, render through this)."""
    return {
        "text": text, "font_size": font_px(font_size), "font_name": font_name,
        "color": tuple(color), "halign": halign,
        "valign": {"auto": "bottom", "center": "middle"}.get(valign, valign),
        "padding": list(padding), "text_size": (text_size[0], text_size[1]),
        "shorten": shorten, "shorten_from": shorten_from,
        "line_height": line_height, "max_lines": int(max_lines),
        "outline_width": outline_width, "outline_color": tuple(outline_color),
        **LABEL_DEFAULTS,
    }


def aligned_pos(x: float, y: float, box_width: float, box_height: float, width: float,
                height: float, halign: str, valign: str) -> tuple[int, int]:
    """Where a texture `width` x `height` goes in a box, by a Label's halign / valign (the
    'auto' defaults centre it), in whole pixels as Kivy rounds: centre, then half."""
    if halign == "right":
        x += box_width - width
    elif halign != "left" and halign != "justify":
        x = (x + box_width / 2.0) - width / 2.0
    if valign == "top":
        y += box_height - height
    elif valign != "bottom":
        y = (y + box_height / 2.0) - height / 2.0
    return int(x), int(y)


def render_text(options: dict, texture=None):
    """Render core label `options`; refills `texture` in place when its size and format still
    fit (a new GL texture costs as much again as the text on llvmpipe). Returns the texture
    (None for nothing to draw) and whether the text was shortened."""
    core = core_label_class()(**options)
    if texture is not None and texture is not core.texture_1px:
        core.texture = texture
    core.refresh()
    result = core.texture
    return (None if result is core.texture_1px else result), core.is_shortened


class TextLabel(Widget):
    """A text: set `text`, style it with Label's names; `texture` / `texture_size` follow."""

    text = StringProperty("")
    font_size = NumericProperty("15sp")
    font_name = StringProperty(DEFAULT_FONT)
    color = ColorProperty([1, 1, 1, 1])
    halign = OptionProperty("auto", options=("auto", "left", "center", "right", "justify"))
    valign = OptionProperty("auto", options=("auto", "bottom", "middle", "center", "top"))
    padding = VariableListProperty([0, 0, 0, 0], length=4)
    text_size = ListProperty([None, None])
    shorten = BooleanProperty(False)
    shorten_from = OptionProperty("center", options=("left", "center", "right"))
    line_height = NumericProperty(1.0)
    max_lines = NumericProperty(0)
    outline_width = NumericProperty(None, allownone=True)
    outline_color = ColorProperty([0, 0, 0, 1])

    texture = ObjectProperty(None, allownone=True)
    texture_size = ListProperty([0, 0])
    is_shortened = BooleanProperty(False)

    markup = False  # never: content text is shown literally (DESIGN.md)

    def __init__(self, **kwargs):
        self._trigger_texture = Clock.create_trigger(self.texture_update, -1)
        super().__init__(**kwargs)
        with self.canvas:
            Color(1, 1, 1, 1)
            self._rect = Rectangle(texture=None, size=(0, 0))
        trigger = self._trigger_texture
        fbind = self.fbind
        for name in RENDER_PROPERTIES:
            fbind(name, trigger)
        fbind("pos", self._place)
        fbind("size", self._place)
        self._trigger_texture()

    # ---- rendering ----------------------------------------------------------------------------

    def core_options(self) -> dict:
        """The core label's arguments for the current properties."""
        text_size = self.text_size
        return text_options(
            self.text, self.font_size, font_name=self.font_name, color=self.color,
            halign=self.halign, valign=self.valign, padding=self.padding,
            text_size=(text_size[0], text_size[1]), shorten=self.shorten,
            shorten_from=self.shorten_from, line_height=self.line_height,
            max_lines=self.max_lines, outline_width=self.outline_width,
            outline_color=self.outline_color)

    def make_core(self):
        """A core label set up like this text (one per render; tests read its line layout)."""
        return core_label_class()(**self.core_options())

    def texture_update(self, *_args) -> None:
        """Render the text now (normally triggered before the next frame)."""
        if not self.text or font_px(self.font_size) < MIN_FONT_PX:
            # (a size this small is a layout not settled yet — a tile title fitted to a width
            # still 0: rendering it would open a font face of its own, ~300 KiB, for nothing)
            self.texture = None
            self.texture_size = (0, 0)
            self.is_shortened = False
            self._place()
            return
        core = core_label_class()(**self.core_options())
        own = self.texture
        if own is not None and own is not core.texture_1px:
            # refilled in place when size and format still fit, as Kivy's Label does: making a
            # new GL texture costs as much again as rendering the text (llvmpipe)
            core.texture = own
        core.refresh()
        texture = core.texture
        self.texture = texture
        self.texture_size = list(texture.size) if texture is not None else [0, 0]
        self.is_shortened = core.is_shortened
        self._place()

    # ---- drawing ------------------------------------------------------------------------------

    def _place(self, *_args) -> None:
        texture = self.texture
        width, height = self.texture_size if texture is not None else (0, 0)
        rect = self._rect
        if rect.texture is not texture:
            rect.texture = texture
        if rect.size != (width, height):
            rect.size = (width, height)
        # from x/y/width/height, never center_x/top: those aliases are cached and may be updated
        # after us when x or y changes (and never pos/size: reading one builds a new list)
        pos = aligned_pos(self.x, self.y, self.width, self.height, width, height, self.halign,
                          self.valign)
        if rect.pos != pos:
            rect.pos = pos
