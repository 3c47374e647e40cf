"""The rows of the 中心导览 cards, each one widget drawing its own texts (screens.text_piece):
a 功能室 (RoomCard), a person on duty (DutyRow), a line of the centre's details (InfoLine).
Each was a box of boxes and labels (14 rooms alone were 84 widgets, ~3 MB); the layout is what
those boxes gave (docs/benchmarks.md, "Memory, session 5")."""
from __future__ import annotations

from kivy.graphics import Color, Ellipse, Rectangle, RoundedRectangle
from kivy.properties import BooleanProperty, StringProperty

from kiosk import theme
from screens.text_piece import PieceRow, TextPiece

# design px (x app.text_unit)
FONT_NAME = 40
FONT_HEADING = 36
FONT_ROOM = 34
FONT_TEXT = 30
FONT_DESCRIPTION = 28
FONT_SMALL = 27  # tags (floor, duty role)
ONE_LINE = 100_000


class RoomCard(PieceRow):
    """One 功能室: its name (bold) with the floor in a tag beside it, then its hours and its
    description, each wrapping to the card's width; a thin line under it.

    One widget drawing four TextPieces: fourteen rooms were 84 widgets (~3 MB) as boxes and
    labels. The layout is what those boxes gave: padding 10 / 14 design px above / below,
    6 between the lines (a missing line keeps its gap), the tag at the foot of the name."""

    name = StringProperty("")
    floor = StringProperty("")
    hours = StringProperty("")
    description = StringProperty("")
    WATCH = ("name", "floor", "hours", "description")

    def build(self, canvas) -> None:
        with canvas:
            Color(*theme.BORDER)
            self._line = Rectangle(size=(0, 1))
            self._tag_colour = Color(*theme.BADGE_BG)
            self._tag_bg = RoundedRectangle(size=(0, 0))
        self._tag_size = (0.0, 0.0)
        self.name_text = TextPiece(canvas, self.name, color=theme.TEXT, bold=True)
        self.floor_text = TextPiece(canvas, self.floor, halign="center", color=theme.RED,
                                    bold=True)
        self.hours_text = TextPiece(canvas, self.hours, color=theme.TEXT)
        self.description_text = TextPiece(canvas, self.description, color=theme.TEXT_MUTED)

    def pieces(self) -> list[TextPiece]:
        """The texts this card draws, top to bottom (tests and the layout check read them)."""
        return [self.name_text, self.floor_text, self.hours_text, self.description_text]

    def layout_texts(self, *_args) -> None:
        """Wrap and render the texts for the current width and sizes; set the card's height."""
        t, u, width = self.t, self.u, self.width
        name, floor = self.name_text, self.floor_text
        name.plain_text, floor.plain_text = self.name, self.floor
        self.hours_text.plain_text, self.description_text.plain_text = self.hours, self.description
        tag_font = t * FONT_SMALL
        tag_w, tag_h = floor.layout(tag_font, 10_000)  # one line
        self._tag_size = (tag_w + tag_font * 0.9, tag_h + tag_font * 0.35) if floor.text \
            else (0.0, 0.0)
        name.layout(t * FONT_ROOM, width - self._tag_size[0] - u * theme.PAD * 0.5)
        self.hours_text.layout(t * FONT_TEXT, width)
        self.description_text.layout(t * FONT_DESCRIPTION, width)
        self.height = sum(self._rows()) + u * (10 + 14) + u * 6 * 2
        self.place_texts()

    def _rows(self) -> tuple[float, float, float]:
        return (max(self.name_text.texture_size[1], self._tag_size[1]),
                self.hours_text.texture_size[1], self.description_text.texture_size[1])

    def place_texts(self, *_args) -> None:
        x, width, u = self.x, self.width, self.u
        self._line.pos, self._line.size = (x, self.y), (width, 1)
        first, hours, description = self._rows()
        top = self.y + self.height - u * 10
        foot = top - first  # the name and the tag stand on the first row's foot
        name_w, name_h = self.name_text.texture_size
        self.name_text.place(x, foot, name_w, name_h)
        tag_w, tag_h = self._tag_size
        tag_x = x + width - tag_w
        self._tag_bg.pos, self._tag_bg.size = (tag_x, foot), (tag_w, tag_h)
        self._tag_bg.radius = [self.t * FONT_SMALL * 0.25]
        self.floor_text.place(tag_x, foot, tag_w, tag_h)
        y = foot - u * 6 - hours
        self.hours_text.place(x, y, self.hours_text.texture_size[0], hours)
        y -= u * 6 + description
        self.description_text.place(x, y, self.description_text.texture_size[0], description)


class DutyRow(PieceRow):
    """A person on duty today: the role in a tag (a fixed column, at the top), the name (bold)
    and the phone under it."""

    name = StringProperty("")
    role = StringProperty("")
    phone = StringProperty("")
    WATCH = ("name", "role", "phone")

    def build(self, canvas) -> None:
        with canvas:
            Color(*theme.BADGE_BG)
            self._tag_bg = RoundedRectangle(size=(0, 0))
        self._tag_size = (0.0, 0.0)
        self.role_text = TextPiece(canvas, "", halign="center", color=theme.RED, bold=True)
        self.name_text = TextPiece(canvas, "", color=theme.TEXT, bold=True)
        self.phone_text = TextPiece(canvas, "", color=theme.TEXT_MUTED)

    def pieces(self) -> list[TextPiece]:
        return [self.role_text, self.name_text, self.phone_text]

    def _column(self) -> float:
        return self.t * FONT_SMALL * 5.2

    def layout_texts(self, *_args) -> None:
        t = self.t
        tag_font = t * FONT_SMALL
        self.role_text.plain_text = self.role
        role_w, role_h = self.role_text.layout(tag_font, ONE_LINE)
        self._tag_size = (role_w + tag_font * 0.9, role_h + tag_font * 0.35)
        width = self.width - self._column() - self.u * theme.PAD * 0.6
        self.name_text.plain_text, self.phone_text.plain_text = self.name, self.phone
        texts = (self.name_text.layout(t * FONT_ROOM, width)[1]
                 + self.phone_text.layout(t * FONT_TEXT, width)[1])
        self.height = max(self._tag_size[1], texts)
        self.place_texts()

    def place_texts(self, *_args) -> None:
        tag_w, tag_h = self._tag_size
        top = self.y + self.height
        self._tag_bg.pos, self._tag_bg.size = (self.x, top - tag_h), self._tag_size
        self._tag_bg.radius = [self.t * FONT_SMALL * 0.25]
        self.role_text.place(self.x, top - tag_h, tag_w, tag_h)
        # the texts stand on the row's foot (a box of them did)
        x = self.x + self._column() + self.u * theme.PAD * 0.6
        phone_w, phone_h = self.phone_text.texture_size
        name_w, name_h = self.name_text.texture_size
        self.phone_text.place(x, self.y, phone_w, phone_h)
        self.name_text.place(x, self.y + phone_h, name_w, name_h)


class InfoLine(PieceRow):
    """A line of the centre card: a small dot (red, or grey when `muted`), then wrapping text."""

    text = StringProperty("")
    muted = BooleanProperty(False)
    WATCH = ("text", "muted")

    def build(self, canvas) -> None:
        with canvas:
            self._dot_colour = Color(*theme.RED)
            self._dot = Ellipse(size=(0, 0))
        self.body = TextPiece(canvas, "", color=theme.TEXT)

    def pieces(self) -> list[TextPiece]:
        return [self.body]

    def _dot_width(self) -> float:
        return self.t * FONT_TEXT * 0.35

    def layout_texts(self, *_args) -> None:
        font = self.t * FONT_TEXT
        self.body.plain_text = self.text
        self.height = self.body.layout(font, self.width - self._dot_width() - font * 0.4)[1]
        self.place_texts()

    def place_texts(self, *_args) -> None:
        font, dot = self.t * FONT_TEXT, self._dot_width()
        self._dot_colour.rgba = theme.TEXT_MUTED if self.muted else theme.RED
        self._dot.pos, self._dot.size = (self.x, self.y + self.height - font * 0.82), (dot, dot)
        width, height = self.body.texture_size
        self.body.place(self.x + dot + font * 0.4, self.y, width, height)
