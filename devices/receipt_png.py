"""Drawing receipts on paper-wide images with Pillow.

`PaperCanvas` is the one place a receipt is drawn: the PNG preview of a `Receipt` draws its
blocks on it, the printer simulator draws what it decoded from ESC/POS bytes on it, and the
`bitmap` encoding rasterises text blocks with it. Geometry follows the printer: font A cells of
12x24 dots (Chinese 24x24), size multipliers, 384 or 576 dots wide.
"""
from __future__ import annotations

import functools

import qrcode
from PIL import Image, ImageDraw, ImageFont

from content.fonts import find_cjk_font
from devices.receipt import CHAR_H, CHAR_W, QR, Cut, Feed, Receipt, Rule, Text, text_cells, wrap

LINE_GAP = 6  # dots between text lines, as the printers' default line spacing leaves


@functools.lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_cjk_font()), px)


class PaperCanvas:
    """A growing strip of paper. Methods add content at the current position."""

    def __init__(self, width_dots: int):
        self.width = width_dots
        self.parts: list[Image.Image] = []

    def _add(self, img: Image.Image) -> None:
        self.parts.append(img)

    def text_line(self, line: str, size: int = 1, bold: bool = False, align: str = "left") -> None:
        h = CHAR_H * size + LINE_GAP
        img = Image.new("L", (self.width, h), 255)
        draw = ImageDraw.Draw(img)
        font = _font(int(CHAR_H * size * 0.92))
        used = text_cells(line) * CHAR_W * size
        x = {"left": 0, "center": (self.width - used) // 2, "right": self.width - used}[align]
        x = max(0, x)
        for ch in line:  # cell by cell, as the printer's fixed-pitch font does
            cell = CHAR_W * size * (2 if text_cells(ch) == 2 else 1)
            draw.text((x + cell / 2, LINE_GAP // 2 + CHAR_H * size / 2), ch, font=font, fill=0, anchor="mm",
                      stroke_width=1 if bold else 0, stroke_fill=0)
            x += cell
        self._add(img)

    def image(self, img: Image.Image, align: str = "left") -> None:
        img = img.convert("L")
        if img.width > self.width:
            img = img.crop((0, 0, self.width, img.height))
        strip = Image.new("L", (self.width, img.height), 255)
        x = {"left": 0, "center": (self.width - img.width) // 2, "right": self.width - img.width}[align]
        strip.paste(img, (x, 0))
        self._add(strip)

    def feed(self, lines: int = 1) -> None:
        if lines > 0:
            self._add(Image.new("L", (self.width, (CHAR_H + LINE_GAP) * lines), 255))

    def cut_mark(self) -> None:
        img = Image.new("L", (self.width, 12), 255)
        draw = ImageDraw.Draw(img)
        for x in range(0, self.width, 12):
            draw.line((x, 6, x + 6, 6), fill=128)
        self._add(img)

    @property
    def empty(self) -> bool:
        return not self.parts

    def to_image(self) -> Image.Image:
        height = sum(p.height for p in self.parts) or 1
        out = Image.new("L", (self.width, height), 255)
        y = 0
        for p in self.parts:
            out.paste(p, (0, y))
            y += p.height
        return out


def qr_image(data: str, module: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=max(1, module), border=2)
    qr.add_data(data.encode("utf-8"))
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")


def render_qr(block: QR) -> Image.Image:
    return qr_image(block.data, block.module)


def render_text_block(block: Text, width_dots: int) -> Image.Image:
    """One text block as a paper-wide image (the `bitmap` encoding prints this)."""
    canvas = PaperCanvas(width_dots)
    for line in wrap(block.text, width_dots // CHAR_W // block.size):
        canvas.text_line(line, block.size, block.bold, block.align)
    return canvas.to_image()


def render_receipt(receipt: Receipt) -> Image.Image:
    """The PNG preview of a receipt, as it will come out of the printer."""
    canvas = PaperCanvas(receipt.width_dots)
    cells = receipt.width_dots // CHAR_W
    for block in receipt.blocks:
        if isinstance(block, Text):
            for line in wrap(block.text, cells // block.size):
                canvas.text_line(line, block.size, block.bold, block.align)
        elif isinstance(block, QR):
            canvas.image(render_qr(block), block.align)
        elif isinstance(block, Rule):
            canvas.text_line((block.char * cells)[:cells])
        elif isinstance(block, Feed):
            canvas.feed(block.lines)
        elif isinstance(block, Cut):
            canvas.feed(3)
            canvas.cut_mark()
    return canvas.to_image()
