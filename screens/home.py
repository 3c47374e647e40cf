"""The home screen: centre name, live date and time, and the big tiles residents start from.

The screen does no I/O: the app builds a `HomeModel` from the settings and the content view and
hands it over with `HomeScreen.show_model(model)`. Tapping a tile calls `app.open_screen(name)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from kiosk import theme
from kiosk.i18n import N_, _
from screens import registry
from screens.widgets import Tile

KV_PATH = Path(__file__).with_suffix(".kv")


@dataclass(frozen=True)
class TileSpec:
    screen: str   # the name passed to app.open_screen
    title: str    # msgid
    hint: str     # msgid


MAIN_TILES = (
    TileSpec("guides", N_("Service guides"), N_("Materials, counters and time limits")),
    TileSpec("disclosures", N_("Public disclosures"),
             N_("Party, government, residents' and financial affairs")),
    TileSpec("notices", N_("Notices"), N_("Latest notices and community events")),
    TileSpec("centre", N_("Centre guide"), N_("Rooms, opening hours, staff on duty")),
)
TICKET_TILE = TileSpec("tickets", N_("Take a number"),
                       N_("Get a queue number, then wait to be called"))


@dataclass(frozen=True)
class HomeModel:
    """Everything the home screen shows, already translated and plain text."""

    centre_name: str
    info: str             # opening hours and phone, one or two lines' worth
    tickets_enabled: bool


def build_home_model(settings, view, queue_online: bool = False) -> HomeModel:
    """The home screen's data from the settings and the current content view."""
    centre = view.centre()
    name = centre.name if centre is not None else _("Community service centre")
    parts = []
    if centre is not None and centre.hours:
        # the first two lines (the counters); the full list belongs to 中心导览
        parts.append(_("Opening hours: {hours}").format(hours="；".join(centre.hours[:2])))
    if centre is not None and centre.phone:
        parts.append(_("Phone: {phone}").format(phone=centre.phone))
    return HomeModel(centre_name=name, info="\n".join(parts),
                     tickets_enabled=tickets_available(settings) and queue_online)


def tickets_available(settings) -> bool:
    """取号 is offered only when a queue service is configured *and* its screen exists (and, in
    build_home_model, while the service answers): a tile that leads to "not possible now" would
    be a dead end for a resident."""
    return bool(settings.tickets.url.strip()) and TICKET_TILE.screen in registry.SCREENS


def load_kv() -> None:
    """Load home.kv once (the app calls this before it builds the screen)."""
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


class HomeScreen(Screen):
    """Header (centre name, clock), info line, tiles, footer (长辈模式, help text)."""

    centre_name = StringProperty("")
    info = StringProperty("")
    tickets_enabled = BooleanProperty(False)
    model = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "home")
        super().__init__(**kwargs)
        self._tiles: dict[str, Tile] = {}
        self._grid: GridLayout | None = None

    def show_model(self, model: HomeModel) -> None:
        """Display `model` (main thread only)."""
        self.model = model
        self.centre_name = model.centre_name
        self.info = model.info
        self.tickets_enabled = model.tickets_enabled
        self._build_tiles()

    def tile(self, screen: str) -> Tile | None:
        """The tile that opens `screen` (tests tap it), or None."""
        return self._tiles.get(screen)

    def tiles(self) -> list[Tile]:
        return list(self._tiles.values())

    def _build_tiles(self) -> None:
        area = self.ids.tiles_area
        area.clear_widgets()
        self._tiles.clear()
        gap = self._gap()
        self._grid = GridLayout(cols=2, spacing=gap)
        for spec in MAIN_TILES:
            self._grid.add_widget(self._make_tile(spec, primary=False))
        area.add_widget(self._grid)
        if self.tickets_enabled:
            area.add_widget(self._make_tile(TICKET_TILE, primary=True))
        self.arrange()

    def _make_tile(self, spec: TileSpec, primary: bool) -> Tile:
        title = _(spec.title)
        tile = Tile(screen=spec.screen, title=title, hint=_(spec.hint), badge=title[:1],
                    primary=primary)
        self._tiles[spec.screen] = tile
        return tile

    def _gap(self) -> float:
        from kivy.app import App

        app = App.get_running_app()
        return (app.ui_unit if app else 1.0) * theme.GAP

    def arrange(self, *_args) -> None:
        """Place the tiles for the window's orientation (called on resize and rotation).

        Landscape: the four tiles 2x2, 取号 as a tall column on the right. Portrait: 2x2 with
        取号 as a wide bar underneath.
        """
        from kivy.app import App

        app = App.get_running_app()
        landscape = bool(app and app.landscape)
        area = self.ids.tiles_area
        area.orientation = "horizontal" if landscape else "vertical"
        area.spacing = self._gap()
        if self._grid is not None:
            self._grid.spacing = self._gap()
            self._grid.size_hint = (1, 1)
        ticket = self._tiles.get(TICKET_TILE.screen)
        if ticket is not None:
            ticket.size_hint = (0.5, 1) if landscape else (1, 0.3)


def create(app) -> HomeScreen:
    screen = HomeScreen()
    screen.show_model(app.home_model())
    app.bind(landscape=screen.arrange)
    return screen
