"""打印告知单 on the guide detail screen: print the guide's 一次性告知单 on the receipt printer.

The button is there only when a printer is configured. A tap hands the job to the app's
PrintService (kiosk.printing: a worker thread, never the UI thread) and shows a calm toast; the
outcome comes back on the UI thread and replaces it: printed, out of paper, or any other failure
(the maintainer finds the reason in the log). The job's key is the guide, so a double tap, or a
second tap while the first job prints, prints once (PITFALLS.md, "Double touches on the Pi").
"""
from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.anchorlayout import AnchorLayout

from devices.documents import guide_checklist
from kiosk.i18n import _
from screens.read_aloud import ReadAloudButton

KV_NAME = "screens/guide_print.kv"  # a pseudo file name, so the rules load once
KV = """
#:import _ kiosk.i18n._

<GuidePrintRow>:
    anchor_x: 'left'
    size_hint_y: None
    height: print_button.height
    GuidePrintButton:
        id: print_button
        text: _('Print checklist')
        on_tap: root.print_checklist()
"""


class GuidePrintButton(ReadAloudButton):
    """Styled like 朗读 (the ReadAloudButton rule applies to subclasses)."""


class GuidePrintRow(AnchorLayout):
    screen = ObjectProperty(None)  # the GuideDetailScreen

    def print_checklist(self) -> bool:
        """Queue the 告知单 of the guide on screen; False when nothing was queued."""
        return print_guide(self.screen.app, self.screen.guide)


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)


def printer_configured(app) -> bool:
    return app.devices.prints.available


def print_guide(app, guide) -> bool:
    """Queue the 一次性告知单 of `guide`; the outcome is shown as a toast when it comes back."""
    if guide is None or not printer_configured(app):
        return False
    centre = app.view.centre()
    centre_name = centre.name if centre is not None else _("Community service centre")
    printed_at = app.now()
    paper_mm = app.settings.printer.paper_width_mm

    def make():
        return guide_checklist(_, guide, centre_name=centre_name, printed_at=printed_at, paper_mm=paper_mm)

    if not app.devices.prints.submit(f"guide:{guide.id}", make, lambda job: show_outcome(app, job)):
        return False  # the same 告知单 is printing or was just printed: one copy per tap
    app.show_toast(_("Printing, please wait"), seconds=30)
    return True


def outcome_text(job) -> str:
    if job.printed:
        return _("Printed. Please take it from the slot below.")
    if job.reason == "paper_out":
        return _("The printer is out of paper. Please ask at the counter.")
    return _("The printer is not available right now. Please ask at the counter.")


def show_outcome(app, job) -> None:
    app.show_toast(outcome_text(job), seconds=6)
