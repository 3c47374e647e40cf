"""通知公告: the live notices, urgent first (with a red 紧急 tag), then newest first.

Also what the detail screen shares with the list: the order of notices and the date line. The
kv rules of both notice screens are in notices.kv. Tapping a row opens the notice on
`notice_detail` (screens.notice_detail.open_notice).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from content.schemas import CST, Notice, aware
from kiosk.i18n import _
from screens.base import KioskScreen
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

class NoticeRow(DebouncedButtonBehavior, BoxLayout):
    """One notice in the list: 紧急 tag (urgent only), title (up to three lines), date."""

    notice_id = StringProperty("")
    title = StringProperty("")
    date = StringProperty("")
    urgent = BooleanProperty(False)

    def on_tap(self):
        from screens.notice_detail import open_notice

        if self.notice_id:
            open_notice(App.get_running_app(), self.notice_id)


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
