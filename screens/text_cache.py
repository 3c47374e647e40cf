"""`CachedPiece`: a text a widget draws that reuses the texture of text it (or a sibling) drew
before.

The rows of the guide list are recycled (RecycleView): as a resident types, the same titles
move from row to row, and each move made Kivy render the text again (SDL_ttf, then a texture
upload) — most of the Python work of a keystroke. Textures are kept by everything that shapes
them (text and every option of Kivy's core label: font, size, colour, text_size, alignment,
shortening...), so a hit draws exactly what a fresh render would. The cache is bounded by the
bytes of its textures (they live in the GL driver's memory) and forgets the least recent.

A texture in the cache is never drawn into again: a miss renders into a new texture
(screens.text_label.render_text). The bound counts real bytes (grey text is 2 a pixel).
"""
from __future__ import annotations

from collections import OrderedDict

from kivy.graphics import Color, Rectangle

from screens.text_label import MIN_FONT_PX, aligned_pos, font_px, render_text, text_options

MAX_BYTES = 6 * 1024 * 1024


def _frozen(value):
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _bytes(texture, size) -> int:
    """Bytes of a texture: grey text is luminance+alpha (kiosk/text_textures.py), 2 a pixel."""
    return size[0] * size[1] * (4 if texture.colorfmt == "rgba" else 2)


class TextureCache:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict = OrderedDict()  # key -> (texture, size, is_shortened)

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key, texture, is_shortened: bool) -> None:
        size = tuple(texture.size)
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= _bytes(old[0], old[1])
        self._entries[key] = (texture, size, is_shortened)
        self.bytes += _bytes(texture, size)
        while self.bytes > self.max_bytes and len(self._entries) > 1:
            _key, (old_texture, old_size, _short) = self._entries.popitem(last=False)
            self.bytes -= _bytes(old_texture, old_size)

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0


CACHE = TextureCache()


def key_of(options: dict) -> tuple:
    """What shapes a texture: every core label option (text_label.text_options), the text box
    rounded to whole pixels."""
    box = tuple(None if v is None else round(v) for v in options["text_size"])
    return (box, _frozen({k: v for k, v in options.items() if k != "text_size"}))


class CachedPiece:
    """A text its owner widget draws (no widget of its own), laid out by Kivy's core label in a
    box (`text_size`, aligned, shortened) and taken from the shared cache like a
    TextLabel's would be: the same options give the same texture, drawn where a label with
    them would draw it."""

    def __init__(self, canvas):
        canvas.add(Color(1, 1, 1, 1))  # (a Canvas or an InstructionGroup)
        self.rect = Rectangle(size=(0, 0))
        canvas.add(self.rect)
        self.text, self.font_size = "", 0.0
        self.texture, self.texture_size = None, (0, 0)
        self.is_shortened = False
        self.halign = self.valign = "auto"

    def render(self, text: str, font_size: float, **options) -> tuple[int, int]:
        """The texture for `text` with TextLabel's option names (screens.text_label)."""
        self.text, self.font_size = text, font_size
        self.halign, self.valign = options.get("halign", "auto"), options.get("valign", "auto")
        texture, shortened = None, False
        if text and font_px(font_size) >= MIN_FONT_PX:
            core_options = text_options(text, font_size, **options)
            key = key_of(core_options)
            entry = CACHE.get(key)
            if entry is not None:
                texture, _size, shortened = entry
            else:
                texture, shortened = render_text(core_options)  # new: cached ones are shared
                if texture is not None:
                    texture.bind()  # Kivy fills a text texture at its first draw: fill it now
                    CACHE.put(key, texture, shortened)
        self.texture, self.is_shortened = texture, shortened
        self.texture_size = tuple(texture.size) if texture is not None else (0, 0)
        rect = self.rect
        if rect.texture is not texture:
            rect.texture = texture
        rect.size = self.texture_size
        return self.texture_size

    def place(self, x: float, y: float, width: float, height: float) -> None:
        """Where a TextLabel with this box and alignment would put it."""
        text_width, text_height = self.texture_size
        self.rect.pos = aligned_pos(x, y, width, height, text_width, text_height, self.halign,
                                    self.valign)
