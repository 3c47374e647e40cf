"""`CachedTextLabel`: a Label that reuses the texture of text it (or a sibling) drew before.

The rows of the guide list are recycled (RecycleView): as a resident types, the same titles
move from row to row, and each move made Kivy render the text again (SDL_ttf, then a texture
upload) — most of the Python work of a keystroke. Textures are kept by everything that shapes
them (text and every option of Kivy's core label: font, size, colour, text_size, alignment,
shortening...), so a hit draws exactly what a fresh render would. The cache is bounded by the
bytes of its textures (they live in the GL driver's memory) and forgets the least recent.

A texture in the cache is never drawn into again: after caching, the core label is told to
make a new texture next time instead of refilling the shared one.
"""
from __future__ import annotations

from collections import OrderedDict

from kivy.uix.label import Label

from screens.widgets import BoldLabel

MAX_BYTES = 12 * 1024 * 1024


def _frozen(value):
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


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
            self.bytes -= old[1][0] * old[1][1] * 4
        self._entries[key] = (texture, size, is_shortened)
        self.bytes += size[0] * size[1] * 4
        while self.bytes > self.max_bytes and len(self._entries) > 1:
            _key, (_texture, (w, h), _short) = self._entries.popitem(last=False)
            self.bytes -= w * h * 4

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0


CACHE = TextureCache()


class CachedTextMixin:
    """Mixin for a Label class (first among the bases). Markup labels are not cached."""

    def texture_update(self, *largs):
        core = self._label
        if self.markup or not core.text or not core.text.strip():
            return super().texture_update(*largs)
        # the text box (text_size) lives outside the options, as `usersize`: the same title
        # shortened to a narrow box is another picture than in a wide one
        box = tuple(None if v is None else round(v) for v in (core.usersize or (None, None)))
        key = (type(core).__name__, core.text, box, _frozen(core.options))
        entry = CACHE.get(key)
        if entry is not None:
            texture, size, shortened = entry
            self.texture = texture
            self.texture_size = list(size)
            self.is_shortened = shortened
            return None
        super().texture_update(*largs)
        if self.texture is not None:
            self.texture.bind()  # Kivy fills a label texture lazily: fill it now, while ours
            CACHE.put(key, self.texture, self.is_shortened)
            core.texture = None  # the next render makes a new texture, never refills this one
        return None


class CachedTextLabel(CachedTextMixin, Label):
    """A Label whose textures come from the shared cache."""


class CachedBoldLabel(CachedTextMixin, BoldLabel):
    """A BoldLabel (outlined, faux bold) whose textures come from the shared cache."""
