"""Pillow drawings of the demo: carousel slides, scanned pages, a bar chart, the floor plan.

Everything is drawn from flat colours and gradients (no artwork of anyone else), with a
Simplified Chinese font, and saved as optimised PNG bytes. Drawing is deterministic: the same
arguments give the same bytes, so the demo bundle has the same blob hashes every time.
"""
from __future__ import annotations

import functools
import io
import math
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from content import fonts


RGB = tuple[int, int, int]


class FontMissing(RuntimeError):
    """No Simplified Chinese font is installed, so the demo images cannot be drawn."""


def find_cjk_font() -> tuple[str, int]:
    """(path, face index) of the Simplified Chinese font (content.fonts); FontMissing when none."""
    try:
        return str(fonts.find_cjk_font()), 0
    except fonts.FontNotFound as exc:
        raise FontMissing(f"{exc} The demo images need it.") from None


@functools.lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    path, index = find_cjk_font()
    return ImageFont.truetype(path, size, index=index)


def to_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break Chinese text into lines no wider than `width` pixels at any character, except
    that no line starts with closing punctuation or ends with opening punctuation; "\n" breaks."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if (line and fnt.getlength(line + ch) > width
                    and ch not in "，。、；：！？）》”" and line[-1] not in "“《（"):
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


def gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient (drawn as a 1-pixel column, then stretched: fast and small)."""
    w, h = size
    column = Image.new("RGB", (1, h))
    px = column.load()
    for y in range(h):
        t = y / max(h - 1, 1)
        px[0, y] = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom))
    return column.resize((w, h), Image.NEAREST)


def centred(draw: ImageDraw.ImageDraw, cx: int, y: int, text: str, fnt, fill) -> int:
    """Draw `text` centred on cx with its top at y; returns the bottom y."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=fnt)
    draw.text((cx - (right - left) / 2 - left, y - top), text, font=fnt, fill=fill)
    return y + (bottom - top)


# ---- slide motifs: simple geometric shapes ---------------------------------------------------

def _star(draw, cx, cy, r, fill):
    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.42
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    draw.polygon(pts, fill=fill)


def _heart(draw, cx, cy, r, fill):
    draw.ellipse((cx - r, cy - r * 0.6, cx, cy + r * 0.4), fill=fill)
    draw.ellipse((cx, cy - r * 0.6, cx + r, cy + r * 0.4), fill=fill)
    draw.polygon([(cx - r * 0.97, cy), (cx + r * 0.97, cy), (cx, cy + r * 1.1)], fill=fill)


def _leaf(draw, cx, cy, r, fill):
    """A leaf: a pointed lens tilted 40 degrees, with a white midrib."""
    tilt = math.radians(40)
    outline = [(r * 0.5 * math.sin(t) * side, -r * math.cos(t))
               for side in (1, -1) for t in [i * math.pi / 24 for i in range(25)][::side]]
    def turn(x, y):
        return cx + x * math.cos(tilt) - y * math.sin(tilt), cy + x * math.sin(tilt) + y * math.cos(tilt)
    draw.polygon([turn(x, y) for x, y in outline], fill=fill)
    draw.line([turn(0, -r * 0.8), turn(0, r * 1.15)], fill=(255, 255, 255), width=max(4, int(r / 14)))


def _shield(draw, cx, cy, r, fill):
    draw.polygon([(cx - r, cy - r * 0.8), (cx, cy - r), (cx + r, cy - r * 0.8), (cx + r * 0.85, cy + r * 0.2),
                  (cx, cy + r), (cx - r * 0.85, cy + r * 0.2)], fill=fill)


def _house(draw, cx, cy, r, fill):
    draw.polygon([(cx - r, cy), (cx, cy - r), (cx + r, cy)], fill=fill)
    draw.rectangle((cx - r * 0.7, cy, cx + r * 0.7, cy + r * 0.9), fill=fill)


def _cross(draw, cx, cy, r, fill):
    t = r * 0.36
    draw.rounded_rectangle((cx - t, cy - r, cx + t, cy + r), radius=int(t / 3), fill=fill)
    draw.rounded_rectangle((cx - r, cy - t, cx + r, cy + t), radius=int(t / 3), fill=fill)


def _sun(draw, cx, cy, r, fill):
    draw.ellipse((cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55), fill=fill)
    for i in range(12):
        a = i * math.pi / 6
        draw.line((cx + r * 0.7 * math.cos(a), cy + r * 0.7 * math.sin(a),
                   cx + r * math.cos(a), cy + r * math.sin(a)), fill=fill, width=max(4, int(r / 9)))


MOTIFS = {"star": _star, "heart": _heart, "leaf": _leaf, "shield": _shield,
          "house": _house, "cross": _cross, "sun": _sun}


def _blend(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def slide_png(headline: Sequence[str], subtitle: str, points: Sequence[str], *, top: RGB, bottom: RGB,
              accent: RGB, motif: str, org: str, footer: str, size=(1080, 1920)) -> bytes:
    """A portrait carousel slide: gradient, soft circles, a motif, headline, subtitle, a card
    of key points and a footer line."""
    w, h = size
    img = gradient(size, top, bottom)
    draw = ImageDraw.Draw(img)
    # soft background circles in a lighter tint of the gradient
    draw.ellipse((w - 520, -260, w + 260, 520), fill=_blend(top, (255, 255, 255), 0.12))
    draw.ellipse((-300, h - 700, 420, h + 20), fill=_blend(bottom, (255, 255, 255), 0.10))
    # organisation line
    draw.rounded_rectangle((60, 70, 60 + 16, 70 + 48), radius=6, fill=accent)
    draw.text((96, 68), org, font=font(40), fill=(255, 255, 255))
    # motif in a white disc
    cy = 470
    draw.ellipse((w / 2 - 190, cy - 190, w / 2 + 190, cy + 190), fill=(255, 255, 255))
    MOTIFS[motif](draw, w // 2, cy, 120, accent)
    y = 750
    for line in headline:
        y = centred(draw, w // 2, y, line, font(116), (255, 255, 255)) + 44
    draw.rounded_rectangle((w / 2 - 70, y + 6, w / 2 + 70, y + 16), radius=5, fill=accent)
    y += 60
    for line in wrap(subtitle, font(50), w - 180):
        y = centred(draw, w // 2, y, line, font(50), (255, 255, 255)) + 22
    if points:
        _points_card(draw, points, y + 60, w, top, accent)
    draw.line((80, h - 190, w - 80, h - 190), fill=_blend(bottom, (255, 255, 255), 0.35), width=2)
    centred(draw, w // 2, h - 150, footer, font(40), (255, 255, 255))
    return to_png(img.quantize(colors=192, dither=Image.Dither.NONE))


def _points_card(draw, points, y, w, ink: RGB, accent: RGB) -> None:
    fnt = font(46)
    line_h = 78
    card_h = 70 + line_h * len(points)
    draw.rounded_rectangle((90, y, w - 90, y + card_h), radius=36, fill=(255, 255, 255))
    ty = y + 42
    for text in points:
        draw.ellipse((140, ty + 12, 164, ty + 36), fill=accent)
        draw.text((192, ty), text, font=fnt, fill=_blend(ink, (0, 0, 0), 0.45))
        ty += line_h


# ---- scanned page: an A4 sheet as a scanner would deliver it ---------------------------------

def scanned_page_png(title: str, paragraphs: Sequence[str], table: tuple[Sequence[str], Sequence[Sequence[str]]] | None,
                     closing: Sequence[str], seal: str | None, page: int, pages: int) -> bytes:
    """A4 at 150 dpi (1240x1754): title, paragraphs, optional table, right-aligned signature
    lines with an optional red seal, page number. Slightly off-white and slightly rotated."""
    w, h = 1240, 1754
    img = Image.new("RGB", (w, h), (253, 253, 250))
    draw = ImageDraw.Draw(img)
    ink = (28, 28, 30)
    y = 150
    if title:
        for line in wrap(title, font(46), w - 300):
            y = centred(draw, w // 2, y, line, font(46), ink) + 22
        y += 40
    body = font(31)
    for para in paragraphs:
        for i, line in enumerate(wrap("\u3000\u3000" + para, body, w - 260)):
            draw.text((130, y), line, font=body, fill=ink)
            y += 54
        y += 10
    if table:
        y = _page_table(draw, table[0], table[1], y + 10, w, ink) + 40
    for line in closing:
        right = w - 150
        draw.text((right - body.getlength(line), y), line, font=body, fill=ink)
        y += 54
    if seal:
        _seal(img, seal, (w - 330, y - 170))
    centred(draw, w // 2, h - 110, f"第 {page} 页 共 {pages} 页", font(26), (90, 90, 90))
    img = img.rotate(0.35, resample=Image.BICUBIC, fillcolor=(253, 253, 250))
    return to_png(img.convert("L") if not seal else img.quantize(colors=64, dither=Image.Dither.NONE))


def _page_table(draw, columns, rows, y, w, ink) -> int:
    fnt = font(28)
    left, right = 130, w - 130
    weights = [max(fnt.getlength(c), *(fnt.getlength(r[i]) for r in rows)) + 30 for i, c in enumerate(columns)]
    scale = (right - left) / sum(weights)
    xs = [left]
    for wt in weights:
        xs.append(xs[-1] + wt * scale)
    row_h = 52
    for r, row in enumerate([columns, *rows]):
        for i, cell in enumerate(row):
            cx = (xs[i] + xs[i + 1]) / 2
            draw.text((cx - fnt.getlength(cell) / 2, y + 11), cell, font=fnt, fill=ink)
        draw.line((left, y, right, y), fill=ink, width=2 if r == 0 else 1)
        y += row_h
    draw.line((left, y, right, y), fill=ink, width=2)
    top = y - row_h * (len(rows) + 1)
    for x in xs:
        draw.line((x, top, x, y), fill=ink, width=1)
    return y


def _seal(img: Image.Image, text: str, origin: tuple[int, int]) -> None:
    """A round red office seal: ring, star and the office name (invented office)."""
    size = 260
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    red = (214, 40, 40, 210)
    d.ellipse((6, 6, size - 6, size - 6), outline=red, width=9)
    _star(d, size // 2, size // 2 - 8, 38, red)
    fnt = font(27)
    for i, line in enumerate(wrap(text, fnt, 212)[:2]):
        d.text((size / 2 - fnt.getlength(line) / 2, 162 + i * 34), line, font=fnt, fill=red)
    layer = layer.rotate(-12, resample=Image.BICUBIC)
    img.paste(layer, origin, layer)


# ---- bar chart -----------------------------------------------------------------------------

def bar_chart_png(title: str, labels: Sequence[str], values: Sequence[float], unit: str,
                  colour: RGB = (200, 48, 42)) -> bytes:
    """A horizontal bar chart (labels may be long Chinese phrases), 1200 px wide."""
    row_h = 86
    w, h = 1200, 170 + row_h * len(labels) + 60
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    centred(draw, w // 2, 50, title, font(40), (40, 40, 40))
    lab = font(30)
    label_w = max(lab.getlength(t) for t in labels) + 40
    x0, x1 = 60 + label_w, w - 200
    top = max(values) or 1
    y = 150
    for text, value in zip(labels, values):
        draw.text((x0 - 20 - lab.getlength(text), y + 18), text, font=lab, fill=(60, 60, 60))
        draw.rounded_rectangle((x0, y + 12, x0 + max(8, (x1 - x0) * value / top), y + row_h - 22),
                               radius=8, fill=colour)
        draw.text((x0 + (x1 - x0) * value / top + 16, y + 18), f"{value:,.0f}", font=lab, fill=(60, 60, 60))
        y += row_h
    draw.line((x0, 140, x0, y), fill=(150, 150, 150), width=2)
    draw.text((w - 60 - lab.getlength(f"单位：{unit}"), y + 14), f"单位：{unit}", font=font(24), fill=(120, 120, 120))
    return to_png(img.quantize(colors=32, dither=Image.Dither.NONE))


# ---- floor plan ------------------------------------------------------------------------------

PLAN_COLOURS: dict[str, RGB] = {
    "service": (222, 236, 252),   # windows, halls
    "party": (253, 226, 222),     # 党员活动、会议
    "culture": (255, 243, 214),   # 阅览、活动、儿童
    "care": (226, 244, 230),      # 健康、心理、调解、助餐
    "facility": (232, 232, 232),  # 楼梯、电梯、卫生间
    "corridor": (247, 247, 244),
}


def floor_plan_png(title: str, floors, legend: Sequence[tuple[str, str]], size=(1600, 1000)) -> bytes:
    """Two (or more) floors side by side. `floors` is [(label, rooms, marks)], each room
    (name, x, y, w, h, kind) on a 100x100 grid, each mark (text, x, y, colour)."""
    w, h = size
    img = Image.new("RGB", size, (250, 250, 248))
    draw = ImageDraw.Draw(img)
    centred(draw, w // 2, 34, title, font(40), (40, 40, 40))
    gap, margin, top, bottom = 50, 50, 150, h - 90
    panel_w = (w - 2 * margin - gap * (len(floors) - 1)) / len(floors)
    for n, (label, rooms, marks) in enumerate(floors):
        px = margin + n * (panel_w + gap)
        draw.text((px, top - 52), label, font=font(36), fill=(180, 40, 36))
        sx, sy = panel_w / 100, (bottom - top) / 100
        draw.rectangle((px, top, px + panel_w, bottom), fill=PLAN_COLOURS["corridor"], outline=(70, 70, 70), width=5)
        for name, x, y, rw, rh, kind in rooms:
            box = (px + x * sx, top + y * sy, px + (x + rw) * sx, top + (y + rh) * sy)
            draw.rectangle(box, fill=PLAN_COLOURS[kind], outline=(90, 90, 90), width=3)
            _room_label(draw, name, box)
        for text, x, y, colour in marks:
            cx, cy = px + x * sx, top + y * sy
            draw.ellipse((cx - 14, cy - 14, cx + 14, cy + 14), fill=colour)
            draw.text((cx + 22, cy - 17), text, font=font(28), fill=colour)
    lx = margin
    for kind, text in legend:
        draw.rectangle((lx, h - 62, lx + 34, h - 32), fill=PLAN_COLOURS[kind], outline=(90, 90, 90), width=2)
        draw.text((lx + 46, h - 66), text, font=font(26), fill=(60, 60, 60))
        lx += 60 + font(26).getlength(text) + 30
    return to_png(img.quantize(colors=64, dither=Image.Dither.NONE))


def _room_label(draw, name: str, box) -> None:
    """The label on one line if it fits, else broken at its marked line breaks, else smaller."""
    x0, y0, x1, y1 = box
    room = x1 - x0 - 16
    one_line = name.replace("\n", "")
    size = next((s for s in (30, 26) if font(s).getlength(one_line) <= room), None)
    if size:
        lines = [one_line]
    elif "\n" in name:
        size, lines = 26, name.split("\n")
    else:
        size = 22
        lines = wrap(one_line, font(size), room)
    fnt = font(size)
    line_h = size + 8
    y = (y0 + y1) / 2 - line_h * len(lines) / 2
    for line in lines:
        draw.text(((x0 + x1) / 2 - fnt.getlength(line) / 2, y), line, font=fnt, fill=(40, 40, 40))
        y += line_h
