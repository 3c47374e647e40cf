"""One disclosure: title, publisher, period, 公示期, its blocks (BlockView), then its page images;
朗读 under the title reads all of that but the images, a table row by row (screens.speech).

Open it with `app.open_screen("disclosure_detail", item_id=ID)`. The item is read again from `app.view` on enter,
with the terminal's clock: an item that expired meanwhile shows a calm message instead.

The page images (`pages`, renders of an uploaded PDF) are shown fit to width at the end of the
text; tapping one, or 放大查看, shows the `PageViewer` (pinch-zoom, pan, 上一页/下一页) in place
of the scrolling text, so zoom gestures never fight the page's own scrolling; 返回正文 comes back
to the same scroll position.
"""
from __future__ import annotations

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from content.schemas import Disclosure, Table, aware
from kiosk.i18n import N_, _, format_time
from screens import base, blocks, disclosures, page_viewer, read_aloud
from screens.base import KioskScreen
from screens.clip import ScissorClip
from screens.cull import CullingColumn, CullingScroll
from screens.disclosures import (category_name, format_day, newest_first, notice_period_ended,
                                 period_label, validity_text)
from screens.page_viewer import PageViewer
from screens.read_aloud import ReadAloud
from screens.speech import disclosure_speech
from screens.widgets import DebouncedButtonBehavior


class PageThumb(DebouncedButtonBehavior, BoxLayout):
    """One page image, fit to width, with "第1页/共2页" under it; a tap opens the viewer there."""

    source = StringProperty("")
    caption = StringProperty("")
    index = NumericProperty(0)


class DetailContent(CullingColumn):  # a BoxLayout whose unseen parts are not drawn
    """Everything that scrolls (ids: title, publisher, period, validity, ended_label, blocks, pages)."""

    title = StringProperty("")
    publisher = StringProperty("")
    period = StringProperty("")
    validity = StringProperty("")
    updated = StringProperty("")
    ended = BooleanProperty(False)
    page_count = NumericProperty(0)
    side = NumericProperty(0.0)  # the side margin (kv rule)


class DetailScroll(ScissorClip, CullingScroll, ScrollView):
    """Scissor-clipped (screens/clip.py); blocks out of sight are not drawn (screens/cull.py)."""


class DisclosureDetailScreen(KioskScreen):
    item_id = StringProperty("")
    viewer_open = BooleanProperty(False)

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "disclosure_detail")
        super().__init__(**kwargs)
        self.title = _("Public disclosures")
        self.item: Disclosure | None = None
        self._shown: tuple | None = None
        self.reader = ReadAloud(self, self.speech_text)
        self.scroll = DetailScroll(do_scroll_x=False, scroll_type=["bars", "content"])
        self.content = DetailContent()
        self.content.ids.read_row.reader = self.reader
        self.scroll.add_widget(self.content)
        self.viewer = PageViewer()
        self.viewer.bind(on_close=lambda *_: self.close_pages())
        self.content.ids.zoom_button.bind(on_tap=lambda *_: self.open_pages(0))
        # a strong reference: the heading leaves the tree for items without pages (ids are weak)
        self._pages_header = self.content.ids.pages_header.__self__
        self.ids.body.add_widget(self.scroll)

    unavailable = N_("This item is no longer published.")

    def show(self, item_id: str | None = None) -> bool:
        """`app.open_screen("disclosure_detail", item_id=ID)`: False when the item is not live."""
        if item_id is None:
            return True
        app = self.app
        if not isinstance(app.view.item(item_id, app.now()), Disclosure):
            return False
        self.item_id = item_id
        self.refresh()  # no-op when on_pre_enter does it again
        return True

    # ---- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        app = self.app
        item = app.view.item(self.item_id, app.now()) if self.item_id else None
        shown = (app.view.version, self.item_id, item is not None, app.now().date())
        if shown == self._shown:
            return
        self._shown = shown
        self.close_pages()
        self.reader.stop()
        self.item = item if isinstance(item, Disclosure) else None
        self._fill(app)
        self.scroll.scroll_y = 1

    def reset(self) -> None:
        self.close_pages()
        self.reader.stop()
        self.item_id, self.item, self._shown = "", None, None
        self.scroll.scroll_y = 1

    def prepare_screenshot(self) -> None:
        """Show the newest 财务公开 item that has a table (for `kiosk screenshot`)."""
        app = self.app
        items = newest_first(i for i in app.view.items("disclosure", app.now())
                             if isinstance(i, Disclosure))
        finance = [i for i in items if i.category == "财务公开"
                   and any(isinstance(b, Table) for b in i.blocks)]
        chosen = (finance or items or [None])[0]
        self.item_id = chosen.id if chosen is not None else ""
        self.refresh()

    def _fill(self, app) -> None:
        content, item = self.content, self.item
        if item is None:
            self.title = _("Public disclosures")
            content.title = _("This item is no longer published.")
            content.publisher = content.period = content.validity = content.updated = ""
            content.ended, content.page_count = False, 0
            content.ids.blocks.blocks = []
            self._fill_pages([])
            return
        self.title = category_name(item.category)
        content.title = item.title
        content.publisher = _("Published by: {publisher}").format(publisher=item.publisher)
        content.period = _("Period: {period}").format(period=period_label(item.period))
        content.validity = validity_text(item)
        content.ended = notice_period_ended(item, app.now().date())
        updated = aware(item.updated_at)
        content.updated = _("Updated: {date} {time}").format(date=format_day(updated.date()),
                                                             time=format_time(updated))
        view = app.view
        content.ids.blocks.blob_path = view.blob_path
        content.ids.blocks.blocks = list(item.blocks)
        self._fill_pages([str(view.blob_path(sha)) for sha in item.pages])

    def _fill_pages(self, sources: list[str]) -> None:
        content = self.content
        content.page_count = len(sources)
        box, header = content.ids.pages, self._pages_header
        # the 原件 heading and 放大查看 exist only for an item with pages (not just hidden)
        if sources and header.parent is None:
            content.add_widget(header, index=content.children.index(box) + 1)
        elif not sources and header.parent is not None:
            content.remove_widget(header)
        box.clear_widgets()
        for n, source in enumerate(sources):
            caption = _("Page {page} of {pages}").format(page=n + 1, pages=len(sources)) \
                if len(sources) > 1 else ""  # one page: no 第1页/共1页
            thumb = PageThumb(source=source, index=n, caption=caption)
            thumb.bind(on_tap=lambda t: self.open_pages(t.index))
            box.add_widget(thumb)
        self.viewer.sources = sources

    # ---- read aloud (screens.read_aloud) ----------------------------------------------------

    def speech_text(self) -> str:
        """What 朗读 reads: the title, the lines under it, every block (tables row by row)."""
        if self.item is None:
            return ""
        content = self.content
        ended = _("The public notice period has ended") if content.ended else ""
        lines = (content.publisher, content.period, content.validity, ended)
        return disclosure_speech(content.title, lines, content.ids.blocks.blocks)

    @property
    def read_button(self):
        return self.content.ids.read_row.button

    # ---- the page viewer ---------------------------------------------------------------------

    def open_pages(self, index: int = 0) -> None:
        """Show the page viewer at page `index` in place of the text."""
        if not self.viewer.sources:
            return
        body = self.ids.body
        if not self.viewer_open:
            body.remove_widget(self.scroll)
            body.add_widget(self.viewer)
            self.viewer_open = True
        self.viewer.show_page(index)

    def close_pages(self) -> None:
        if self.viewer_open:
            body = self.ids.body
            body.remove_widget(self.viewer)
            body.add_widget(self.scroll)
            self.viewer_open = False

    @property
    def blocks(self) -> blocks.BlockView:
        return self.content.ids.blocks


KV_NAME = "screens/disclosure_detail.kv"  # a pseudo file name, so the rules load once

KV = """
#:import theme kiosk.theme
#:import _ kiosk.i18n._

<PageThumb>:
    orientation: 'vertical'
    size_hint_y: None
    height: self.minimum_height
    spacing: app.ui_unit * 8
    Image:
        id: image
        source: root.source
        fit_mode: 'contain'
        size_hint_y: None
        height: self.width / max(0.01, self.image_ratio) if self.texture else 0
        canvas.after:
            Color:
                rgba: theme.BORDER
            Line:
                rectangle: (self.x, self.y, self.width, self.height)
                width: 1.2
    TextLabel:
        text: root.caption
        font_size: app.text_unit * theme.FONT_BODY * 0.85
        color: theme.TEXT_MUTED
        size_hint_y: None
        height: self.texture_size[1]

<DetailContent>:
    orientation: 'vertical'
    size_hint_y: None
    height: self.minimum_height
    # lines longer than ~46 characters are hard to follow: a wide screen gets wide margins
    side: max(0, (self.width - app.text_unit * theme.FONT_BODY * 46) / 2)
    padding: max(self.side, app.ui_unit * theme.PAD * (0.3 if app.compact else 0.6)), app.ui_unit * theme.PAD * 0.5, max(self.side, app.ui_unit * theme.PAD * 0.9), app.ui_unit * theme.PAD * 1.5
    spacing: app.text_unit * 8
    CJKLabel:
        id: title
        plain_text: root.title
        font_size: app.text_unit * theme.FONT_BODY * 1.4
        color: theme.TEXT
        outline_width: max(1, int(self.font_size / 40))
        outline_color: self.color[:3]
        line_height: 1.15
    CJKLabel:
        id: publisher
        plain_text: root.publisher
        font_size: app.text_unit * theme.FONT_BODY * 0.9
        color: theme.TEXT_MUTED
    CJKLabel:
        id: period
        plain_text: root.period
        font_size: app.text_unit * theme.FONT_BODY * 0.9
        color: theme.TEXT_MUTED
    NoticePeriodLine:
        id: validity
        plain_text: root.validity
        scale: 0.9
    NoticePeriodLine:
        id: ended_label
        plain_text: _("The public notice period has ended") if root.ended else ''
    ReadAloudRow:  # 朗读 (screens/read_aloud.py); its reader is set by the screen
        id: read_row
    Widget:
        size_hint_y: None
        height: app.text_unit * 14
        canvas:
            Color:
                rgba: theme.RED
            Rectangle:
                pos: self.x, self.center_y - 1
                size: self.width, 2
    BlockView:
        id: blocks
    BoxLayout:
        id: pages_header
        size_hint_y: None
        height: zoom_button.height
        spacing: app.ui_unit * theme.GAP * 0.5
        BoldLabel:
            text: _("Original document ({pages} pages)").format(pages=root.page_count)
            font_size: app.text_unit * theme.FONT_BODY * 1.1
            color: theme.TEXT
            text_size: self.size
            halign: 'left'
            valign: 'middle'
            shorten: True
        PillButton:
            id: zoom_button
            text: _("Enlarge")
            primary: True
    BoxLayout:
        id: pages
        orientation: 'vertical'
        size_hint_y: None
        height: self.minimum_height
        spacing: app.ui_unit * theme.GAP
    CJKLabel:
        id: updated
        plain_text: root.updated
        font_size: app.text_unit * theme.FONT_BODY * 0.8
        color: theme.TEXT_MUTED
        padding: 0, app.text_unit * 16, 0, 0
"""


def load_kv() -> None:
    if KV_NAME not in Builder.files:
        Builder.load_string(KV, filename=KV_NAME)


def create(app) -> DisclosureDetailScreen:
    base.load_kv()
    blocks.load_kv()
    disclosures.load_kv()  # NoticePeriodLine
    page_viewer.load_kv()
    read_aloud.load_kv()
    load_kv()
    return DisclosureDetailScreen()
