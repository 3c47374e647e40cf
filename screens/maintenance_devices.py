"""The devices part of the maintenance screen: printer and ID reader state, 打印测试页, and in
`kiosk demo` 放置示例身份证 (the bundled sample card on the simulated reader).

The printer's state comes from a DLE EOT status query that kiosk.app_devices runs on a thread
when the screen opens and after each test page; the reader's state follows its polling thread
(which probes the SAM whenever it (re)opens the port). Both arrive on the UI thread through
`app.devices.on_change`. Nothing here talks to a device itself.
"""
from __future__ import annotations

import weakref

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from devices.documents import printer_test_page
from kiosk.i18n import N_, _

KV_NAME = "screens/maintenance_devices.kv"  # a pseudo file name, so the rules load once
KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._

<MaintenanceDeviceButtons>:
    size_hint_y: None
    height: max(theme.MIN_TOUCH_PX * app.text_scale, app.text_unit * theme.FONT_BUTTON * 2.6)
    spacing: app.ui_unit * theme.GAP
    MaintenanceButton:
        id: test_page_button
        text: _('Print test page')
        on_tap: root.panel.print_test_page()
    MaintenanceButton:
        id: sample_card_button
        text: _('Remove sample ID card') if root.card_placed else _('Place sample ID card')
        on_tap: root.panel.toggle_sample_card()
"""

PRINTER_TEXT = {
    "off": N_("Not configured"),
    "checking": N_("Checking…"),
    "ok": N_("Ready"),
    "near_end": N_("Paper near end"),
    "paper_out": N_("Paper out"),
    "cover_open": N_("Cover open"),
    "offline": N_("Offline"),
    "timeout": N_("No answer"),
    "unknown": N_("Status unknown"),
}
READER_TEXT = {
    "off": N_("Not enabled"),
    "checking": N_("Checking…"),
    "ready": N_("Ready"),
    "error": N_("Error"),
}


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)


def _gone() -> None:
    """What a dropped panel's update does: nothing."""


class MaintenanceDeviceButtons(BoxLayout):
    """打印测试页 and 放置示例身份证 (each only where it applies)."""

    panel = ObjectProperty(None)
    card_placed = BooleanProperty(False)


def _with_detail(text: str, *details: str) -> str:
    return " · ".join([text, *(d for d in details if d)])


class DevicePanel:
    """Owns the two status rows and the device buttons of one MaintenanceScreen."""

    def __init__(self, screen):
        load_kv()
        self.screen = screen
        self.app = screen.app
        devices = self.app.devices
        self.printer_row = Factory.MaintenanceRow(label=_("Receipt printer"))
        self.reader_row = Factory.MaintenanceRow(label=_("ID card reader"))
        self.buttons = MaintenanceDeviceButtons(panel=self)
        if not devices.prints.available:
            self.buttons.remove_widget(self.buttons.ids.test_page_button)
        if devices.simulated_reader is None:
            self.buttons.remove_widget(self.buttons.ids.sample_card_button)
        if not self.buttons.children:
            self.buttons = None
        # held weakly: the app's devices outlive this screen (dropped on new content)
        update = weakref.WeakMethod(self.update)
        devices.on_change = lambda: (update() or _gone)()
        self.update()

    def rows(self) -> list:
        """The status rows (the screen puts them first in its list)."""
        for row in (self.printer_row, self.reader_row):
            if row.parent is not None:
                row.parent.remove_widget(row)
        return [self.printer_row, self.reader_row]

    def refresh(self) -> None:
        """The screen opened: ask the printer again (off the UI thread)."""
        self.app.devices.query_printer()
        self.update()

    def update(self) -> None:
        devices = self.app.devices
        settings = self.app.settings
        self.printer_row.value = _with_detail(_(PRINTER_TEXT[devices.printer_state]), devices.printer_detail,
                                              settings.printer.url)
        port = settings.idcard.port if settings.idcard.enabled else ""
        self.reader_row.value = _with_detail(_(READER_TEXT[devices.reader_state]), devices.reader_detail, port)
        if self.buttons is not None:
            self.buttons.card_placed = bool(devices.demo and devices.demo.card_placed)

    # ---- buttons -----------------------------------------------------------------------------

    def print_test_page(self) -> bool:
        app, cfg = self.app, self.app.settings.printer

        printed_at = app.now()

        def make():
            return printer_test_page(_, url=cfg.url, encoding=cfg.encoding, paper_mm=cfg.paper_width_mm,
                                     printed_at=printed_at)

        if not app.devices.prints.submit("test-page", make, self._test_page_done):
            return False
        app.show_toast(_("Printing, please wait"), seconds=30)
        return True

    def _test_page_done(self, job) -> None:
        if job.printed:
            self.app.show_toast(_("Test page printed"), seconds=6)
        else:
            reason = _(PRINTER_TEXT.get(job.reason, "unknown"))
            self.app.show_toast(_("Test page not printed: {reason}").format(reason=reason), seconds=8)
        self.app.devices.query_printer()  # what the printer says now
        self.update()

    def toggle_sample_card(self) -> None:
        demo = self.app.devices.demo
        if demo is None:
            return
        placed = demo.toggle_sample_card()
        self.app.show_toast(_("Sample ID card placed on the simulated reader") if placed
                            else _("Sample ID card removed from the simulated reader"))
        self.update()
