"""通知公告: the live notices, urgent first (with a red 紧急 tag), then newest first.

Also what the detail screen shares with the list: the order of notices and the date line. The
kv rules of both notice screens are in notices.kv. Tapping a row opens the notice on
`notice_detail` (`app.open_screen("notice_detail", notice_id=ID)`).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kivy.app import App
from kivy.graphics import Color, Line, RoundedRectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from content.schemas import CST, Notice, aware
from kiosk import theme
from kiosk.i18n import _
from screens.base import KioskScreen
from screens.text_piece import PieceRow, TextPiece
from screens.widgets import DebouncedButtonBehavior

KV_PATH = Path(__file__).with_suffix(".kv")

# design px (x app.text_unit)
FONT_ROW_TITLE = 36
FONT_ROW_META = 28
FONT_TAG = 28
FONT_DETAIL_TITLE = 44
MAX_TEXT_WIDTH = 1400  # design px: lines of a wide window stay short enough to read


def load_kv() -> None:
    """Load notices.kv once (both notice screens' create() call this)."""
    if str(KV_PATH) not in Builder.files:
        Builder.load_file(str(KV_PATH))


# ---- shared with the detail screen ------------------------------------------------------------

def published(notice: Notice) -> dt.datetime:
    """When a notice appeared: its publish time, else its last update (China time)."""
    return aware(notice.publish_at or notice.updated_at).astimezone(CST)


def ordered_notices(notices) -> list[Notice]:
    """Urgent notices first, then the newest (by publish time, else update time) first."""
    return sorted(notices, key=lambda n: (n.level != "urgent", -published(n).timestamp(), n.id))


def date_text(notice: Notice) -> str:
    """"2026年11月21日发布"."""
    day = published(notice).date()
    return _("Published on {year}-{month}-{day}").format(year=day.year, month=day.month,
                                                         day=day.day)


def live_notices(app) -> list[Notice]:
    """The notices shown now, in list order."""
    return ordered_notices(n for n in app.view.items("notice", app.now()) if isinstance(n, Notice))


# ---- widgets --------------------------------------------------------------------------------

class NoticeRow(DebouncedButtonBehavior, PieceRow):
    """One notice in the list: 紧急 tag (urgent only), title (up to three lines), date, and a
    chevron. One widget drawing its texts (screens.text_piece) where a box of boxes and labels
    was (~6 widgets a row); the layout is what those boxes gave (outline and pressed fill:
    notices.kv)."""

    notice_id = StringProperty("")
    title = StringProperty("")
    date = StringProperty("")
    urgent = BooleanProperty(False)
    WATCH = ("title", "date", "urgent")

    def build(self, canvas) -> None:
        self._tag_colour = Color(*theme.URGENT_TAG_BG)
        self._tag = RoundedRectangle(size=(0, 0))
        canvas.add(self._tag_colour)
        canvas.add(self._tag)
        self.tag_text = TextPiece(canvas, "", halign="center", color=theme.ON_RED, bold=True)
        self.title_text = TextPiece(canvas, "", color=theme.TEXT, max_lines=3)
        self.date_text = TextPiece(canvas, "", color=theme.TEXT_MUTED, kivy_wraps=True)
        canvas.add(Color(*theme.TEXT_MUTED))
        self._chevron = Line(points=[0, 0, 0, 0], cap="round", joint="round")
        canvas.add(self._chevron)
        self._tag_size = (0.0, 0.0)
        self.texts_height = 0.0

    def pieces(self) -> list[TextPiece]:
        return [self.tag_text, self.title_text, self.date_text]

    def _boxes(self) -> tuple[float, float, float, float, float]:
        """Left and right padding, vertical padding, spacing, chevron width (px)."""
        u, pad = self.u, theme.PAD
        return (u * pad * 0.8, u * pad * 0.4, u * 18, u * pad * 0.6,
                self.t * FONT_ROW_TITLE * 0.7)

    def layout_texts(self, *_args) -> None:
        """Wrap and render the texts for the current width; set the row's height."""
        t = self.t
        left, right, _vertical, gap, chevron = self._boxes()
        tag_font = t * FONT_TAG
        self.tag_text.plain_text = _("Urgent") if self.urgent else ""
        tag_w, tag_h = self.tag_text.layout(tag_font, 100_000)
        self._tag_size = (tag_w + tag_font * 0.9, tag_h + tag_font * 0.35) if self.urgent \
            else (0.0, 0.0)
        room = self.width - left - right - self._tag_size[0] - chevron - 2 * gap
        self.title_text.plain_text, self.date_text.plain_text = self.title, self.date
        self.texts_height = (self.title_text.layout(t * FONT_ROW_TITLE, room)[1] + self.u * 6
                             + self.date_text.layout(t * FONT_ROW_META, room)[1])
        self.height = max(theme.MIN_TOUCH_PX * 1.2, self.texts_height + 2 * self.u * 18)
        self.place_texts()

    def place_texts(self, *_args) -> None:
        left, right, vertical, gap, chevron = self._boxes()
        inner_y, inner_h = self.y + vertical, self.height - 2 * vertical
        middle = inner_y + inner_h / 2.0
        x = self.x + left
        tag_w, tag_h = self._tag_size
        self._tag.pos, self._tag.size = (x, middle - tag_h / 2.0), self._tag_size
        self._tag.radius = [self.t * FONT_TAG * 0.25]
        self.tag_text.place(x, middle - tag_h / 2.0, tag_w, tag_h)
        x += tag_w + gap
        top = middle + self.texts_height / 2.0
        for piece, below in ((self.title_text, self.u * 6), (self.date_text, 0)):
            width, height = piece.texture_size
            top -= height
            piece.place(x, top, width, height)
            top -= below
        x = self.right - right - chevron
        self._chevron.points = [x + chevron * 0.3, middle + chevron * 0.35, x + chevron * 0.65,
                                middle, x + chevron * 0.3, middle - chevron * 0.35]
        self._chevron.width = max(1.5, chevron / 12)

    def on_tap(self):
        if self.notice_id:
            App.get_running_app().open_screen("notice_detail", notice_id=self.notice_id)


class NoticesBody(BoxLayout):
    """The screen's body (rules in notices.kv): count line, scrolling rows, empty message."""

    screen = ObjectProperty(None)


class NoticesScreen(KioskScreen):
    """The list. Re-read on every enter (expiry follows the terminal's clock)."""

    count_text = StringProperty("")
    empty = BooleanProperty(False)

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "notices")
        super().__init__(**kwargs)
        self.title = _("Notices")
        self.content = NoticesBody(screen=self)
        self.ids.body.add_widget(self.content)
        self._shown: tuple | None = None

    def refresh(self) -> None:
        notices = live_notices(self.app)
        key = (self.app.view, tuple(n.id for n in notices))
        if key == self._shown:
            return
        self._shown = key
        box = self.content.ids.rows
        box.clear_widgets()
        for notice in notices:
            box.add_widget(NoticeRow(notice_id=notice.id, title=notice.title,
                                     date=date_text(notice), urgent=notice.level == "urgent"))
        self.empty = not notices
        self.count_text = _("{count} notices").format(count=len(notices)) if notices else ""
        self.content.ids.scroll.scroll_y = 1

    def rows(self) -> list[NoticeRow]:
        """The rows, top to bottom (tests tap them)."""
        return list(reversed(self.content.ids.rows.children))

    def reset(self) -> None:
        self.content.ids.scroll.scroll_y = 1


def create(app) -> NoticesScreen:
    load_kv()
    return NoticesScreen()
