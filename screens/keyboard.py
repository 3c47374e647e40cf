"""The on-screen keyboard of the guide search (there is no input method on the Pi, PITFALLS.md).

QWERTY letters for pinyin and pinyin initials, digits, 退格 (backspace) and 清空 (clear). It
dispatches `on_key(key)` with a lower-case letter, a digit, `BACKSPACE` or `CLEAR`; it holds no
text itself.

Full layout (4 rows): digits / q-p / a-l / 清空 z-m 退格. On a small panel (`compact`) there is
room for three rows of finger-sized keys only: the digit row is behind a 数字 key that swaps it
with the q-p row (字母 swaps back).

Keys are never smaller than theme.MIN_TOUCH_PX. Each key ignores a second release within
`KEY_DEBOUNCE_S` (one tap delivered twice on the Pi, PITFALLS.md) — shorter than other buttons,
because a resident may type the same letter twice on purpose.

The keyboard is one widget: it lays its keys out (as rows of boxes would), draws them into one
cached picture (screens/layer.py) and finds the key under a finger itself. Forty key widgets
with their labels and bindings were ~1.5 MB (docs/benchmarks.md, "Memory, session 5"); a key
is now a `KeyCap`: a region, its text (a TextPiece) and two canvas instructions.
"""
from __future__ import annotations

import time

from kivy.clock import Clock
from kivy.graphics import Color, InstructionGroup, Rectangle, RoundedRectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.widget import Widget

from kiosk import theme
from kiosk.i18n import _
from screens.layer import CachedLayer
from screens.text_piece import TextPiece

BACKSPACE = "backspace"
CLEAR = "clear"
DIGITS_TOGGLE = "digits"
KEY_DEBOUNCE_S = 0.15
MIN_DOWN_S = 0.035     # a pressed key shows pressed at least this long (Kivy's buttons too)
FONT_KEY = 40          # design px (x app.text_unit)
KEY_HEIGHT = 96        # design px (x app.ui_unit x elder scale), floored at MIN_TOUCH_PX

DIGIT_ROW = "1234567890"
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

KV = """
#:import theme kiosk.theme

<OnScreenKeyboard>:
    size_hint_y: None
    # white keys on a tray (the layer's own colour), no border line per key
    layer_color: theme.KEYBOARD_BG
"""


class KeyCap:
    """One key: `key` is what the keyboard dispatches, `text` what it shows; `action` keys are
    red. Its box is in the keyboard's parent's coordinates, like a child widget's would be."""

    def __init__(self, keyboard: "OnScreenKeyboard", key: str, text: str, units: float,
                 canvas: InstructionGroup):
        self.keyboard, self.key, self.text, self.units = keyboard, key, text, units
        self.action = len(key) > 1
        self.x = self.y = self.width = self.height = 0.0
        self.state = "normal"
        self.down_at = 0.0  # when a finger last pressed it (the pressed look lasts MIN_DOWN_S)
        self.debounce_s = KEY_DEBOUNCE_S
        self._last_tap = -1e9
        canvas.add(Color(*(theme.RED if self.action else theme.SURFACE)))
        self.cap = RoundedRectangle(size=(0, 0), segments=4)  # 4 per corner: enough at key size
        canvas.add(self.cap)
        self.label = TextPiece(canvas, text, halign="center",
                               color=theme.ON_RED if self.action else theme.TEXT, bold=True)

    # the geometry of a widget, for the keyboard's drawing and for tests that tap a key
    @property
    def pos(self) -> tuple[float, float]:
        return (self.x, self.y)

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height)

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def top(self) -> float:
        return self.y + self.height

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2.0

    @property
    def center_y(self) -> float:
        return self.y + self.height / 2.0

    @property
    def center(self) -> tuple[float, float]:
        return (self.center_x, self.center_y)

    @property
    def texture(self):
        return self.label.texture

    @property
    def texture_size(self) -> tuple[int, int]:
        return self.label.texture_size

    def collide_point(self, x: float, y: float) -> bool:
        return self.x <= x <= self.right and self.y <= y <= self.top

    def to_window(self, x: float, y: float):
        return self.keyboard.to_window(x, y)

    def place(self, x: float, y: float, width: float, height: float, font_size: float) -> None:
        self.x, self.y, self.width, self.height = x, y, width, height
        cap = self.cap
        cap.pos, cap.size = (x, y), (width, height)
        cap.radius = [min(width, height) * 0.14]
        self.label.layout(font_size, 100_000)  # one line, never wrapped
        self.label.place(x, y, width, height)

    def tap_accepted(self) -> bool:
        """A release that counts (not the same tap delivered twice within the debounce)."""
        now = time.monotonic()
        if now - self._last_tap < self.debounce_s:
            return False
        self._last_tap = now
        return True


class OnScreenKeyboard(CachedLayer, Widget):
    """Dispatches `on_key(key)`; see the module docstring for the keys and layouts.

    Drawn as one cached picture (screens/layer.py); the key under the finger is drawn on top of
    it, so pressing keys never redraws the other forty.
    """

    compact = BooleanProperty(False)
    digits_shown = BooleanProperty(False)   # compact only: row 1 shows digits instead of q-p
    key_height = NumericProperty(theme.MIN_TOUCH_PX)
    key_font = NumericProperty(20)
    gap = NumericProperty(6)

    def __init__(self, **kwargs):
        self.register_event_type("on_key")
        self._keys: dict[str, KeyCap] = {}
        self._rows_of_caps: list[list[tuple[KeyCap | None, float]]] = []
        self._caps = InstructionGroup()
        self._down: dict[int, KeyCap] = {}  # touch uid -> the key it pressed
        self._release = None
        super().__init__(**kwargs)
        self.fbo.add(self._caps)
        with self.canvas.after:
            self._pressed_fill = Color(0, 0, 0, 0)
            self._pressed_key = RoundedRectangle(pos=(0, 0), size=(1, 1), segments=4)
            self._pressed_text_color = Color(1, 1, 1, 0)
            self._pressed_text = Rectangle(pos=(0, 0), size=(1, 1))
        self._relayout = Clock.create_trigger(self._layout_keys, -1)
        for prop in ("compact", "digits_shown"):
            self.fbind(prop, self._build)
        for prop in ("gap", "key_height", "key_font", "width", "pos"):
            self.fbind(prop, self._relayout)
        self._build()

    def on_key(self, key: str) -> None:  # default handler of the event
        pass

    def key(self, key: str) -> KeyCap | None:
        """The key that sends `key` ("a", "7", BACKSPACE, CLEAR, DIGITS_TOGGLE)."""
        return self._keys.get(key)

    def keys(self) -> list[KeyCap]:
        return list(self._keys.values())

    def _rows(self) -> list[list[tuple[str, str, float]]]:
        """Rows of (key, label, width in key units)."""
        def chars(row: str) -> list[tuple[str, str, float]]:
            return [(c, c, 1.0) for c in row]

        clear = (CLEAR, _("Clear"), 1.5)
        back = (BACKSPACE, _("Backspace"), 1.5)
        if not self.compact:
            return [chars(DIGIT_ROW), chars(LETTER_ROWS[0]),
                    [("", "", 0.5)] + chars(LETTER_ROWS[1]) + [("", "", 0.5)],
                    [clear] + chars(LETTER_ROWS[2]) + [back]]
        toggle = (DIGITS_TOGGLE, _("Letters") if self.digits_shown else _("Digits"), 1.5)
        first = DIGIT_ROW if self.digits_shown else LETTER_ROWS[0]
        return [chars(first), chars(LETTER_ROWS[1]) + [(CLEAR, _("Clear"), 1.0)],
                [toggle] + chars(LETTER_ROWS[2]) + [back]]

    def _build(self, *_args) -> None:
        self._caps.clear()
        self._keys, self._rows_of_caps = {}, []
        self._down.clear()
        self._show_pressed(None)
        for row in self._rows():
            caps: list[tuple[KeyCap | None, float]] = []
            for key, label, units in row:
                cap = KeyCap(self, key, label, units, self._caps) if key else None
                if cap is not None:
                    self._keys[key] = cap
                caps.append((cap, units))
            self._rows_of_caps.append(caps)
        self._layout_keys()

    def _layout_keys(self, *_args) -> None:
        """Rows of boxes: `gap` around and between the rows and keys, each row `key_height`
        tall, its width shared by the keys' units."""
        gap, height = self.gap, self.key_height
        rows = self._rows_of_caps
        self.height = len(rows) * height + max(0, len(rows) - 1) * gap + 2 * gap
        top = self.y + self.height - gap
        for caps in rows:
            y = top - height
            room = self.width - 2 * gap - gap * (len(caps) - 1)
            units = sum(u for _cap, u in caps) or 1.0
            x = self.x + gap
            for cap, u in caps:
                width = room * u / units
                if cap is not None:
                    cap.place(x, y, width, height, self.key_font)
                x += width + gap
            top = y - gap

    # ---- touch ------------------------------------------------------------------------------

    def cap_at(self, x: float, y: float) -> KeyCap | None:
        return next((cap for cap in self._keys.values() if cap.collide_point(x, y)), None)

    def on_touch_down(self, touch):
        if self.disabled or not self.collide_point(*touch.pos):
            return False
        cap = self.cap_at(*touch.pos)
        if cap is None:
            return False  # the tray between keys: not ours
        touch.grab(self)
        self._down[touch.uid] = cap
        cap.state = "down"
        cap.down_at = time.monotonic()
        self._show_pressed(cap)
        return True

    def on_touch_move(self, touch):
        return touch.grab_current is self or super().on_touch_move(touch)

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        cap = self._down.pop(touch.uid, None)
        if cap is None:
            return True
        if cap not in self._down.values():  # no other finger (or doubled delivery) on it
            held = time.monotonic() - cap.down_at
            self._release_later(cap, max(0.0, MIN_DOWN_S - held))
        if cap.collide_point(*touch.pos) and cap.tap_accepted():
            if cap.key == DIGITS_TOGGLE:
                self.digits_shown = not self.digits_shown
            else:
                self.dispatch("on_key", cap.key)
        return True

    def _release_later(self, cap: KeyCap, delay: float) -> None:
        def release(*_args) -> None:
            cap.state = "normal"
            if not any(c.state == "down" for c in self._keys.values()):
                self._show_pressed(None)

        if delay <= 0:
            release()
        else:
            Clock.schedule_once(release, delay)

    def _show_pressed(self, cap: KeyCap | None) -> None:
        """Draw `cap` pressed over the cached picture (nothing for None)."""
        if cap is None:
            # hidden, not sized 0: Kivy keeps a RoundedRectangle's old shape at size (0, 0)
            self._pressed_fill.a = self._pressed_text_color.a = 0
            self._pressed_key.size = self._pressed_text.size = (1, 1)
            return
        self._pressed_fill.rgba = theme.RED_DARK if cap.action else theme.SURFACE_PRESSED
        self._pressed_text_color.a = 1
        self._pressed_key.pos, self._pressed_key.size = cap.pos, cap.size
        self._pressed_key.radius = [min(cap.width, cap.height) * 0.14]
        width, height = cap.texture_size
        self._pressed_text.texture = cap.texture
        self._pressed_text.pos = (int(cap.center_x - width / 2), int(cap.center_y - height / 2))
        self._pressed_text.size = (width, height)


KV_NAME = "screens/keyboard.kv"  # a pseudo file name, so the rules load once


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)
