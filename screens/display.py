"""The calling board (`display`): what `kiosk run --role display` shows on the lobby TV.

The same picture as the web board (tickets/web/display.html): every window's current number
(large), the last calls, the waiting per service, the centre's name and a clock; here also the
notices as a moving line and the slides (宣传轮播) in the space left over. A `call` flashes its
window's card and the callout line. When the queue service cannot be reached the board keeps what
it shows, with a small calm 连接中… in the corner.

The screen does no I/O: a `kiosk.display_feed.DisplayFeed` (threads, reconnection, spoken
calls) hands it `show_queue(snapshot)`, `show_call(data)` and `show_connected(flag)` on the main
thread. On a terminal (role `terminal`) there is no feed: the board is a preview, and
`prepare_screenshot()` fills it with a sample queue of the centre's own services.
"""
from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.i18n import _
from kiosk.theme import hex_rgba
from screens.display_widgets import WindowCard, grid_shape, number_font  # noqa: F401 (kv)
from screens.text_label import TextLabel
from screens.widgets import BoldLabel

KV_PATH = Path(__file__).with_suffix(".kv")
RECHECK_S = 30.0      # with no slide to play: look again (a daypart may begin)
NOTICES_S = 60.0      # notices publish and expire by the clock
RECENT_ROWS = 6

# the web board's colours (tickets/web/static/display.css): light on deep blue, numbers amber
BG = hex_rgba("#0b1f3a")
CALLOUT_BG = hex_rgba("#10294d")
CARD_BG = hex_rgba("#15325c")
CARD_FLASH = hex_rgba("#3a5f99")
CARD_BORDER = hex_rgba("#1d4a85")
NUMBER = hex_rgba("#ffd54f")
PAUSED_NUMBER = hex_rgba("#7b8ba3")
HEADING = hex_rgba("#90caf9")
TEXT = hex_rgba("#f5f7fa")
MUTED = hex_rgba("#b0bec5")
NOTE = hex_rgba("#ffab91")
URGENT = hex_rgba("#ffe08a")


def mix(a, b, t: float) -> list[float]:
    """Colour `a` blended towards `b` by t (0..1)."""
    return [x + (y - x) * t for x, y in zip(a, b)]


def ems(text: str) -> float:
    """About how many em a text is wide: a CJK character 1, anything else about half."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text)


def load_kv() -> None:
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


def _text(value, limit: int = 40) -> str:
    """A plain string from the service's JSON (anything else becomes "")."""
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _hhmm(value) -> str:
    text = _text(value)
    return text[11:16] if len(text) >= 16 and text[13] == ":" else ""


def call_text(number: str, window: str) -> str:
    return _("Number {number}, please go to {counter}").format(number=number, counter=window)


class DisplayScreen(Screen):
    centre_name = StringProperty("")
    callout = StringProperty("")
    recall = BooleanProperty(False)
    connected = BooleanProperty(False)
    flash = NumericProperty(0.0)
    slide_source = StringProperty("")
    showing_slide = BooleanProperty(False)
    roomy = BooleanProperty(True)        # not a small panel: room for the slide and the last calls

    def __init__(self, feed=None, **kwargs):
        kwargs.setdefault("name", "display")
        super().__init__(**kwargs)
        self.feed = feed
        self.cards: dict[str, WindowCard] = {}
        self.snapshot: dict | None = None
        self.slide_id = ""
        self._slide_event = None
        self._notice_event = None
        self._arrange = Clock.create_trigger(self.arrange, -1)
        self.fbind("size", self._arrange)
        self.ids.windows.fbind("size", self._arrange)
        self.ids.lists.fbind("size", self._arrange)

    @property
    def app(self):
        return App.get_running_app()

    # ---- from the feed (main thread) --------------------------------------------------------

    def show_queue(self, snapshot: dict) -> None:
        """Show the service's picture (`GET /api/queue`)."""
        if not isinstance(snapshot, dict):
            return
        self.snapshot = snapshot
        counters = [c for c in snapshot.get("counters") or () if isinstance(c, dict) and _text(c.get("name"))]
        names = [_text(c["name"]) for c in counters]
        if names != list(self.cards):
            self._build_cards(names)
        for entry in counters:
            card = self.cards[_text(entry["name"])]
            current = entry.get("current") if isinstance(entry.get("current"), dict) else {}
            card.number = _text(current.get("number"), 12)
            card.paused = bool(entry.get("paused"))
            card.note = _("Window paused") if card.paused else ""
        recent = [c for c in snapshot.get("recent_calls") or () if isinstance(c, dict)]
        self._show_recent(recent[:RECENT_ROWS])
        self._show_waiting([s for s in snapshot.get("services") or () if isinstance(s, dict)])
        if not self.callout and recent:
            self._set_callout(_text(recent[0].get("number"), 12), _text(recent[0].get("counter")), False)
        self._arrange()

    def show_call(self, data: dict, flash: bool = True) -> None:
        """A `call` event: the number at its window at once, the callout, a flash."""
        number, window = _text(data.get("number"), 12), _text(data.get("counter"))
        if not number or not window:
            return
        card = self.cards.get(window)
        if card is not None:
            card.number = number
            if flash:
                card.flash_now()
        self._set_callout(number, window, bool(data.get("recall")))
        if flash:
            from kivy.animation import Animation

            Animation.cancel_all(self, "flash")
            (Animation(flash=1.0, d=0.5) + Animation(flash=0.0, d=0.5)
             + Animation(flash=1.0, d=0.5) + Animation(flash=0.0, d=0.5)).start(self)

    def show_connected(self, connected: bool) -> None:
        self.connected = bool(connected)

    def _set_callout(self, number: str, window: str, recall: bool) -> None:
        self.callout = call_text(number, window) if number and window else ""
        self.recall = recall

    # ---- building the parts -----------------------------------------------------------------

    def _build_cards(self, names: list[str]) -> None:
        grid = self.ids.windows
        for card in self.cards.values():
            card.stop_flash()
        grid.clear_widgets()
        self.cards = {}
        for name in names:
            card = self.cards[name] = WindowCard(window=name)
            grid.add_widget(card)

    def _show_recent(self, calls: list[dict]) -> None:
        if not self.roomy:  # a small panel: the cards and the callout say it already
            self._fill(self.ids.recent, [])
            return
        rows = [[(_text(c.get("number"), 12), NUMBER, 0.3, True, "left"), (_text(c.get("counter")), TEXT, 0.46, False, "left"),
                 (_hhmm(c.get("at")), MUTED, 0.24, False, "right")] for c in calls]
        self._fill(self.ids.recent, rows or [[(_("No calls yet"), MUTED, 1.0, False, "left")]])

    def _show_waiting(self, services: list[dict]) -> None:
        rows = []
        for svc in services:
            waiting = svc.get("waiting") if isinstance(svc.get("waiting"), int) else 0
            minutes = svc.get("wait_minutes")
            if not svc.get("open", True):
                wait = _("not issuing")
            elif waiting and isinstance(minutes, int):
                wait = _("about {n} min").format(n=minutes)
            else:
                wait = ""
            rows.append([(_text(svc.get("name")), TEXT, 0.4, False, "left"),
                         (_("{n} waiting").format(n=waiting), NUMBER, 0.27, True, "left"), (wait, MUTED, 0.33, False, "right")])
        self._fill(self.ids.waiting, rows)

    @staticmethod
    def _fill(box, rows: list[list[tuple]]) -> None:
        """Rows of cells (text, colour, width share, bold, halign) in the vertical `box`."""
        box.clear_widgets()
        for cells in rows:
            row = BoxLayout(size_hint_y=None)
            for text, colour, share, bold, halign in cells:
                cell = (BoldLabel if bold else TextLabel)(text=text, color=colour, halign=halign, valign="middle",
                                                            shorten=True, shorten_from="right", size_hint_x=share)
                cell.base_font = 20.0
                cell.fbind("width", _fit_cell)
                row.add_widget(cell)
            box.add_widget(row)

    # ---- layout -----------------------------------------------------------------------------

    def arrange(self, *_args) -> None:
        """Place the parts for the window's shape: landscape has the windows on the left and the
        lists and the slide on the right; portrait has the windows above them."""
        ids = self.ids
        app = self.app
        landscape = app.landscape if app is not None else self.width >= self.height
        u = app.ui_unit if app is not None else 1.0
        compact = app.compact if app is not None else False
        main, side = ids.main, ids.side
        main.orientation = "horizontal" if landscape else "vertical"
        main.spacing = u * 24
        if self.roomy == compact:
            self.roomy = not compact
            if self.snapshot is not None:
                self.show_queue(self.snapshot)  # (calls arrange again)
                return
        if landscape:
            slide_w = main.height * 0.5625 if self.roomy else 0
            lists_w = max(u * 540, self.width * 0.29)
            side.size_hint = (None, 1)
            side.width = lists_w + slide_w + (side.spacing if slide_w else 0)
        else:
            side.size_hint = (1, None)
            side.height = main.height * 0.4
            slide_w = side.height * 0.5625 if self.roomy else 0
        ids.slide_box.width = slide_w
        grid = ids.windows
        count = len(self.cards)
        if count:
            cols, rows = grid_shape(count, grid.width, grid.height)
            grid.cols = cols
            grid.spacing = u * 16
            grid.rows = rows
        self._fit_lists(u)

    def _fit_lists(self, u: float) -> None:
        """Rows as tall as the room allows (at most a comfortable height); text follows."""
        ids = self.ids
        rows = ids.recent.children + ids.waiting.children
        fixed = ids.recent_heading.height + ids.waiting_heading.height + ids.lists.spacing * 3
        row_h = max(1.0, min(u * 58, (ids.lists.height - ids.lists.padding[1] - ids.lists.padding[3] - fixed)
                             / max(1, len(rows))))
        for row in rows:
            row.height = row_h
            for cell in row.children:
                cell.base_font = row_h * 0.56
                _fit_cell(cell, cell.width)

    # ---- notices and slides (from app.view) -------------------------------------------------

    def refresh_content(self, *_args) -> None:
        app = self.app
        centre = app.view.centre()
        self.centre_name = centre.name if centre is not None else _("Community service centre")
        now = app.now()
        notices = sorted(app.view.items("notice", now), key=lambda n: n.level != "urgent")
        items = [(_("Urgent: {title}").format(title=n.title), URGENT) if n.level == "urgent" else (n.title, TEXT)
                 for n in notices]
        self.ids.ticker.set_items(items or [(_("Please take a number and wait to be called"), TEXT)])

    def playable(self) -> list:
        now = self.app.now()
        return [s for s in self.app.view.items("slide", now) if s.in_daypart(now)]

    def advance(self, *_args) -> None:
        """The next slide, and the one after it scheduled. A content version that came in is
        applied first: nobody reads a board the way a resident reads a page."""
        self._cancel_slides()
        app = self.app
        app.apply_pending_content()
        slides = self.playable() if self.roomy else []
        if not slides:
            self.slide_id, self.slide_source, self.showing_slide = "", "", False
            self._slide_event = Clock.schedule_once(self.advance, RECHECK_S)
            return
        ids = [s.id for s in slides]
        slide = slides[(ids.index(self.slide_id) + 1) % len(slides) if self.slide_id in ids else 0]
        self.slide_id = slide.id
        self.slide_source = str(app.view.blob_path(slide.image))
        self.showing_slide = True
        self._slide_event = Clock.schedule_once(self.advance, slide.duration_s)

    def _cancel_slides(self) -> None:
        if self._slide_event is not None:
            self._slide_event.cancel()
            self._slide_event = None

    # ---- lifecycle --------------------------------------------------------------------------

    def on_pre_enter(self, *_args) -> None:
        self.refresh_content()
        self.slide_id = ""
        self.advance()
        self.ids.ticker.start()
        self._notice_event = Clock.schedule_interval(self.refresh_content, NOTICES_S)
        self._arrange()

    def on_leave(self, *_args) -> None:
        self._stop_timers()

    def _stop_timers(self) -> None:
        self._cancel_slides()
        self.slide_source, self.showing_slide = "", False
        self.ids.ticker.stop()
        if self._notice_event is not None:
            self._notice_event.cancel()
            self._notice_event = None
        for card in self.cards.values():
            card.stop_flash()

    def content_changed(self, *_args) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.refresh_content()

    def on_manager(self, _screen, manager) -> None:
        if manager is None:  # dropped (rebuilt for new content): its feed goes with it
            self.stop_feed()

    def on_app_stop(self, *_args) -> None:
        self._stop_timers()
        self.stop_feed()

    def stop_feed(self) -> None:
        feed, self.feed = self.feed, None
        if feed is not None:
            feed.stop()

    def on_touch_down(self, touch):
        return True  # a board: nothing to press

    def prepare_screenshot(self) -> None:
        """A representative board without a service: the centre's services, sample numbers."""
        self.stop_feed()
        from screens.display_sample import sample_call, sample_queue

        snapshot = sample_queue(self.app.view, self.app.now())
        self.show_queue(snapshot)
        self.show_call(sample_call(snapshot), flash=False)
        self.show_connected(True)


def _fit_cell(cell, width) -> None:
    """A list cell's text: a long service name gets smaller before it is cut short (a CJK
    character is about 1 em wide)."""
    cell.text_size = (width, None)
    cell.font_size = max(cell.base_font * 0.75, min(cell.base_font, width * 0.96 / max(1.0, ems(cell.text))))


def create(app) -> DisplayScreen:
    load_kv()
    from kiosk.display_feed import feed_for

    screen = DisplayScreen(feed=feed_for(app))
    # bound methods are held weakly: a screen dropped for new content is freed
    app.bind(on_stop=screen.on_app_stop, view=screen.content_changed)
    if screen.feed is not None:
        screen.feed.attach(screen)
    return screen
