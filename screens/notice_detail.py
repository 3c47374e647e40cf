"""One notice: level tag, title, date, and its blocks (screens.blocks.BlockView), scrolling;
朗读 beside the date reads the title, the date and every block in order (screens.read_aloud).

`app.open_screen("notice_detail", notice_id=ID)` sets the notice (`show`) before switching, so the screen never shows the
previous one first. A notice that expired (or was withdrawn) meanwhile is not opened: the
resident gets a calm toast instead. The notice on screen stays as it is while it is read; a new
content version shows the next time it is opened.
"""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from content.schemas import Notice
from kiosk.i18n import N_, _
from screens import read_aloud
from screens.base import KioskScreen
from screens.blocks import BlockView
from screens.notices import date_text, live_notices, load_kv
from screens.read_aloud import ReadAloud
from screens.speech import notice_speech
from screens.text_label import TextLabel


class NoticeDetailBody(BoxLayout):
    """The screen's body (rules in notices.kv): a ScrollView with the head and the blocks."""

    screen = ObjectProperty(None)


class NoticeDetailScreen(KioskScreen):
    notice_id = StringProperty("")
    notice_title = StringProperty("")
    date = StringProperty("")
    urgent = BooleanProperty(False)

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "notice_detail")
        super().__init__(**kwargs)
        self.title = _("Notices")
        self.reader = ReadAloud(self, self.speech_text)
        self.content = NoticeDetailBody(screen=self)
        self.ids.body.add_widget(self.content)
        self.blocks = BlockView()
        self.content.ids.column.add_widget(self.blocks)

    unavailable = N_("This notice is no longer available.")

    def show(self, notice_id: str | None = None) -> bool:
        """`app.open_screen("notice_detail", notice_id=ID)`: False when the notice is not live."""
        return True if notice_id is None else self.show_notice(notice_id)

    def show_notice(self, notice_id: str) -> bool:
        """Display notice `notice_id` if it is live now; False (nothing changes) otherwise."""
        app = self.app
        notice = app.view.item(notice_id, app.now())
        if not isinstance(notice, Notice):
            return False
        self.reader.stop()
        self.notice_id = notice.id
        self.notice_title = notice.title
        self.date = date_text(notice)
        self.urgent = notice.level == "urgent"
        self.blocks.blob_path = app.view.blob_path
        self.blocks.blocks = list(notice.blocks)
        self.content.ids.scroll.scroll_y = 1
        return True

    def speech_text(self) -> str:
        """What 朗读 reads: the title, the date, every block in order."""
        if not self.notice_id:
            return ""
        return notice_speech(self.notice_title, self.date, self.blocks.blocks)

    @property
    def read_button(self):
        return self.content.ids.read_row.button

    def block_texts(self) -> list[str]:
        """Every text shown by the blocks (tests read them)."""
        return [w.text for w in self.blocks.walk(restrict=True)
                if isinstance(w, TextLabel) and w.text and w.opacity > 0]

    def prepare_screenshot(self) -> None:
        """`kiosk screenshot`: the first notice of the list (the urgent one when there is)."""
        notices = live_notices(self.app)
        if notices:
            self.show_notice(notices[0].id)

    def reset(self) -> None:
        """Forget the notice the last resident read."""
        self.reader.stop()
        self.notice_id = self.notice_title = self.date = ""
        self.urgent = False
        self.blocks.blocks = []
        self.content.ids.scroll.scroll_y = 1


def create(app) -> NoticeDetailScreen:
    read_aloud.load_kv()
    load_kv()
    return NoticeDetailScreen()
