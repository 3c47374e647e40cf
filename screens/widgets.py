"""Reusable resident-facing widgets: big tiles, the elder-mode toggle, the urgent banner, a toast
and a label that wraps Chinese text properly.

Sizes bind to the running app's `ui_unit` (layout) and `text_unit` (text, includes the elder-mode
factor), so every widget follows window size and elder mode without code of its own.
Content text (notice titles, centre names) is shown with markup off: it is never interpreted.
`CJKLabel` lives in screens.cjk_label and is re-exported here.
"""
from __future__ import annotations

import math
import time

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kiosk import theme
from screens import cjk_label
from screens.cjk_label import CJKLabel
from screens.text_label import TextLabel

__all__ = ["BoldLabel", "CJKLabel", "TextLabel", "DebouncedButtonBehavior", "ElderToggle", "HelpButton", "Tile", "Toast",
           "UrgentBanner", "load_kv"]


class BoldLabel(TextLabel):
    """Bold-looking text: the Chinese font has no bold face and Kivy does not embolden, so a
    thin outline in the text colour thickens the strokes."""


# ---- buttons --------------------------------------------------------------------------------

class DebouncedButtonBehavior(ButtonBehavior):
    """Dispatches `on_tap` at most once per `debounce_s`.

    On the Pi one finger tap can arrive twice (SDL mouse emulation plus mtdev, PITFALLS.md):
    a second release within the window is dropped, so one tap never opens/toggles twice.
    """

    debounce_s = NumericProperty(0.45)

    def __init__(self, **kwargs):
        self.register_event_type("on_tap")
        self._last_tap = -1e9
        super().__init__(**kwargs)

    def on_release(self):
        now = time.monotonic()
        if now - self._last_tap < self.debounce_s:
            return
        self._last_tap = now
        self.dispatch("on_tap")

    def on_tap(self):  # the event's default handler
        pass


class Tile(DebouncedButtonBehavior, FloatLayout):
    """A big finger-sized tile: key character in a circle, title, one-line hint.

    Tapping calls `app.open_screen(self.screen)`. A `primary` tile is filled red (取号).
    The inner layout is side by side on wide tiles and stacked on tall ones; the badge is
    dropped when the tile is too small for it.
    """

    screen = StringProperty("")
    title = StringProperty("")
    hint = StringProperty("")
    badge = StringProperty("")
    primary = BooleanProperty(False)
    # set by the kv rule from the app's units and the tile's own size
    u = NumericProperty(1.0)
    t = NumericProperty(1.0)
    pad = NumericProperty(0.0)
    wide = BooleanProperty(False)
    show_badge = BooleanProperty(True)
    hint_lines = NumericProperty(2)   # 0 hides the hint

    def __init__(self, **kwargs):
        self._refit = Clock.create_trigger(self._fit, -1)
        super().__init__(**kwargs)
        for prop in ("size", "t", "u", "title", "hint", "wide"):
            self.fbind(prop, self._refit)

    def _fit(self, *_):
        """Choose what fits the tile: badge + full hint, else drop the badge, then hint lines.

        The badge is decoration: it is shown only when the title keeps its full size and the
        hint is not cut. Heights are estimated (a line is 1.2 em with this font, measured).
        """
        inner_w = self.width - 2 * self.pad - self.u * theme.ACCENT
        inner_h = self.height - self.pad * 0.6
        badge = self.t * theme.FONT_BADGE * 2
        full_title = self.t * theme.FONT_TILE
        for show_badge, lines in ((True, 2), (False, 2), (False, 1), (False, 0)):
            text_w = inner_w - ((badge + self.pad * 1.2) if (show_badge and self.wide) else 0)
            if text_w <= 0:
                continue
            title_fs = min(full_title, text_w / (len(self.title) + 0.4))
            hint_lines = math.ceil(len(self.hint) * self.t * theme.FONT_HINT / text_w)
            texts_h = title_fs * 1.2 + 4  # + the outline that fakes bold
            if lines:
                texts_h += min(lines, hint_lines) * self.t * theme.FONT_HINT * 1.2 + self.t * 10
            if show_badge:
                need = max(badge, texts_h) if self.wide else texts_h + badge + self.pad * 0.6
                if title_fs < full_title or hint_lines > lines or badge * 2.5 > inner_w:
                    continue
            else:
                need = texts_h
            if need <= inner_h:
                break
        self.show_badge, self.hint_lines = show_badge, lines

    def on_tap(self):
        App.get_running_app().open_screen(self.screen)


class ElderToggle(DebouncedButtonBehavior, BoldLabel):
    """The 长辈模式 switch: flips `app.elder_mode` (bigger text everywhere). `over_red`: it sits
    on the red title bar, where a red "on" pill would not show as a button."""

    over_red = BooleanProperty(False)

    def on_tap(self):
        app = App.get_running_app()
        app.elder_mode = not app.elder_mode


class HelpButton(DebouncedButtonBehavior, BoldLabel):
    """呼叫工作人员: tells every counter that a resident at this terminal needs help (shown when
    a queue service is configured: the call goes through it). `over_red`: on the title bar."""

    over_red = BooleanProperty(False)

    def on_tap(self):
        App.get_running_app().call_for_help()


class UrgentBanner(DebouncedButtonBehavior, BoxLayout):
    """Amber banner with the first urgent notice's title; collapses when there is none.

    Tapping opens that notice itself; with several urgent notices, the notice list (where
    they come first). The banner may already show a content version the screens have not
    switched to yet (kiosk.content_watch): tapping it switches first.
    """

    title = StringProperty("")
    more = StringProperty("")
    active = BooleanProperty(False)

    def on_tap(self):
        app = App.get_running_app()
        app.apply_pending_content()
        urgent = app.view.urgent_notices(app.now())
        if len(urgent) == 1:
            app.open_screen("notice_detail", notice_id=urgent[0].id)
        else:
            app.open_screen("notices")


class Toast(CJKLabel):
    """A calm message near the bottom of the screen that hides itself after a few seconds."""

    shown = BooleanProperty(False)
    _hide_event = None

    def show(self, text: str, seconds: float = 3.5) -> None:
        self.plain_text, self.shown = text, True
        self.hide(keep_shown=True)
        self._hide_event = Clock.schedule_once(self.hide, seconds)

    def hide(self, *_args, keep_shown: bool = False) -> None:
        if self._hide_event is not None:
            self._hide_event.cancel()
            self._hide_event = None
        self.shown = self.shown and keep_shown


KV_NAME = "screens/widgets.kv"  # a pseudo file name, so the rules load once

KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._

<BoldLabel>:
    outline_width: max(1, int(self.font_size / 40))
    outline_color: self.color[:3]

<Tile>:
    u: app.ui_unit
    t: app.text_unit
    pad: self.u * theme.PAD
    wide: self.width > self.height * 1.7
    canvas.before:
        Color:
            rgba: (theme.RED_DARK if self.state == 'down' else theme.RED) if self.primary else (theme.SURFACE_PRESSED if self.state == 'down' else theme.SURFACE)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [self.u * theme.RADIUS]
        Color:
            rgba: (0, 0, 0, 0) if self.primary else theme.BORDER
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, self.u * theme.RADIUS)
            width: 1.2
        Color:
            rgba: (0, 0, 0, 0) if self.primary else theme.RED
        RoundedRectangle:
            pos: self.pos
            size: self.u * theme.ACCENT, self.height
            radius: [self.u * theme.RADIUS, 0, 0, self.u * theme.RADIUS]
    BoxLayout:
        id: body
        orientation: 'horizontal' if root.wide else 'vertical'
        size_hint: None, None
        width: root.width - 2 * root.pad - root.u * theme.ACCENT
        height: self.minimum_height if not root.wide else max(badge.height, texts.minimum_height)
        x: root.x + root.pad + root.u * theme.ACCENT
        y: root.center_y - self.height / 2
        spacing: root.pad * (1.2 if root.wide else 0.6) if root.show_badge else 0
        BoldLabel:
            id: badge
            text: root.badge
            font_size: root.t * theme.FONT_BADGE
            color: theme.RED
            size_hint: None, None
            size: (root.t * theme.FONT_BADGE * 2, root.t * theme.FONT_BADGE * 2) if root.show_badge else (0, 0)
            opacity: 1 if root.show_badge else 0
            canvas.before:
                Color:
                    rgba: theme.BADGE_BG if not root.primary else theme.SURFACE
                Ellipse:
                    pos: self.pos
                    size: self.size
        BoxLayout:
            id: texts
            orientation: 'vertical'
            size_hint: None, None
            width: body.width - (badge.width + body.spacing if root.wide else 0)
            height: self.minimum_height
            spacing: root.t * 10
            BoldLabel:
                id: title
                text: root.title
                # shrink rather than cut: a CJK character is about 1 em wide
                font_size: max(1, min(root.t * theme.FONT_TILE, texts.width / (len(self.text) + 0.4)))
                color: theme.ON_RED if root.primary else theme.TEXT
                text_size: self.width, None
                halign: 'left'
                shorten: True
                shorten_from: 'right'
                size_hint_y: None
                height: self.texture_size[1]
            CJKLabel:
                id: hint
                plain_text: root.hint if root.hint_lines else ''
                max_lines: max(1, root.hint_lines)
                opacity: 1 if root.hint_lines else 0
                font_size: root.t * theme.FONT_HINT
                color: theme.ON_RED_MUTED if root.primary else theme.TEXT_MUTED

<ElderToggle>:
    active: app.elder_mode
    text: _('Elder mode: on') if self.active else _('Elder mode: off')
    font_size: app.text_unit * theme.FONT_BUTTON
    color: theme.ON_RED if self.active else theme.RED
    size_hint: None, None
    size: self.texture_size[0] + app.ui_unit * 56, max(self.texture_size[1] + app.ui_unit * 28, theme.MIN_TOUCH_PX)
    canvas.before:
        Color:
            rgba: (theme.RED_DARK if self.over_red else theme.RED) if self.active else theme.SURFACE
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [self.height / 2]
        Color:
            rgba: theme.ON_RED if (self.active and self.over_red) else theme.RED
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, self.height / 2)
            width: 2

<HelpButton>:
    text: _('Call staff')
    font_size: app.text_unit * theme.FONT_BUTTON
    color: theme.ON_RED if self.over_red else theme.RED
    size_hint: None, None
    size: (self.texture_size[0] + app.ui_unit * 56, max(self.texture_size[1] + app.ui_unit * 28, theme.MIN_TOUCH_PX)) if app.help_available else (0, 0)
    opacity: 1 if app.help_available else 0
    disabled: not app.help_available
    canvas.before:
        Color:
            rgba: (theme.RED_DARK if self.over_red else theme.SURFACE_PRESSED) if self.state == 'down' else ((1, 1, 1, 0.12) if self.over_red else theme.SURFACE)
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [self.height / 2]
        Color:
            rgba: theme.ON_RED if self.over_red else theme.RED
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, self.height / 2)
            width: 2

<UrgentBanner>:
    orientation: 'horizontal'
    size_hint_y: None
    height: max(theme.MIN_TOUCH_PX, app.text_unit * theme.FONT_BANNER * 2.1) if self.active else 0
    opacity: 1 if self.active else 0
    disabled: not self.active
    padding: app.ui_unit * theme.PAD, 0
    spacing: app.ui_unit * theme.PAD * 0.6
    canvas.before:
        Color:
            rgba: theme.URGENT_BG
        Rectangle:
            pos: self.pos
            size: self.size
    BoldLabel:
        id: tag
        text: _('Urgent notice')
        font_size: app.text_unit * theme.FONT_BANNER * 0.85
        color: theme.ON_RED
        size_hint: None, None
        size: self.texture_size[0] + app.ui_unit * 28, self.texture_size[1] + app.ui_unit * 12
        pos_hint: {'center_y': 0.5}
        canvas.before:
            Color:
                rgba: theme.URGENT_TAG_BG
            RoundedRectangle:
                pos: self.pos
                size: self.size
                radius: [app.ui_unit * 8]
    TextLabel:
        id: title
        text: root.title
        font_size: app.text_unit * theme.FONT_BANNER
        color: theme.URGENT_TEXT
        text_size: self.width, None
        halign: 'left'
        shorten: True
        shorten_from: 'right'
    TextLabel:
        id: more
        text: root.more
        font_size: app.text_unit * theme.FONT_BODY * 0.9
        color: theme.URGENT_TEXT
        size_hint_x: None
        width: self.texture_size[0] if root.more else 0

<Toast>:
    font_size: app.text_unit * theme.FONT_TOAST
    color: theme.TOAST_TEXT
    halign: 'center'
    opacity: 1 if self.shown else 0
    size_hint_x: 0.86
    padding: app.ui_unit * 40, app.ui_unit * 24
    height: self.texture_size[1]
    pos_hint: {'center_x': 0.5, 'y': 0.14}
    canvas.before:
        Color:
            rgba: theme.TOAST_BG if self.shown else (0, 0, 0, 0)
        RoundedRectangle:
            pos: self.pos
            # hidden: not a transparent fill every frame; (1, 1) as Kivy ignores size 0 here
            size: self.size if self.shown else (1, 1)
            radius: [app.ui_unit * 24]
"""


def load_kv() -> None:
    """Load the widget rules once (called by the app before it builds any screen)."""
    cjk_label.load_kv()
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)
