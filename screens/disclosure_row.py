"""One item in the 信息公开 list: its title (bold, up to three lines), publisher and date, its
公示期 and, once that is over, 公示期已结束; a ›. One widget drawing its texts
(screens.text_piece) where a box of labels was; the layout is what those boxes gave. The card
(fill, border, the red accent that turns grey when the period ended) is drawn by the kv rule in
screens/disclosures.py."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk import theme
from kiosk.i18n import _
from screens.text_piece import PieceRow, TextPiece
from screens.widgets import DebouncedButtonBehavior

ONE_LINE = 100_000


class DisclosureRow(DebouncedButtonBehavior, PieceRow):
    item_id = StringProperty("")
    title = StringProperty("")
    meta = StringProperty("")
    validity = StringProperty("")
    ended = BooleanProperty(False)
    WATCH = ("title", "meta", "validity", "ended")

    def build(self, canvas) -> None:
        self.title_text = TextPiece(canvas, "", color=theme.TEXT, bold=True, max_lines=3)
        self.meta_text = TextPiece(canvas, "", color=theme.TEXT_MUTED)
        self.validity_text = TextPiece(canvas, "", color=theme.TEXT_MUTED)
        self.ended_text = TextPiece(canvas, "", color=theme.TEXT_MUTED)
        self.chevron = TextPiece(canvas, "›", halign="center", color=theme.RED)
        self.texts_height = 0.0

    def pieces(self) -> list[TextPiece]:
        return [self.title_text, self.meta_text, self.validity_text, self.ended_text,
                self.chevron]

    def _texts(self) -> list[tuple[TextPiece, float]]:
        """The column of texts with their sizes (x the body text size)."""
        return [(self.title_text, 1.1), (self.meta_text, 0.85), (self.validity_text, 0.85),
                (self.ended_text, 0.8)]

    def _pads(self) -> tuple[float, float, float]:
        u = self.u
        return u * (theme.PAD + theme.ACCENT), u * theme.PAD * 0.6, u * theme.PAD * 0.5

    def text_width(self) -> float:
        """The width the texts wrap in (the row less its padding, the › and the gap)."""
        left, right, gap = self._pads()
        return self.width - left - right - self.chevron.texture_size[0] - gap

    def layout_texts(self, *_args) -> None:
        t = self.t
        self.chevron.layout(t * theme.FONT_TILE, ONE_LINE)
        self.title_text.plain_text, self.meta_text.plain_text = self.title, self.meta
        self.validity_text.plain_text = self.validity
        self.ended_text.plain_text = _("The public notice period has ended") if self.ended else ""
        width, body = self.text_width(), t * theme.FONT_BODY
        texts = self._texts()
        self.texts_height = (sum(piece.layout(body * scale, width)[1] for piece, scale in texts)
                             + t * 6 * (len(texts) - 1))
        self.height = max(self.texts_height + self.u * theme.PAD * 1.1, theme.MIN_TOUCH_PX)
        self.place_texts()

    def place_texts(self, *_args) -> None:
        left, right, _gap = self._pads()
        middle = self.y + self.height / 2.0
        x, top = self.x + left, middle + self.texts_height / 2.0
        for piece, _scale in self._texts():
            width, height = piece.texture_size
            top -= height
            piece.place(x, top, width, height)
            top -= self.t * 6
        chevron_width = self.chevron.texture_size[0]
        self.chevron.place(self.right - right - chevron_width, self.y, chevron_width, self.height)
