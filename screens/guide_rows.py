"""The rows of a guide's detail page, each one widget drawing its own texts (TextPiece).

A fact (办理地点 + where), a bullet or numbered step, a material with its tick box, a question
and its answer: each was a box of two or three labels (and a box inside the box), so a guide
was ~140 widgets whose heights settled one layout pass after another. Each row now wraps and
renders its texts in one go, sizes itself, and places them when it moves: the same picture
as those boxes gave (tests/test_ui_guide_detail.py), a fraction of the widgets and passes
(docs/benchmarks.md, "Memory, session 5").

Sizes: design px x `u` (app.ui_unit, layout) or `t` (app.text_unit, text, elder mode
included), set by the kv rules in guide_detail.kv.
"""
from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line
from kivy.properties import BooleanProperty, StringProperty

from kiosk import theme
from screens.guides import FACT_LABEL_EMS, FONT_BODY
from screens.text_piece import PieceRow, TextPiece

ONE_LINE = 100_000      # a width no marker text wraps in


class GuideMarkerRow(PieceRow):
    """A bullet (•) or a numbered step (a red disc with the number) and its text beside it."""

    marker = StringProperty("")
    text = StringProperty("")
    round = BooleanProperty(False)
    WATCH = ("marker", "text", "round")

    def build(self, canvas) -> None:
        self._disc_colour = Color(0, 0, 0, 0)
        self._disc = Ellipse(size=(0, 0))
        canvas.add(self._disc_colour)
        canvas.add(self._disc)
        self.marker_text = TextPiece(canvas, "", halign="center", color=theme.RED, bold=True)
        self.body = TextPiece(canvas, "", color=theme.TEXT)
        self._box = (0.0, 0.0)

    def pieces(self) -> list[TextPiece]:
        return [self.marker_text, self.body]

    def layout_texts(self, *_args) -> None:
        font = self.t * FONT_BODY
        marker = self.marker_text
        marker.plain_text, marker.color = self.marker, theme.ON_RED if self.round else theme.RED
        mark_height = marker.layout(font * 0.8 if self.round else font, ONE_LINE)[1]
        self._box = (font * 1.35, font * 1.35) if self.round else (font * 1.1, mark_height)
        self.body.plain_text = self.text
        body_height = self.body.layout(font, self.width - self._box[0] - self.u * 12)[1]
        self.height = max(self._box[1], body_height)
        self.place_texts()

    def place_texts(self, *_args) -> None:
        top = self.y + self.height
        box_width, box_height = self._box
        self._disc_colour.rgba = theme.RED if self.round else (0, 0, 0, 0)
        self._disc.pos, self._disc.size = (self.x, top - box_height), self._box
        self.marker_text.place(self.x, top - box_height, box_width, box_height)
        body_height = self.body.texture_size[1]
        self.body.place(self.x + box_width + self.u * 12, top - body_height,
                        self.body.texture_size[0], body_height)


class GuideFactRow(PieceRow):
    """A fact: its label (red, bold, a fixed column) and its value beside it."""

    label = StringProperty("")
    value = StringProperty("")
    WATCH = ("label", "value")

    def build(self, canvas) -> None:
        self.label_text = TextPiece(canvas, "", color=theme.RED, bold=True, kivy_wraps=True)
        self.value_text = TextPiece(canvas, "", color=theme.TEXT)

    def pieces(self) -> list[TextPiece]:
        return [self.label_text, self.value_text]

    def _label_width(self) -> float:
        return self.t * FONT_BODY * FACT_LABEL_EMS

    def layout_texts(self, *_args) -> None:
        font, label_width = self.t * FONT_BODY, self._label_width()
        self.label_text.plain_text, self.value_text.plain_text = self.label, self.value
        label_height = self.label_text.layout(font, label_width)[1]
        value_width = self.width - label_width - self.u * 16
        self.height = max(label_height, self.value_text.layout(font, value_width)[1])
        self.place_texts()

    def place_texts(self, *_args) -> None:
        top = self.y + self.height
        for piece, x in ((self.label_text, self.x),
                         (self.value_text, self.x + self._label_width() + self.u * 16)):
            width, height = piece.texture_size
            piece.place(x, top - height, width, height)


class GuideMaterialRow(PieceRow):
    """A material: an empty tick box, its name, how many copies / original (red) and a note."""

    name = StringProperty("")
    detail = StringProperty("")
    note = StringProperty("")
    WATCH = ("name", "detail", "note")

    def build(self, canvas) -> None:
        canvas.add(Color(*theme.TEXT))
        self.tick_box = Line(rectangle=(0, 0, 1, 1), width=1.2)
        canvas.add(self.tick_box)
        self.name_text = TextPiece(canvas, "", color=theme.TEXT)
        self.detail_text = TextPiece(canvas, "", color=theme.RED)
        self.note_text = TextPiece(canvas, "", color=theme.TEXT_MUTED)

    def pieces(self) -> list[TextPiece]:
        return [self.name_text, self.detail_text, self.note_text]

    @property
    def box_size(self) -> float:
        """The tick box's side (the Chinese font has no ☐ glyph: it is drawn)."""
        return self.t * FONT_BODY * 1.1

    def layout_texts(self, *_args) -> None:
        font, width = self.t * FONT_BODY, self.width - self.box_size - self.u * 16
        self.name_text.plain_text = self.name
        self.detail_text.plain_text = self.detail
        self.note_text.plain_text = self.note
        texts = (self.name_text.layout(font, width)[1] + self.detail_text.layout(font * 0.9, width)[1]
                 + self.note_text.layout(font * 0.9, width)[1] + self.u * 4 * 2)
        self.height = max(self.box_size, texts)
        self.place_texts()

    def place_texts(self, *_args) -> None:
        side, top = self.box_size, self.y + self.height
        box_y = self.y + self.height * 0.995 - side
        self.tick_box.rectangle = (self.x + 2, box_y + 2, side - 4, side - 4)
        self.tick_box.width = max(1.2, side / 22)
        x, y = self.x + side + self.u * 16, top
        for piece in self.pieces():
            width, height = piece.texture_size
            y -= height
            piece.place(x, y, width, height)
            y -= self.u * 4


class GuideFaqRow(PieceRow):
    """A question and its answer (muted) under it."""

    q = StringProperty("")
    a = StringProperty("")
    WATCH = ("q", "a")

    def build(self, canvas) -> None:
        self.q_text = TextPiece(canvas, "", color=theme.TEXT)
        self.a_text = TextPiece(canvas, "", color=theme.TEXT_MUTED)

    def pieces(self) -> list[TextPiece]:
        return [self.q_text, self.a_text]

    def layout_texts(self, *_args) -> None:
        font = self.t * FONT_BODY
        self.q_text.plain_text, self.a_text.plain_text = self.q, self.a
        self.height = (self.q_text.layout(font, self.width)[1] + self.u * 6
                       + self.a_text.layout(font, self.width)[1])
        self.place_texts()

    def place_texts(self, *_args) -> None:
        y = self.y + self.height
        for piece in (self.q_text, self.a_text):
            width, height = piece.texture_size
            y -= height
            piece.place(self.x, y, width, height)
            y -= self.u * 6
