"""中心导览: the centre's name, address, opening hours and phone; today's duty roster; the
floor plan (tap to view it larger, with zoom); the 功能室 with floor, hours and description.
朗读 beside the centre's name reads all of it but the plan and the rooms' descriptions.

Portrait: one scrolling column. Landscape: two columns that scroll on their own (left: centre,
duty, floor plan; right: rooms). The duty roster is today's by the terminal's own clock and is
re-read on every visit; the rest is rebuilt when the content version changes.
"""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.scrollview import ScrollView

from kiosk.i18n import _
from screens import read_aloud
from screens.base import KioskScreen
from screens.clip import ScissorClip
from screens.centre_rows import (FONT_DESCRIPTION, FONT_HEADING, FONT_NAME,  # noqa: F401
                                 FONT_ROOM, FONT_SMALL, FONT_TEXT, DutyRow, InfoLine, RoomCard)
from screens.cull import CullingColumn, CullingScroll
from screens.images import fitted_texture
from screens.read_aloud import ReadAloud
from screens.speech import centre_speech
from screens.widgets import DebouncedButtonBehavior

KV_PATH = Path(__file__).with_suffix(".kv")
# (the design sizes FONT_* live with the rows, screens/centre_rows.py; the kv rules read them
# from here as `c`)


def load_kv() -> None:
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


class CentreColumn(CullingColumn):  # a BoxLayout; cards out of sight are not drawn
    """A vertical stack of cards whose height follows its content. Directly in a ScrollView
    (`in_scroll`) it keeps clear of the scroll bar on its right."""

    in_scroll = BooleanProperty(False)


class CentreCard(CullingColumn):  # a BoxLayout; entries out of sight are not drawn
    """A white card with a heading; `CentreScreen` fills `ids.entries`. With a `reader` the
    heading has the 朗读 button beside it."""

    heading = StringProperty("")
    reader = ObjectProperty(None, allownone=True)


class FloorPlan(DebouncedButtonBehavior, Image):
    """The floor-plan image, no larger than the window (screens.images); tapping it opens the
    page viewer (zoom and pan) on the file itself, `path`."""

    screen = ObjectProperty(None, allownone=True)
    path = StringProperty("")

    def on_tap(self):
        if self.screen is not None:
            self.screen.open_plan()


class CentreScreen(KioskScreen):
    plan_open = BooleanProperty(False)

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "centre")
        super().__init__(**kwargs)
        self.title = _("Centre guide")
        self.reader = ReadAloud(self, self.speech_text)
        self.main_column = CentreColumn()
        self.rooms_column = CentreColumn()
        self.info_card = CentreCard(reader=self.reader)
        self.duty_card = CentreCard(heading=_("On duty today"))
        self.plan_card = CentreCard(heading=_("Floor plan"))
        self.rooms_card = CentreCard()
        for card in (self.info_card, self.duty_card, self.plan_card):
            self.main_column.add_widget(card)
        self.rooms_column.add_widget(self.rooms_card)
        self.plan = FloorPlan(screen=self)
        self.plan_card.ids.entries.add_widget(self.plan)
        self.plan_card.ids.entries.add_widget(InfoLine(text=_("Tap the plan to see it larger"),
                                                     muted=True))
        self.viewer = None
        self._saved: list = []  # the columns' scroll views while the plan viewer is shown
        self._view = None
        self._duty_day = None
        self._landscape: bool | None = None

    # ---- content ---------------------------------------------------------------------------

    def refresh(self) -> None:
        app = self.app
        if app.view is not self._view:
            self._view = app.view
            self._show_centre(app.view.centre())
        today = app.now().date()
        if today != self._duty_day:
            self._duty_day = today
            centre = app.view.centre()
            self._show_duty(centre.duty_on(today) if centre is not None else [])
        self.arrange()

    def _show_centre(self, centre) -> None:
        card = self.info_card
        card.heading = centre.name if centre is not None else _("Community service centre")
        items = card.ids.entries
        items.clear_widgets()
        if centre is not None:
            if centre.address:
                items.add_widget(InfoLine(text=_("Address: {address}").format(
                    address=centre.address)))
            if centre.phone:
                items.add_widget(InfoLine(text=_("Phone: {phone}").format(phone=centre.phone)))
            for line in centre.hours:
                items.add_widget(InfoLine(text=line, muted=True))
        self._show_plan(centre)
        rooms = list(centre.rooms) if centre is not None else []
        self.rooms_card.heading = _("Rooms ({count})").format(count=len(rooms))
        box = self.rooms_card.ids.entries
        box.clear_widgets()
        for room in rooms:
            hours = _("Opening hours: {hours}").format(hours=room.hours) if room.hours else ""
            box.add_widget(RoomCard(name=room.name, floor=room.floor, hours=hours,
                                    description=room.description))
        if rooms and self.rooms_card.parent is None:
            self.rooms_column.add_widget(self.rooms_card)
        elif self.rooms_card.parent is not None and not rooms:
            self.rooms_column.remove_widget(self.rooms_card)

    def _show_plan(self, centre) -> None:
        from kivy.core.window import Window

        source = ""
        if centre is not None and centre.floor_plan:
            source = str(self.app.view.blob_path(centre.floor_plan))
        self.plan.texture = fitted_texture(source, *Window.size) if source else None
        if self.plan.texture is None:
            source = ""  # nothing to show: no card (the log says which file failed)
        self.plan.path = source
        shown = self.plan_card.parent is not None
        if source and not shown:
            self.main_column.add_widget(self.plan_card)
        elif shown and not source:
            self.main_column.remove_widget(self.plan_card)

    def _show_duty(self, duty) -> None:
        box = self.duty_card.ids.entries
        box.clear_widgets()
        for person in duty:
            box.add_widget(DutyRow(name=person.name, role=person.role, phone=person.phone))
        if not duty:
            box.add_widget(InfoLine(text=_("No duty roster for today"), muted=True))

    def speech_text(self) -> str:
        """What 朗读 reads: name, address, phone, hours, today's duty, the rooms."""
        app = self.app
        return centre_speech(app.view.centre(), app.now().date())

    @property
    def read_button(self):
        return self.info_card.ids.read_row.button

    # ---- what the tests read ----------------------------------------------------------------

    def room_cards(self) -> list[RoomCard]:
        return list(reversed(self.rooms_card.ids.entries.children))

    def duty_rows(self) -> list[DutyRow]:
        return [w for w in reversed(self.duty_card.ids.entries.children) if isinstance(w, DutyRow)]

    def scrolls(self) -> list[ScrollView]:
        return [w for w in self.content_area.children if isinstance(w, ScrollView)]

    @property
    def content_area(self) -> BoxLayout:
        return self.ids.body

    # ---- layout -------------------------------------------------------------------------------

    def arrange(self, *_args) -> None:
        """Two columns side by side in landscape, one stacked column in portrait."""
        landscape = bool(self.app.landscape)
        if landscape == self._landscape and not self.plan_open:
            return
        self._landscape = landscape
        self.close_plan(rearrange=False)
        area = self.content_area
        area.clear_widgets()
        for column in (self.main_column, self.rooms_column):
            if column.parent is not None:
                column.parent.remove_widget(column)
        area.orientation = "horizontal" if landscape else "vertical"
        if landscape:
            area.add_widget(self._scroll(self.main_column))
            area.add_widget(self._scroll(self.rooms_column))
        else:
            stack = CentreColumn()
            stack.add_widget(self.main_column)
            stack.add_widget(self.rooms_column)
            area.add_widget(self._scroll(stack))

    @staticmethod
    def _scroll(child) -> ScrollView:
        for column in (child, *child.children):
            if isinstance(column, CentreColumn):
                column.in_scroll = column is child
        scroll = CentreScroll()
        scroll.add_widget(child)
        return scroll

    # ---- the floor plan, larger ---------------------------------------------------------------

    def open_plan(self) -> None:
        """Show the floor plan in the page viewer in place of the columns (返回正文 closes)."""
        from screens.page_viewer import PageViewer

        if not self.plan.path or self.plan_open:
            return
        if self.viewer is None:
            self.viewer = PageViewer(closable=True)
            self.viewer.bind(on_close=lambda *_: self.close_plan())
        self.viewer.sources = [self.plan.path]
        self._saved = list(self.content_area.children)
        self.content_area.clear_widgets()
        self.content_area.add_widget(self.viewer)
        self.plan_open = True

    def close_plan(self, rearrange: bool = True) -> None:
        if not self.plan_open:
            return
        self.plan_open = False
        self.content_area.remove_widget(self.viewer)
        if rearrange:
            for child in reversed(self._saved):
                self.content_area.add_widget(child)
        self._saved = []

    def reset(self) -> None:
        self.reader.stop()
        self.close_plan()
        for scroll in self.scrolls():
            scroll.scroll_y = 1


class CentreScroll(ScissorClip, CullingScroll, ScrollView):
    """Scissor-clipped (screens/clip.py), cards out of sight not drawn (screens/cull.py)."""


def create(app) -> CentreScreen:
    read_aloud.load_kv()
    load_kv()
    screen = CentreScreen()
    app.bind(landscape=screen.arrange)
    return screen
