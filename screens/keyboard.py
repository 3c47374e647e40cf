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
"""
from __future__ import annotations

from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk import theme
from kiosk.i18n import _
from screens.layer import CachedLayer
from screens.widgets import BoldLabel, DebouncedButtonBehavior

BACKSPACE = "backspace"
CLEAR = "clear"
DIGITS_TOGGLE = "digits"
KEY_DEBOUNCE_S = 0.15
FONT_KEY = 40          # design px (x app.text_unit)
KEY_HEIGHT = 96        # design px (x app.ui_unit x elder scale), floored at MIN_TOUCH_PX

DIGIT_ROW = "1234567890"
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

KV = """
#:import theme kiosk.theme

<OskKey>:
    font_size: self.key_font
    color: theme.ON_RED if self.action else theme.TEXT
    halign: 'center'
    valign: 'middle'
    canvas.before:
        # the resting look only: the keyboard is a CachedLayer (screens/layer.py), drawn once;
        # a pressed key is drawn over it by OnScreenKeyboard (canvas.after)
        Color:
            rgba: theme.RED if self.action else theme.SURFACE
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [min(self.width, self.height) * 0.14]
            segments: 4  # per corner: enough for a key-sized radius, fewer triangles to draw

<OnScreenKeyboard>:
    orientation: 'vertical'
    size_hint_y: None
    height: self.minimum_height
    padding: self.gap
    # white keys on a tray (the layer's own colour), no border line per key
    layer_color: theme.KEYBOARD_BG
"""


class OskKey(DebouncedButtonBehavior, BoldLabel):
    """One key. `key` is what the keyboard dispatches; `action` keys are drawn in red."""

    key = StringProperty("")
    action = BooleanProperty(False)
    key_font = NumericProperty(20)
    debounce_s = NumericProperty(KEY_DEBOUNCE_S)


class OnScreenKeyboard(CachedLayer, BoxLayout):
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
        super().__init__(**kwargs)
        self._keys: dict[str, OskKey] = {}
        with self.canvas.after:
            self._pressed_fill = Color(0, 0, 0, 0)
            self._pressed_key = RoundedRectangle(pos=(0, 0), size=(1, 1), segments=4)
            self._pressed_text_color = Color(1, 1, 1, 0)
            self._pressed_text = Rectangle(pos=(0, 0), size=(1, 1))
        for prop in ("compact", "digits_shown"):
            self.fbind(prop, self._build)
        for prop in ("gap", "key_height", "key_font"):
            self.fbind(prop, self._apply_sizes)
        self._build()

    def on_key(self, key: str) -> None:  # default handler of the event
        pass

    def key(self, key: str) -> OskKey | None:
        """The key widget that sends `key` ("a", "7", BACKSPACE, CLEAR, DIGITS_TOGGLE)."""
        return self._keys.get(key)

    def keys(self) -> list[OskKey]:
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
        self.clear_widgets()
        self._keys = {}
        for row in self._rows():
            line = BoxLayout(size_hint_y=None)
            for key, label, units in row:
                if not key:
                    line.add_widget(Widget(size_hint_x=units))
                    continue
                button = OskKey(key=key, text=label, size_hint_x=units, action=len(key) > 1)
                button.bind(on_tap=self._tapped, state=self._show_pressed)
                self._keys[key] = button
                line.add_widget(button)
            self.add_widget(line)
        self._apply_sizes()

    def _apply_sizes(self, *_args) -> None:
        self.spacing = self.gap
        for line in self.children:
            line.spacing, line.height = self.gap, self.key_height
        for button in self._keys.values():
            button.key_font = self.key_font

    def _show_pressed(self, button: OskKey, state: str) -> None:
        """Draw `button` pressed over the cached picture (or nothing once it is released)."""
        if state != "down":
            # hidden, not sized 0: Kivy keeps a RoundedRectangle's old shape at size (0, 0)
            self._pressed_fill.a = self._pressed_text_color.a = 0
            self._pressed_key.size = self._pressed_text.size = (1, 1)
            return
        self._pressed_fill.rgba = theme.RED_DARK if button.action else theme.SURFACE_PRESSED
        self._pressed_text_color.a = 1
        self._pressed_key.pos, self._pressed_key.size = button.pos, button.size
        self._pressed_key.radius = [min(button.width, button.height) * 0.14]
        width, height = button.texture_size
        self._pressed_text.texture = button.texture
        self._pressed_text.pos = (int(button.center_x - width / 2), int(button.center_y - height / 2))
        self._pressed_text.size = (width, height)

    def _tapped(self, button: OskKey) -> None:
        if button.key == DIGITS_TOGGLE:
            self.digits_shown = not self.digits_shown
            return
        self.dispatch("on_key", button.key)


KV_NAME = "screens/keyboard.kv"  # a pseudo file name, so the rules load once


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)
