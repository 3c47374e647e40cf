"""取号, step 3: the number, the service, how many are ahead and a QR code to follow the queue;
then what the printer did. Printed: 请取走小票, and home by itself. Not printed: the number and
its QR stay on screen with 请拍照留存或到窗口补打 and 补打 prints the same ticket again.
朗读 reads the number, the service, how many are ahead and what the printer did; while it
reads, the screen does not go home by itself.
"""
from __future__ import annotations

import datetime as dt

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import _
from screens import speech, tickets

HOME_AFTER_PRINT_S = 20.0


def ticket_url(base: str, ticket_id: str) -> str:
    """What the ticket's QR code opens: its page on the queue service (`/t/<id>`)."""
    return f"{base.rstrip('/')}/t/{ticket_id}"


def print_text(state: str, reason: str | None) -> str:
    if state == "printing":
        return _("Printing, please wait")
    if state == "printed":
        return _("Printed. Please take your ticket from the slot below.")
    if state == "failed" and reason == "paper_out":
        return _("The printer is out of paper. Please take a photo of this screen, or ask at the counter to print it.")
    if state == "failed":
        return _("The ticket could not be printed. Please take a photo of this screen, or ask at the counter to print it.")
    return _("Please take a photo of this screen or remember your number.")


class TicketDoneBody(BoxLayout):
    screen = ObjectProperty(None)
    number = StringProperty("")
    service_name = StringProperty("")
    ahead = StringProperty("")
    print_text = StringProperty("")
    print_failed = BooleanProperty(False)
    qr_texture = ObjectProperty(None, allownone=True)


class TicketDoneScreen(tickets.TicketStep):
    needs, body_class = "ticket", TicketDoneBody

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "ticket_done")
        super().__init__(**kwargs)
        self.title = _("Your number")
        self.body.ids.reprint_button.bind(on_tap=lambda *_: self.app.print_ticket())
        self._shown_id = None
        self._home = Clock.create_trigger(self._go_home, HOME_AFTER_PRINT_S)

    def refresh(self) -> None:
        desk = self.app.tickets
        ticket = desk.flow.ticket if desk is not None else None
        if ticket is None:
            return
        body, flow = self.body, desk.flow
        body.number, body.service_name = ticket["number"], ticket.get("service_name", "")
        ahead = _("{count} people ahead of you").format(count=ticket["ahead"]) if ticket["ahead"] else _("You are next")
        body.ahead = f"{ahead} · {_('Priority')}" if ticket.get("priority") else ahead
        if self._shown_id != ticket["id"]:
            from screens.guide_detail import qr_texture

            self._shown_id = ticket["id"]
            body.qr_texture = qr_texture(ticket_url(self.app.settings.tickets.url, ticket["id"]))
        body.print_text = print_text(flow.print_state, flow.print_reason)
        body.print_failed = flow.print_state == "failed"
        if flow.print_state == "printed" and self.manager is not None and self.manager.current == self.name:
            self._home()

    def speech_text(self) -> str:
        body = self.body
        return speech.ticket_speech(body.number, body.service_name, body.ahead, body.print_text)

    def _go_home(self, *_args) -> None:
        if self.reader.speaking:
            self._home()  # not in the middle of the reading: later
            return
        if self.manager is not None and self.manager.current == self.name:
            self.app.go_home()

    def on_leave(self, *_args) -> None:
        self._home.cancel()

    def reset(self) -> None:
        super().reset()
        self._shown_id, self.body.qr_texture = None, None


def prepare_screenshot(app) -> None:
    tickets.prepare_screenshot(app)


def create(app) -> TicketDoneScreen:
    tickets.load_kv()
    return TicketDoneScreen()
