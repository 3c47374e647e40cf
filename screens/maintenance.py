"""Maintenance (`maintenance`) and the PIN pad in front of it. For staff, not residents.

The way in is hidden: five taps in the top-left corner within 3 s (kiosk.lockdown.CornerTaps)
open the `PinPad`; only a PIN that matches `maintenance.pin_hash` opens the screen
(`app.submit_pin`; five wrong PINs lock the pad for a minute). `app.open_screen("maintenance")`
refuses without it, and leaving the screen locks it again.

The screen shows the app and content versions, where the config and data live and the free
disk (rows from kiosk.sysinfo), and offers 重启程序 (app.restart) and 退出到系统 (app.stop). Printer
and ID reader state, 打印测试页 and the demo's sample card: screens.maintenance_devices; the
hub enrolment (管理平台, 注册到管理平台): screens.maintenance_enrol.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk import sysinfo
from kiosk.i18n import _
from screens.base import KioskScreen
from screens.widgets import BoldLabel, DebouncedButtonBehavior

KV_PATH = Path(__file__).with_suffix(".kv")
MAX_PIN_DIGITS = 12  # kiosk.config.hash_pin accepts 4 to 12 digits


def load_kv() -> None:
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


class PinKey(DebouncedButtonBehavior, BoldLabel):
    """A key of the PIN pad (a digit, 删除, 确定, 取消)."""

    # a short debounce: staff type the same digit twice on purpose, but a Pi's doubled
    # delivery of one tap arrives within a few milliseconds
    debounce_s = NumericProperty(0.12)
    role = StringProperty("digit")  # digit | delete | ok | cancel


class PinPad(ModalView):
    """Digits, 删除, 确定, 取消; the PIN shows as dots; the message says what went wrong."""

    digits = StringProperty("")
    message = StringProperty("")
    busy = BooleanProperty(False)  # a PIN is being checked (in a worker thread): keys wait

    def __init__(self, on_submit: Callable[[str, Callable[[str], None]], None], **kwargs):
        load_kv()
        kwargs.setdefault("auto_dismiss", False)
        super().__init__(**kwargs)
        self._on_submit = on_submit
        App.get_running_app().bind(landscape=self.arrange)

    @property
    def dots(self) -> str:
        return "●" * len(self.digits)

    def open_pad(self) -> None:
        self.digits, self.message, self.busy = "", "", False
        self.arrange()
        if self.parent is None:
            self.open(animation=False)

    def arrange(self, *_args) -> None:
        """取消 sits under the title in landscape (left column), under the keys in portrait."""
        # (the widget itself: out of the tree for a moment, a weak proxy could lose it)
        cancel, info, pad = self.ids.cancel.__self__, self.ids.info, self.ids.pad
        target = info if App.get_running_app().landscape else pad
        if cancel.parent is not target:
            cancel.parent.remove_widget(cancel)
            target.add_widget(cancel)

    def press(self, key: str) -> None:
        """A key was tapped: a digit, "delete", "ok" or "cancel"."""
        if self.busy and key != "cancel":
            return
        if key == "cancel":
            self.dismiss(animation=False)
        elif key == "delete":
            self.digits = self.digits[:-1]
        elif key == "ok":
            self._submit()
        elif key.isdigit() and len(self.digits) < MAX_PIN_DIGITS:
            self.digits += key
            self.message = ""

    def _submit(self) -> None:
        if not self.digits:
            return
        pin, self.digits = self.digits, ""
        self.busy, self.message = True, _("Please wait…")
        self._on_submit(pin, self._show_result)  # calls back on the UI thread

    def _show_result(self, result: str) -> None:
        self.busy = False
        guard = App.get_running_app().pin_guard
        if result == "wrong":
            self.message = _("Wrong PIN, {tries} tries left").format(tries=guard.tries_left)
        elif result == "locked":
            self.message = _("Too many wrong PINs. Try again in {seconds} s").format(
                seconds=max(1, round(guard.locked_for())))
        elif result == "unset":
            self.message = _("No maintenance PIN is set")
        else:
            self.message = ""


class MaintenanceRow(BoxLayout):
    """One line of the maintenance screen: a label and its value."""

    label = StringProperty("")
    value = StringProperty("")


class MaintenanceButton(DebouncedButtonBehavior, BoldLabel):
    """A big button of the maintenance screen (重启程序 / 退出到系统 / 返回)."""

    primary = BooleanProperty(False)


class MaintenanceBody(BoxLayout):
    """The info rows and the three buttons (kv rule in maintenance.kv)."""


class MaintenanceScreen(KioskScreen):
    """Versions, paths, free disk; restart and exit. Reached only through the PIN pad."""

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "maintenance")
        super().__init__(**kwargs)
        self.title = _("Maintenance")
        self.content = MaintenanceBody()
        self.ids.body.add_widget(self.content)
        from screens.maintenance_devices import DevicePanel

        self.devices = DevicePanel(self)
        if self.devices.buttons is not None:  # above 重启程序 / 退出到系统 / 返回
            self.content.add_widget(self.devices.buttons, index=1)
        from screens.maintenance_enrol import EnrolPanel

        self.enrolment = EnrolPanel(self)  # 管理平台 row, 注册到管理平台
        self.content.add_widget(self.enrolment.buttons, index=1)

    def refresh(self) -> None:
        app = self.app
        rows = self.content.ids.rows
        rows.clear_widgets()
        self.devices.refresh()
        for row in self.devices.rows() + self.enrolment.rows():
            rows.add_widget(row)
        for row in sysinfo.collect(app.settings, app.view):
            rows.add_widget(MaintenanceRow(label=row.label, value=row.value))
        self.content.ids.scroll.scroll_y = 1

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) of every row shown (tests read them)."""
        return [(r.label, r.value) for r in reversed(self.content.ids.rows.children)]


def create(app) -> MaintenanceScreen:
    load_kv()
    return MaintenanceScreen()
