"""取号 at the kiosk: what one resident chose, the ticket they got, and whether it printed.

The screens (screens/tickets.py, ticket_confirm.py, ticket_done.py) show this state and call
these methods; the network and the printer are only touched here, off the UI thread (kiosk.background,
kiosk.printing), and every outcome comes back on the UI thread through `changed()`.

A number is never issued twice: the idempotency key is made when the resident picks a service
and kept until the ticket is in hand, so a double tap, or a second tap after a timeout, returns
the ticket the queue already wrote. A ticket is "printed" only when the printer said so; if it
did not, the number and its QR stay on screen (请拍照留存) and 补打 prints the same ticket again.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

from kiosk import background
from kiosk.i18n import _
from tickets.client import QueueClient, QueueRefused, QueueUnavailable, new_key

log = logging.getLogger(__name__)

HEALTH_EVERY_S = 20.0
OFFLINE_AFTER = 2  # failed checks in a row before 取号 is withdrawn (one slow answer is not an outage)
HELP_REPEAT_S = 30.0


def terminal_name(settings) -> str:
    return f"{settings.centre}/{socket.gethostname()}"[:64]


class TicketDesk:
    """The app's link to the queue service (None when `[tickets] url` is empty)."""

    def __init__(self, settings, changed: Callable[[], None], client: QueueClient | None = None):
        self.settings = settings
        self.client = client or QueueClient(settings.tickets.url, _token(settings))
        self.changed = changed
        self.online = False
        self.checks = 0  # answers (or failures) of the queue service so far
        self._failures = 0  # failed checks in a row
        self.snapshot: dict | None = None
        self.flow = TicketFlow(self)
        self._help_at = -1e9
        self.sample = False  # `kiosk screenshot` fills in a sample queue and nothing is fetched

    # ---- the queue's picture --------------------------------------------------------------

    def refresh(self, done: Callable[[], None] | None = None) -> None:
        """Fetch /api/queue in the background; `online`, `snapshot` follow, then `changed()`."""
        if self.sample:
            if done:
                done()
            return

        def ok(snapshot) -> None:
            self.online, self.snapshot = True, snapshot
            self.checks, self._failures = self.checks + 1, 0
            self.changed()
            if done:
                done()

        def failed(exc) -> None:
            was = self.online
            self._failures += 1
            self.online = was and self._failures < OFFLINE_AFTER
            self.checks += 1
            if was and not self.online:
                log.warning("queue service unreachable: %s", exc)
            self.changed()
            if done:
                done()

        background.call(self.client.queue, ok, failed, name="queue-refresh")

    def services(self) -> list[dict]:
        return list((self.snapshot or {}).get("services", []))

    # ---- 呼叫工作人员 ----------------------------------------------------------------------

    def call_for_help(self, screen: str, now: float, toast: Callable[[str], None]) -> bool:
        """Tell every counter a resident needs help; once per HELP_REPEAT_S whatever the taps."""
        if now - self._help_at < HELP_REPEAT_S:
            toast(_("Staff have been notified. Please wait."))
            return False
        self._help_at = now

        def failed(exc) -> None:
            self._help_at = -1e9
            toast(_("Staff cannot be called right now. Please go to a counter."))

        background.call(lambda: self.client.call_for_help(terminal_name(self.settings), screen),
                        lambda _r: toast(_("Staff have been notified. Please wait.")), failed, name="help-call")
        return True


def _token(settings) -> str:
    return os.environ.get("KIOSK_TICKETS_TOKEN") or settings.tickets.token


class TicketFlow:
    """One resident's 取号 (reset by the idle timeout with the rest of the session)."""

    def __init__(self, desk: TicketDesk):
        self.desk = desk
        self.reset()

    def reset(self) -> None:
        self.service: dict | None = None
        self.key: str | None = None
        self.ticket: dict | None = None
        self.busy = False
        self.error: str = ""         # what the confirm screen says after a failed attempt
        self.print_state = "none"    # none / printing / printed / failed / no_printer
        self.print_reason: str | None = None

    def choose(self, service: dict) -> None:
        if self.service is None or service.get("code") != self.service.get("code") or self.ticket is not None:
            self.key = new_key()  # a new choice is a new request; the same one keeps its key
            self.print_state, self.print_reason = "none", None  # its ticket is not printed yet
        self.service, self.ticket, self.error = service, None, ""

    def confirm(self, card: dict | None, opened: Callable[[dict], None]) -> bool:
        """Issue the number (in the background); `opened(ticket)` runs once it is issued.
        False when nothing was sent (a request is running, or the ticket is already issued)."""
        if self.busy or self.service is None:
            return False
        if self.ticket is not None:
            opened(self.ticket)
            return False
        self.busy, self.error = True, ""
        code, key = self.service["code"], self.key

        def ok(ticket) -> None:
            self.busy, self.ticket = False, ticket
            opened(ticket)
            self.desk.changed()

        def failed(exc) -> None:
            self.busy = False
            self.error = refusal_text(exc)
            self.desk.changed()

        background.call(lambda: self.desk.client.issue(code, key, card, terminal_name(self.desk.settings)),
                        ok, failed, name="ticket-issue")
        self.desk.changed()
        return True

    def print_ticket(self, prints, make_receipt: Callable[[], object]) -> bool:
        """Print (or 补打) the ticket; False when there is nothing to print or it is printing."""
        if self.ticket is None:
            return False
        if prints is None or not prints.available:
            self.print_state = "no_printer"
            self.desk.changed()
            return False
        if self.print_state in ("printing", "printed"):
            return False
        ticket = self.ticket

        def printed(job) -> None:
            if self.ticket is not ticket:
                return  # the resident has gone (idle reset) before the printer answered
            self.print_state = "printed" if job.printed else "failed"
            self.print_reason = job.reason
            if job.printed:
                background.call(lambda: self.desk.client.mark_printed(ticket["id"]), lambda _r: None,
                                lambda exc: None, name="ticket-printed")
            self.desk.changed()

        if not prints.submit(f"ticket:{ticket['id']}", make_receipt, printed):
            return False
        self.print_state = "printing"
        self.desk.changed()
        return True


def refusal_text(exc: BaseException) -> str:
    """Calm words for why no number was issued."""
    if isinstance(exc, QueueRefused):
        if exc.code == "service_closed" and exc.detail.get("reason") == "limit":
            return _("All numbers for this service have been taken today. Please ask at the counter.")
        if exc.code == "service_closed":
            return _("This service is not taking numbers now. Please ask at the counter.")
        log.error("the queue refused a ticket: %s", exc)
    elif not isinstance(exc, QueueUnavailable):
        log.error("taking a number failed", exc_info=exc)
    return _("Taking a number is not possible right now. Please try again or ask at the counter.")
