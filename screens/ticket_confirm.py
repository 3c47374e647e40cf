"""取号, step 2: the chosen service, the ID card (optional: a card placed on the reader at any
point of the flow is used, for elderly priority), and 确认取号. The number is issued by the
app's TicketFlow (kiosk.ticket_flow) in the background; a second tap while it runs does nothing,
and a tap after a failure retries with the same idempotency key (never a second number).
朗读 beside 确认取号 reads the service, its queue and the card prompt.
"""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import _
from screens import speech, tickets


class TicketConfirmBody(BoxLayout):
    screen = ObjectProperty(None)
    service_name = StringProperty("")
    waiting = StringProperty("")
    card_prompt = StringProperty("")
    error = StringProperty("")
    busy = BooleanProperty(False)


class TicketConfirmScreen(tickets.TicketStep):
    needs, body_class = "service", TicketConfirmBody

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "ticket_confirm")
        super().__init__(**kwargs)

    def refresh(self) -> None:
        desk = self.app.tickets
        if desk is None or desk.flow.service is None:
            return
        flow, body = desk.flow, self.body
        body.service_name = flow.service["name"]
        body.waiting = tickets.waiting_text(flow.service)
        body.error, body.busy = flow.error, flow.busy
        self.card_changed(self.app.session.get("id_card"))

    def card_changed(self, card: dict | None) -> None:
        """The card on the reader (masked public view) or None; called by the app on a read."""
        if not self.app.settings.idcard.enabled:
            self.body.card_prompt = ""
        elif card and card.get("age") is not None:
            self.body.card_prompt = _("ID card read: {name}, {age} years old").format(
                name=card.get("name_masked", ""), age=card["age"])
        else:
            prompt = _("Aged {age} or over? Place your ID card on the reader to be called first (optional).")
            self.body.card_prompt = prompt.format(age=self.app.settings.tickets.priority_age)

    def confirm(self) -> bool:
        desk = self.app.tickets
        if desk is None:
            return False
        sent = desk.flow.confirm(self.app.session.get("id_card"), self._issued)
        self.refresh()
        return sent

    def _issued(self, _ticket: dict) -> None:
        if self.app.open_screen("ticket_done"):
            self.app.print_ticket()

    def speech_text(self) -> str:
        body = self.body
        return speech.confirm_speech(body.service_name, body.waiting, body.card_prompt, body.error)

    def on_leave(self, *_args) -> None:
        self.body.error = ""


def prepare_screenshot(app) -> None:
    tickets.prepare_screenshot(app)


def create(app) -> TicketConfirmScreen:
    tickets.load_kv()
    return TicketConfirmScreen()
