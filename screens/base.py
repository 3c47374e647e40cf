"""The frame every resident screen except home shares: a red bar with 返回 (back), the screen
title, 首页 (home) and the 长辈模式 toggle (one NavBar for the app, kiosk.navigation.KioskRoot), above
the screen's own `body`.

A screen module exposes `create(app) -> Screen`; `screens.registry` maps screen names to modules.
Screens get content from `app.view` (a content.view.ContentView) in `refresh()`; they never do
file or network I/O in widgets. `app.reset_session()` (idle timeout) calls every built screen's
`reset()`, which must forget everything about the last resident (search text, scroll position,
an opened item).
"""
from __future__ import annotations

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from screens.widgets import DebouncedButtonBehavior, BoldLabel

KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._

<NavButton>:
    color: theme.ON_RED
    font_size: app.text_unit * theme.FONT_BUTTON
    size_hint: None, 1
    # a CJK character is about 1 em wide: sized from the text so elder mode scales it x1.4
    # exactly; never narrower than the drawn text, never below the finger floor
    width: max(app.text_unit * (len(self.text) * theme.FONT_BUTTON + theme.PAD), self.texture_size[0] + app.ui_unit * theme.PAD * 0.5, theme.MIN_TOUCH_PX * 1.5 * app.text_scale)
    halign: 'center'
    valign: 'middle'
    canvas.before:
        Color:
            rgba: theme.RED_DARK if self.state == 'down' else (1, 1, 1, 0.12)
        RoundedRectangle:
            pos: self.x + 4, self.y + 6
            size: self.width - 8, self.height - 12
            radius: [theme.RADIUS * app.ui_unit]

<NavBar>:
    # one red bar for every resident screen, above the screens (kiosk.navigation.KioskRoot): a bar per
    # screen cost ~360 KB of widgets and bindings each, nine times (docs/benchmarks.md)
    size_hint_y: None
    # elder mode scales the bar, the floor included: touch targets x1.4 at every size
    height: max(theme.MIN_TOUCH_PX * (1.15 if app.compact else 1.3) * app.text_scale, app.text_unit * theme.FONT_BUTTON * 2.6)
    padding: app.ui_unit * theme.PAD * 0.5, 0
    spacing: app.ui_unit * theme.PAD * 0.5
    canvas.before:
        Color:
            rgba: theme.RED
        Rectangle:
            pos: self.pos
            size: self.size
    NavButton:
        id: back_button
        text: _("Back")
        on_tap: app.go_back()
    BoldLabel:
        id: screen_title
        text: root.title
        color: theme.ON_RED
        font_size: app.text_unit * theme.FONT_BANNER * 1.1
        text_size: self.width, None
        shorten: True
        halign: 'center'
        valign: 'middle'
    NavButton:
        id: home_button
        text: _("Home")
        on_tap: app.go_home()
    HelpButton:
        id: help_button
        over_red: True
        pos_hint: {'center_y': 0.5}
    ElderToggle:
        id: elder_toggle
        over_red: True
        size_hint: None, None
        height: self.parent.height * 0.72
        width: max(self.texture_size[0] + app.ui_unit * theme.PAD * 1.8, theme.MIN_TOUCH_PX * 2)
        pos_hint: {'center_y': 0.5}

<KioskScreen>:
    # no background of its own: the window is cleared to theme.PAGE (KioskApp.build). Every
    # full-window fill costs a software-GL frame ~15 ms at 1080x1920 (docs/benchmarks.md)
    BoxLayout:
        id: body
        orientation: 'vertical'
        padding: app.ui_unit * theme.PAD * (0.5 if app.compact else 1)
        spacing: app.ui_unit * theme.GAP * 0.5
"""


class NavButton(DebouncedButtonBehavior, BoldLabel):
    """A button on the red bar (返回 / 首页)."""


class NavBar(BoxLayout):
    """The red bar: 返回 (back), the current screen's title, 首页 (home), 长辈模式.

    One for the whole app (kiosk.navigation.KioskRoot shows it above every KioskScreen and follows the
    current screen's `title`)."""

    title = StringProperty("")


class KioskScreen(Screen):
    """Base of every resident screen but home: the shared NavBar above it shows its `title`.
    Subclasses fill `self.ids.body`."""

    title = StringProperty("")

    @property
    def navbar(self) -> NavBar:
        """The red bar shown above this screen (the app's one NavBar)."""
        return App.get_running_app().root_widget.navbar

    def refresh(self) -> None:
        """Re-read what to show from `App.get_running_app().view` (called on enter)."""

    def reset(self) -> None:
        """Forget the last resident's state (search text, opened item, scroll)."""

    def on_pre_enter(self, *_args) -> None:
        self.refresh()

    @property
    def app(self):
        return App.get_running_app()


KV_NAME = "screens/base.kv"  # a pseudo file name, so the rules load once


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)
