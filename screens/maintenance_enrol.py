"""Enrolment on the maintenance screen, for sites without ssh: a 管理平台 row (who this terminal
is to the hub), a 注册到管理平台 button, and a pad with the hub address and the one-time code typed
on the on-screen keyboard (plus keys for `https://`, `.`, `:`, `/`, `-`) and 注册.

The pad does no I/O: `app.enrolment` (kiosk.enrolment; screens never import sync) runs it on a thread and hands a sentence back on
the UI thread. While it runs the keys wait; 取消 closes the pad (the result still updates the row).
"""
from __future__ import annotations

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.i18n import _
from screens import keyboard
from screens.keyboard import BACKSPACE, CLEAR
from screens.widgets import DebouncedButtonBehavior

MAX_URL = 200
MAX_CODE = 64
SYMBOLS = ("https://", "http://", ".", ":", "/", "-")

KV_NAME = "screens/maintenance_enrol.kv"  # a pseudo file name, so the rules load once
KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._

<EnrolButtons>:
    size_hint_y: None
    height: max(theme.MIN_TOUCH_PX * app.text_scale, app.text_unit * theme.FONT_BUTTON * 2.6)
    MaintenanceButton:
        id: enrol_button
        text: _('Enrol with the hub')
        on_tap: root.panel.open_pad()

<EnrolField>:
    size_hint_y: None
    height: max(theme.MIN_TOUCH_PX * app.text_scale, app.text_unit * theme.FONT_BODY * (1.8 if app.compact else 2.4))
    spacing: app.ui_unit * theme.PAD * 0.5
    padding: app.ui_unit * theme.PAD * 0.5, 0
    canvas.before:
        Color:
            rgba: theme.PAGE
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [app.ui_unit * 10]
        Color:
            rgba: theme.RED if self.active else theme.BORDER
        Line:
            rounded_rectangle: (self.x, self.y, self.width, self.height, app.ui_unit * 10)
            width: 2 if self.active else 1
    BoldLabel:
        text: root.label
        font_size: app.text_unit * theme.FONT_BODY
        color: theme.TEXT_MUTED
        size_hint_x: None
        width: self.texture_size[0]
    TextLabel:
        id: value
        text: (root.value + ('|' if root.active else '')) or root.placeholder
        font_size: app.text_unit * theme.FONT_BODY
        color: theme.TEXT if root.value else theme.TEXT_MUTED
        text_size: self.width, None
        halign: 'left'
        valign: 'middle'
        shorten: True
        shorten_from: 'left'

<EnrolPad>:
    background: ''
    background_color: 0, 0, 0, 0
    overlay_color: 0, 0, 0, 0.55
    size_hint: None, None
    width: min(self.parent.width if self.parent else 800, app.ui_unit * (1600 if app.landscape else 1000)) * 0.96
    height: pad.minimum_height
    BoxLayout:
        id: pad
        orientation: 'vertical'
        size_hint_y: None
        height: self.minimum_height
        padding: app.ui_unit * theme.PAD * (0.5 if app.compact else 1)
        spacing: app.ui_unit * theme.GAP * (0.3 if app.compact else 0.5)
        canvas.before:
            Color:
                rgba: theme.SURFACE
            RoundedRectangle:
                pos: self.pos
                size: self.size
                radius: [app.ui_unit * theme.RADIUS]
        BoldLabel:
            # a small panel has no room for the title: the button that opened the pad says it
            text: '' if app.compact else _('Enrol with the hub')
            font_size: app.text_unit * theme.FONT_BANNER
            color: theme.TEXT
            size_hint_y: None
            height: 0 if app.compact else self.texture_size[1]
        BoxLayout:
            # side by side on a small panel (no room for two rows), one under the other elsewhere
            id: fields
            orientation: 'horizontal' if app.compact else 'vertical'
            size_hint_y: None
            spacing: app.ui_unit * theme.GAP * 0.5
            height: hub_field.height if app.compact else hub_field.height + code_field.height + self.spacing
            EnrolField:
                id: hub_field
                label: _('Hub address')
                placeholder: 'https://'
                value: root.hub
                active: root.field == 'hub'
                size_hint_x: 0.6 if app.compact else 1
                on_tap: root.field = 'hub'
            EnrolField:
                id: code_field
                label: _('Enrolment code')
                placeholder: 'ABCD-EFGH-JKLM'
                value: root.code
                active: root.field == 'code'
                size_hint_x: 0.4 if app.compact else 1
                on_tap: root.field = 'code'
        GridLayout:
            id: symbols
            cols: 6
            size_hint_y: None
            height: self.minimum_height
            spacing: app.ui_unit * theme.GAP * 0.5
        OnScreenKeyboard:
            id: keyboard
            compact: app.compact
            gap: 4 if app.compact else app.ui_unit * 8
            key_height: max(theme.MIN_TOUCH_PX * app.text_scale, app.ui_unit * (70 if app.landscape else 88))
            key_font: min(app.text_unit * 36, self.key_height * 0.5)
        CJKLabel:
            id: message
            plain_text: root.message
            font_size: app.text_unit * theme.FONT_BODY
            color: theme.TEXT_MUTED if root.busy or root.succeeded else theme.RED
            halign: 'center'
        BoxLayout:
            size_hint_y: None
            height: max(theme.MIN_TOUCH_PX * app.text_scale, app.text_unit * theme.FONT_BUTTON * (1.8 if app.compact else 2.4))
            spacing: app.ui_unit * theme.GAP
            MaintenanceButton:
                id: submit
                text: _('Enrol')
                primary: True
                opacity: 0.5 if root.busy else 1
                on_tap: root.submit()
            MaintenanceButton:
                id: cancel
                text: _('Close') if root.succeeded else _('Cancel')
                on_tap: root.dismiss(animation=False)
"""


def load_kv() -> None:
    keyboard.load_kv()
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)


class EnrolButtons(BoxLayout):
    panel = ObjectProperty(None)


class EnrolField(DebouncedButtonBehavior, BoxLayout):
    """A line to type into (tap it to type there): its label, what was typed, a caret when active."""

    label = StringProperty("")
    value = StringProperty("")
    placeholder = StringProperty("")
    active = BooleanProperty(False)
    debounce_s = 0.2


class EnrolPad(ModalView):
    hub = StringProperty("")
    code = StringProperty("")
    field = StringProperty("hub")  # hub | code: where the keys type
    message = StringProperty("")
    busy = BooleanProperty(False)
    succeeded = BooleanProperty(False)

    def __init__(self, panel: "EnrolPanel", **kwargs):
        load_kv()
        kwargs.setdefault("auto_dismiss", False)
        super().__init__(**kwargs)
        self.panel = panel
        self.ids.keyboard.bind(on_key=lambda _kb, key: self.press(key))
        for text in SYMBOLS:
            key = Factory.PinKey(text=text, role="symbol")
            key.bind(on_tap=lambda _w, text=text: self.press(text))
            self.ids.symbols.add_widget(key)

    def press(self, key: str) -> None:
        """A key: a letter, a digit, a symbol from SYMBOLS, BACKSPACE or CLEAR."""
        if self.busy:
            return
        value = self.hub if self.field == "hub" else self.code
        if key == BACKSPACE:
            value = value[:-1]
        elif key == CLEAR:
            value = ""
        elif len(key) == 1 or key in SYMBOLS:
            value += key.upper() if self.field == "code" else key
        else:
            return
        limit = MAX_URL if self.field == "hub" else MAX_CODE
        value = value[:limit]
        if self.field == "hub":
            self.hub = value
        else:
            self.code = value
        self.message, self.succeeded = "", False

    def submit(self) -> None:
        if self.busy:
            return
        missing = self.panel.app.enrolment.incomplete(self.hub, self.code)
        if missing:
            self.message = missing
            return
        self.busy, self.succeeded, self.message = True, False, _("Enrolling, please wait…")
        self.panel.app.enrolment.start(self.hub, self.code, self.finished)

    def finished(self, ok: bool, text: str) -> None:
        self.busy, self.succeeded, self.message = False, ok, text
        if ok:
            self.code = ""
        self.panel.update()


class EnrolPanel:
    """The 管理平台 row and the 注册到管理平台 button of one MaintenanceScreen."""

    def __init__(self, screen):
        load_kv()
        self.screen = screen
        self.app = screen.app
        self.row = Factory.MaintenanceRow(label=_("Hub"))
        self.buttons = EnrolButtons(panel=self)
        self.pad: EnrolPad | None = None

    def rows(self) -> list:
        if self.row.parent is not None:
            self.row.parent.remove_widget(self.row)
        self.update()
        return [self.row]

    def update(self) -> None:
        self.row.value = self.app.enrolment.status()

    def open_pad(self) -> EnrolPad:
        if self.pad is None:
            self.pad = EnrolPad(self)
        pad = self.pad
        if not pad.busy:
            pad.hub, pad.code, pad.message, pad.succeeded = self.app.enrolment.hub_hint(), "", "", False
            pad.field = "code" if pad.hub else "hub"
        if pad.parent is None:
            pad.open(animation=False)
        return pad
