"""The app's side of the lobby queue: the 取号 flow's desk, the printed ticket, 呼叫工作人员.

`TicketsMixin` is part of KioskApp. With `[tickets] url` set the app keeps a TicketDesk
(kiosk.ticket_flow): it asks the queue service for its picture every HEALTH_EVERY_S in the
background, and the home screen offers 取号 only while the service answers. Every outcome comes
back on the UI thread and refreshes the ticket screen on show.
"""
from __future__ import annotations

import datetime as dt
import logging
import time

from kivy.clock import Clock

from kiosk.i18n import _
from kiosk.ticket_flow import HEALTH_EVERY_S, TicketDesk

log = logging.getLogger(__name__)

TICKET_SCREENS = ("tickets", "ticket_confirm", "ticket_done")


class TicketsMixin:
    tickets: TicketDesk | None = None

    def _init_tickets(self) -> None:
        self.tickets = TicketDesk(self.settings, self._tickets_changed) if self.settings.tickets.url else None
        self.help_available = self.tickets is not None
        self._queue_online_shown = False

    def _start_tickets(self) -> None:
        if self.tickets is None:
            return
        self.tickets.refresh()
        self._events.append(Clock.schedule_interval(lambda _dt: self.tickets.refresh(), HEALTH_EVERY_S))

    @property
    def queue_online(self) -> bool:
        return self.tickets is not None and self.tickets.online

    def _tickets_changed(self) -> None:
        """The desk has news (the queue's picture, a ticket, a print outcome): show it."""
        if self.queue_online != self._queue_online_shown:
            self._queue_online_shown = self.queue_online
            if self.manager.has_screen("home"):
                self.manager.get_screen("home").show_model(self.home_model())
        current = self.manager.current
        if current in TICKET_SCREENS:
            self.manager.get_screen(current).refresh()

    def print_ticket(self) -> bool:
        """Print (or 补打) the current resident's ticket; the outcome follows on ticket_done."""
        if self.tickets is None or self.tickets.flow.ticket is None:
            return False
        from devices.documents import ticket as ticket_receipt

        t = self.tickets.flow.ticket
        centre = self.view.centre()
        centre_name = centre.name if centre is not None else _("Community service centre")
        from screens.ticket_done import ticket_url

        url = ticket_url(self.settings.tickets.url, t["id"])
        paper_mm = self.settings.printer.paper_width_mm

        def make():
            return ticket_receipt(_, centre_name=centre_name, number=t["number"],
                                  service_name=t.get("service_name", ""), ahead=int(t.get("ahead") or 0),
                                  issued_at=dt.datetime.fromisoformat(t["issued_at"]), qr_url=url,
                                  paper_mm=paper_mm)

        return self.tickets.flow.print_ticket(self.devices.prints, make)

    def call_for_help(self) -> bool:
        """呼叫工作人员 from the screen the resident is on."""
        if self.tickets is None:
            self.show_toast(_("Please go to a counter, the staff will help you."))
            return False
        return self.tickets.call_for_help(self.manager.current, time.monotonic(), self.show_toast)

    def _tickets_card(self, card: dict | None) -> None:
        """A card was read or refused: the screen on show may use it (取号 uses it at once)."""
        changed = getattr(self.manager.current_screen, "card_changed", None)
        if changed is not None:
            changed(card)

    def _reset_tickets(self) -> None:
        if self.tickets is not None:
            self.tickets.flow.reset()
