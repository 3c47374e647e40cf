"""Search the 办事指南 with the on-screen keyboard: pinyin, pinyin initials (dbsq -> 低保申请),
Chinese never typed here (no IME on the Pi).

Results follow every key press: `ContentView.search` answers in well under a millisecond, so it
runs synchronously on the main thread and the next frame shows the new list. An empty query shows
a hint; a query that finds nothing shows a calm message pointing to the staff.
"""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.i18n import _
from screens import guides, keyboard
from screens.base import KioskScreen
from screens.keyboard import BACKSPACE, CLEAR

MAX_QUERY = 24      # characters; longer input finds nothing useful
RESULT_LIMIT = 50


class GuideQueryBar(BoxLayout):
    stacked = BooleanProperty(False)
    query = StringProperty("")
    placeholder = StringProperty("")
    count_text = StringProperty("")


class GuideSearchBody(BoxLayout):
    """Results, query bar and keyboard, arranged for the window's shape (`arrange`):

    * portrait: results on top, the query bar right above the keyboard;
    * landscape: results on the left, query bar and keyboard on the right;
    * small panel (800x480): three rows of keys fill the bottom, the query sits beside the
      results in the band above them.
    """

    screen = ObjectProperty(None)
    query = StringProperty("")
    message = StringProperty("")
    count_text = StringProperty("")

    def arrange(self, landscape: bool, compact: bool) -> None:
        ids = self.ids
        # the widgets themselves, not the ids' weak proxies: out of the tree for a moment,
        # nothing else holds them and the garbage collector could take them (seen in tests)
        parts = (ids.results_area.__self__, ids.query_bar.__self__, ids.keyboard.__self__)
        for part in parts:
            if part.parent is not None:
                part.parent.remove_widget(part)
        self.clear_widgets()
        ids.query_bar.stacked = compact
        ids.query_bar.size_hint = (0.34, 1) if compact else (1, None)
        ids.results_area.size_hint_x = 0.48 if (landscape and not compact) else 1
        gap = self.spacing
        if compact:
            self.orientation = "vertical"
            band = BoxLayout(spacing=gap)
            band.add_widget(ids.query_bar)
            band.add_widget(ids.results_area)
            self.add_widget(band)
            self.add_widget(ids.keyboard)
        elif landscape:
            self.orientation = "horizontal"
            self.add_widget(ids.results_area)
            column = BoxLayout(orientation="vertical", size_hint_x=0.52, spacing=gap)  # keys ~90 px
            column.add_widget(Widget())
            column.add_widget(ids.query_bar)
            column.add_widget(ids.keyboard)
            self.add_widget(column)
        else:
            self.orientation = "vertical"
            for part in parts:
                self.add_widget(part)


class GuideSearchScreen(KioskScreen):
    """Query bar + on-screen keyboard; results below/beside (GuideRow rows, like the list)."""

    query = StringProperty("")

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "guide_search")
        super().__init__(**kwargs)
        self.title = _("Search service guides")
        self.content = GuideSearchBody(screen=self)
        self.ids.body.add_widget(self.content)
        self.keyboard.bind(on_key=lambda _kb, key: self.press(key))
        self.guide_list.bind(lines=lambda *_: self._show())
        self.content.spacing = self.app.ui_unit * 16
        self._arrange()
        self.app.bind(landscape=self._arrange, compact=self._arrange, ui_unit=self._arrange)
        self._shown_view = None

    # ---- for the app and the tests --------------------------------------------------------

    @property
    def keyboard(self) -> keyboard.OnScreenKeyboard:
        return self.content.ids.keyboard

    @property
    def guide_list(self) -> guides.GuideList:
        return self.content.ids.list

    def results(self) -> list[str]:
        """Titles of the current results, best first."""
        return [row["title"] for row in self.guide_list.data]

    def _arrange(self, *_args) -> None:
        app = self.app
        self.content.spacing = app.ui_unit * (10 if app.compact else 20)
        self.content.arrange(app.landscape, app.compact)

    # ---- behaviour ------------------------------------------------------------------------

    def press(self, key: str) -> None:
        """One key of the on-screen keyboard."""
        if key == BACKSPACE:
            self.set_query(self.query[:-1])
        elif key == CLEAR:
            self.set_query("")
        elif len(self.query) < MAX_QUERY:
            self.set_query(self.query + key)

    def set_query(self, query: str) -> None:
        self.query = query
        self._show()

    def refresh(self) -> None:
        if self.app.view is not self._shown_view:  # a new content version since the last search
            self._show()

    def prepare_screenshot(self) -> None:
        """A typed query and its results, for `kiosk screenshot`."""
        self.set_query("dbsq")

    def reset(self) -> None:
        """Forget the last resident's query."""
        self.keyboard.digits_shown = False
        self.set_query("")

    def _show(self) -> None:
        app = self.app
        self._shown_view = app.view
        content = self.content
        content.query = self.query
        query = self.query.strip()
        if not query:
            hits = []
            content.message = _('Type pinyin or its initials, e.g. dbsq finds "minimum living allowance"')
            content.count_text = ""
        else:
            hits = app.view.search(query, limit=RESULT_LIMIT, now=app.now())
            empty = _("No matching service found. Try other letters, or ask the staff at a window.")
            content.message = "" if hits else empty
            content.count_text = _("{count} found").format(count=len(hits))
        self.guide_list.data = guides.row_data(hits, meta=self.guide_list.lines > 1)
        self.guide_list.scroll_y = 1


def create(app) -> GuideSearchScreen:
    keyboard.load_kv()
    guides.load_kv()
    return GuideSearchScreen()
