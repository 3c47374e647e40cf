"""`CachedTextLabel`: a text label that reuses the texture of text it (or a sibling) drew before.

The rows of the guide list are recycled (RecycleView): as a resident types, the same titles
move from row to row, and each move made Kivy render the text again (SDL_ttf, then a texture
upload) — most of the Python work of a keystroke. Textures are kept by everything that shapes
them (text and every option of Kivy's core label: font, size, colour, text_size, alignment,
shortening...), so a hit draws exactly what a fresh render would. The cache is bounded by the
bytes of its textures (they live in the GL driver's memory) and forgets the least recent.

A texture in the cache is never drawn into again: every render makes a new core label and so a
new texture (screens/text_label.py). The bound counts real bytes (grey text is 2 a pixel).
"""
from __future__ import annotations

from collections import OrderedDict

from screens.text_label import TextLabel
from screens.widgets import BoldLabel

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
    """What shapes a texture: every core label option (TextLabel.core_options), the text box
    rounded to whole pixels."""
    box = tuple(None if v is None else round(v) for v in options["text_size"])
    return (box, _frozen({k: v for k, v in options.items() if k != "text_size"}))


class CachedTextLabel(TextLabel):
    """A TextLabel whose textures come from the shared cache."""

    cache_textures = True


class CachedBoldLabel(BoldLabel):
    """A BoldLabel (outlined, faux bold) whose textures come from the shared cache."""

    cache_textures = True
