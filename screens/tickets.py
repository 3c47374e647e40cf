"""取号, step 1: choose a service. Each shows how many wait and about how long; a closed one is
greyed with the reason (all numbers taken, or when it opens). The list comes from the queue
service through the app's TicketDesk (kiosk.ticket_flow), fetched in the background on every
visit; while it loads the screen says 请稍候, and when the service does not answer it says so
calmly (guides and disclosures keep working). 朗读 on every 取号 screen reads what it shows
(screens.speech): here each service with its queue or why it is closed.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import N_, WEEKDAYS, _, format_time
from screens import read_aloud, speech
from screens.base import KioskScreen
from screens.widgets import BoldLabel, DebouncedButtonBehavior

KV_PATH = Path(__file__).with_suffix(".kv")


def load_kv() -> None:
    read_aloud.load_kv()
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


def closed_text(closed: dict | None, now: dt.datetime) -> str:
    """Why a service takes no numbers now, as a resident reads it."""
    if not closed:
        return ""
    if closed.get("reason") == "limit":
        return _("All numbers taken today")
    opens = closed.get("opens_at")
    if not opens:
        return _("Not taking numbers now")
    try:
        at = dt.datetime.fromisoformat(opens).astimezone(now.tzinfo)
    except ValueError:
        return _("Not taking numbers now")
    days = (at.date() - now.date()).days
    clock = format_time(at)
    if days == 0:
        when = _("today {time}").format(time=clock)
    elif days == 1:
        when = _("tomorrow {time}").format(time=clock)
    else:
        when = f"{_(WEEKDAYS[at.weekday()])} {clock}"
    return _("Numbers from {when}").format(when=when)


def waiting_text(service: dict) -> str:
    waiting = _("{count} waiting").format(count=service.get("waiting", 0))
    minutes = service.get("wait_minutes")
    if minutes is None:
        return f"{waiting} · {_('No counter open now')}"
    if not service.get("waiting"):
        return _("No one waiting")
    return f"{waiting} · {_('about {minutes} min').format(minutes=minutes)}"


class TicketButton(DebouncedButtonBehavior, BoldLabel):
    primary = BooleanProperty(False)


class ServiceRow(DebouncedButtonBehavior, BoxLayout):
    code = StringProperty("")
    name = StringProperty("")
    state_text = StringProperty("")
    open = BooleanProperty(True)

    def __init__(self, screen, service: dict, now: dt.datetime, **kwargs):
        self.screen, self.service = screen, service
        super().__init__(code=service["code"], name=service["name"], open=bool(service.get("open")), **kwargs)
        self.state_text = waiting_text(service) if self.open else closed_text(service.get("closed"), now)

    def on_tap(self):
        self.screen.choose(self.service)


class TicketStep(KioskScreen):
    """A step after the service is chosen (ticket_confirm, ticket_done): its body is a
    `body_class` instance, and it opens only while the flow has what it shows (`needs`).
    Each step's `speech_text()` says what 朗读 reads (the body's kv holds the button)."""

    unavailable = N_("Please choose a service first.")
    needs = "service"
    body_class = BoxLayout

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.title = _("Take a number")
        self.reader = read_aloud.ReadAloud(self, self.speech_text)
        self.body = self.body_class(screen=self)
        self.ids.body.add_widget(self.body)

    def show(self) -> bool:
        desk = self.app.tickets
        return desk is not None and getattr(desk.flow, self.needs) is not None

    @property
    def read_button(self):
        return self.body.ids.read_row.button

    def reset(self) -> None:
        self.reader.stop()


class TicketsBody(BoxLayout):
    note = StringProperty("")
    reader = ObjectProperty(None, allownone=True)


class TicketsScreen(KioskScreen):
    def __init__(self, **kwargs):
        kwargs.setdefault("name", "tickets")
        super().__init__(**kwargs)
        self.title = _("Take a number")
        self.reader = read_aloud.ReadAloud(self, self.speech_text)
        self.body = TicketsBody(reader=self.reader)
        self.rows = self.body.ids.rows.__self__
        self.ids.body.add_widget(self.body)

    def refresh(self) -> None:
        desk = self.app.tickets
        if desk is None:
            self._show([], _("Taking a number is not possible right now. Please try again or ask at the counter."))
            return
        self._show(desk.services(), "" if desk.snapshot else _("Please wait"))
        desk.refresh(self._loaded)

    def _loaded(self) -> None:
        desk = self.app.tickets
        if self.manager is None or self.manager.current != self.name:
            return
        if not desk.online:
            self._show([], _("Taking a number is not possible right now. Please try again or ask at the counter."))
        else:
            self._show(desk.services(), "" if desk.services() else _("No service takes numbers here."))

    def _show(self, services: list[dict], note: str) -> None:
        self.body.note = note
        self.rows.clear_widgets()
        now = self.app.now()
        for service in services:
            self.rows.add_widget(ServiceRow(self, service, now))

    def choose(self, service: dict) -> None:
        if not service.get("open"):
            self.app.show_toast(closed_text(service.get("closed"), self.app.now()) or _("Not taking numbers now"))
            return
        self.app.tickets.flow.choose(service)
        self.app.open_screen("ticket_confirm")

    def service_rows(self) -> list[ServiceRow]:
        return list(reversed(self.rows.children))

    def speech_text(self) -> str:
        """What 朗读 reads: the heading, a note, each service with its queue or why it is closed."""
        rows = [(row.code, row.name, row.state_text) for row in self.service_rows()]
        return speech.services_speech(_("Choose the service you need"), self.body.note, rows)

    @property
    def read_button(self):
        return self.body.ids.read_row.button

    def reset(self) -> None:
        self.reader.stop()


def prepare_screenshot(app) -> None:
    """A representative queue for `kiosk screenshot`: the content's services, three open with
    people waiting, the last closed until tomorrow morning, and one ticket taken (for the
    ticket_confirm and ticket_done screens)."""
    from kiosk.ticket_flow import TicketDesk

    if app.tickets is None:
        app.tickets = TicketDesk(app.settings.model_copy(update={"tickets": app.settings.tickets.model_copy(
            update={"url": "http://127.0.0.1:9"})}), app._tickets_changed)
    now = app.now()
    opens = now.replace(hour=8, minute=30, second=0, microsecond=0) + dt.timedelta(days=1)
    services = []
    for i, item in enumerate(app.view.items("ticket_service", now)):
        closed = {"reason": "hours", "opens_at": opens.isoformat()} if i == 3 else None
        waiting = (6, 12, 0, 0)[i % 4]
        services.append({"code": item.code, "name": item.name, "windows": list(item.windows), "waiting": waiting,
                         "wait_minutes": waiting * 3, "open": closed is None, "closed": closed})
    if not services:  # content without ticket services still shows what the screens look like
        services = [{"code": "A", "name": _("Take a number"), "windows": [], "waiting": 6, "wait_minutes": 18,
                     "open": True, "closed": None}]
    app.tickets.online, app.tickets.snapshot = True, {"services": services}
    app.tickets.sample = True  # shown as it is: no fetching
    app.tickets.flow.choose(services[0])
    app.tickets.flow.ticket = {"id": "sample-ticket", "number": f"{services[0]['code']}007",
                               "service_name": services[0]["name"], "ahead": 6, "priority": False,
                               "issued_at": now.isoformat()}
    app.tickets.flow.print_state = "printed"


def create(app) -> TicketsScreen:
    load_kv()
    return TicketsScreen()
