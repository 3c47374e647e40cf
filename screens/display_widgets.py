"""Widgets of the calling board (screens.display): a window's card, and the notice ticker.

Both are drawn for a TV read from across the lobby: sizes follow the space they get (a card's
number fills its card), not the elder-mode text scale. Their kv rules are in screens/display.kv.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens.text_label import render_text, text_options

FLASH_CYCLES = 6       # a new call blinks its card this many times (about 6 s), as the web board
FLASH_HALF_S = 0.5


def grid_shape(count: int, width: float, height: float, chars: int = 4) -> tuple[int, int]:
    """(cols, rows) for `count` cards in `width` x `height` that gives the largest number."""
    best, best_size = (1, max(1, count)), -1.0
    for cols in range(1, max(1, count) + 1):
        rows = math.ceil(count / cols)
        size = number_font(width / cols, height / rows, chars)
        if size > best_size + 0.5:
            best, best_size = (cols, rows), size
    return best


def number_font(card_w: float, card_h: float, chars: int = 4) -> float:
    """The number's font size in a card: 0.4 of its height, or what fits its width (a digit or
    Latin capital is about 0.6 em wide)."""
    return max(1.0, min(card_h * 0.4, card_w * 0.86 / (max(4, chars) * 0.6)))


class WindowCard(BoxLayout):
    """One window: its name, the number it calls now (large), and 暂停服务 when paused.
    `flash` (0..1) blends the card towards the highlight; `flash_now()` blinks it."""

    window = StringProperty("")
    number = StringProperty("")
    note = StringProperty("")
    paused = BooleanProperty(False)
    flash = NumericProperty(0.0)

    def flash_now(self) -> None:
        Animation.cancel_all(self, "flash")
        blink = Animation(flash=1.0, d=FLASH_HALF_S) + Animation(flash=0.0, d=FLASH_HALF_S)
        sequence = blink
        for _ in range(FLASH_CYCLES - 1):
            sequence += Animation(flash=1.0, d=FLASH_HALF_S) + Animation(flash=0.0, d=FLASH_HALF_S)
        sequence.start(self)

    def stop_flash(self) -> None:
        Animation.cancel_all(self, "flash")
        self.flash = 0.0


@dataclass
class _Piece:
    texture: object
    x: float  # left edge, relative to the ticker


class NoticeTicker(Widget):
    """A line of notice titles moving right to left, one after another, without end.

    Plain text only (rendered with markup off, screens.text_label). Each item is its own
    texture, drawn only where it is inside the widget (texture regions): nothing is drawn
    outside the line, and no texture grows with the number of notices. Items that all fit
    stand still.
    """

    items = None  # list[tuple[str, tuple]]: (text, colour), set with set_items
    font_size = NumericProperty(30)
    color = ColorProperty([1, 1, 1, 1])
    speed = NumericProperty(90.0)  # px per second
    gap = NumericProperty(120.0)
    moving = BooleanProperty(False)
    FPS = 30

    def __init__(self, **kwargs):
        self.items = []
        self._pieces: list[_Piece] = []
        self._textures: dict[tuple, object] = {}
        self._next = 0
        self._event = None
        self._active = False
        super().__init__(**kwargs)
        self._redraw = Clock.create_trigger(self._restart, -1)
        self.fbind("size", self._redraw)
        self.fbind("font_size", self._redraw)

    @property
    def text(self) -> str:
        """Every item's text, in order (what the ticker shows over one round)."""
        return "　".join(text for text, _colour in self.items)

    def set_items(self, items: list[tuple[str, tuple]]) -> None:
        items = [(" ".join(text.split()), tuple(colour)) for text, colour in items if text and text.strip()]
        if items == self.items:
            return
        self.items = items
        self._textures.clear()
        self._restart()

    def start(self) -> None:
        """Move while shown (the screen calls start on enter and stop on leave)."""
        self._active = True
        if self._event is None and self.moving:
            self._event = Clock.schedule_interval(self._step, 1.0 / self.FPS)

    def stop(self) -> None:
        self._active = False
        self._halt()

    def _halt(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _texture(self, index: int):
        text, colour = self.items[index]
        key = (index, int(self.font_size))
        if key not in self._textures:
            texture, _short = render_text(text_options(text, self.font_size, color=colour))
            self._textures[key] = texture
        return self._textures[key]

    def _restart(self, *_args) -> None:
        """Lay the items out from the left edge again (new items, new size)."""
        self._halt()
        self._pieces, self._next, x = [], 0, 0.0
        textures = [self._texture(i) for i in range(len(self.items))]
        total = sum(t.width for t in textures if t is not None) + self.gap * max(0, len(textures) - 1)
        self.moving = total > self.width > 0
        for i, texture in enumerate(textures):
            if texture is None:
                continue
            if x > self.width and self.moving:
                break
            self._pieces.append(_Piece(texture, x))
            self._next = (i + 1) % len(textures)
            x += texture.width + self.gap
        self._draw()
        if self._active:
            self.start()

    def _step(self, dt) -> None:
        shift = self.speed * min(dt, 0.2)
        for piece in self._pieces:
            piece.x -= shift
        self._pieces = [p for p in self._pieces if p.x + p.texture.width > 0]
        last = self._pieces[-1] if self._pieces else None
        right = last.x + last.texture.width if last else 0.0
        if self.items and right + self.gap < self.width:
            texture = self._texture(self._next)
            if texture is not None:
                self._pieces.append(_Piece(texture, max(float(self.width), right + self.gap)))
            self._next = (self._next + 1) % len(self.items)
        self._draw()

    def _draw(self, *_args) -> None:
        self.canvas.clear()
        width, height = self.width, self.height
        with self.canvas:
            Color(1, 1, 1, 1)
            for piece in self._pieces:
                texture = piece.texture
                left = max(0.0, -piece.x)
                right = min(float(texture.width), width - piece.x)
                if right - left < 1:
                    continue
                region = texture.get_region(int(left), 0, int(right - left), texture.height)
                y = self.y + (height - texture.height) / 2
                Rectangle(texture=region, pos=(int(self.x + piece.x + left), int(y)),
                          size=(int(right - left), texture.height))

    def on_pos(self, *_args) -> None:
        self._draw()
