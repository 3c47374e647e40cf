"""Receipt -> ESC/POS bytes.

Chinese text: python-escpos's `text()` sends CJK as raw GB18030 without `FS &` and turns a
string of only full-width punctuation into `???` (PITFALLS.md), so we build the bytes
ourselves: `ESC @`, `FS &` (Chinese mode), then text encoded per printer setting (gb18030 or
gbk). The `bitmap` setting renders every text block with Pillow and the Chinese font and sends
it as a raster image (`GS v 0`): slower, but it prints on any printer.
QR codes use the printer's native QR (`GS ( k`), or a raster of the qrcode library's matrix
when `native_qr` is off (printers without the command).
"""
from __future__ import annotations

from devices.receipt import CHAR_W, QR, Cut, Feed, Receipt, Rule, Text, text_cells, wrap

ESC, GS, FS, DLE, EOT = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN = {"left": 0, "center": 1, "right": 2}
ENCODINGS = ("gb18030", "gbk", "bitmap")


def status_request(n: int) -> bytes:
    """DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 paper)."""
    return DLE + EOT + bytes([n])


def encode(receipt: Receipt, encoding: str = "gb18030", native_qr: bool = True) -> bytes:
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    out = bytearray(INIT)
    if encoding != "bitmap":
        out += CHINESE_ON
    cells_per_line = receipt.width_dots // CHAR_W
    for block in receipt.blocks:
        if isinstance(block, Text):
            if encoding == "bitmap":
                out += _align(block.align) + raster_text(block, receipt.width_dots)
            else:
                out += _text(block, cells_per_line, encoding)
        elif isinstance(block, QR):
            out += _align(block.align)
            out += _qr_native(block) if native_qr else raster_qr(block)
        elif isinstance(block, Rule):
            line = (block.char * cells_per_line)[:cells_per_line]
            out += _align("left") + line.encode("ascii", "replace") + b"\n"
        elif isinstance(block, Feed):
            out += ESC + b"d" + bytes([max(0, min(block.lines, 255))])
        elif isinstance(block, Cut):
            out += ESC + b"d" + b"\x03" + GS + b"V" + b"\x42" + b"\x00"  # feed to the cutter, partial cut
    out += _align("left")
    return bytes(out)


def _align(align: str) -> bytes:
    return ESC + b"a" + bytes([ALIGN[align]])


def _text(block: Text, cells_per_line: int, encoding: str) -> bytes:
    n = block.size - 1
    out = bytearray(_align(block.align))
    out += GS + b"!" + bytes([(n << 4) | n])  # width and height multipliers
    out += ESC + b"E" + (b"\x01" if block.bold else b"\x00")
    for line in wrap(block.text, cells_per_line // block.size):
        out += line.encode(encoding, errors="replace") + b"\n"
    out += GS + b"!" + b"\x00" + ESC + b"E" + b"\x00"
    return bytes(out)


def _qr_native(block: QR) -> bytes:
    data = block.data.encode("utf-8")
    store_len = len(data) + 3
    return b"".join(
        [
            GS + b"(k" + b"\x04\x00" + b"\x31\x41\x32\x00",  # model 2
            GS + b"(k" + b"\x03\x00" + b"\x31\x43" + bytes([max(1, min(block.module, 16))]),  # module size
            GS + b"(k" + b"\x03\x00" + b"\x31\x45" + b"\x31",  # error correction M
            GS + b"(k" + bytes([store_len & 0xFF, store_len >> 8]) + b"\x31\x50\x30" + data,  # store
            GS + b"(k" + b"\x03\x00" + b"\x31\x51\x30",  # print
            b"\n",
        ]
    )


def raster(image) -> bytes:
    """A Pillow image as `GS v 0` raster bytes: one bit per dot, MSB first, 1 = black."""
    from PIL import Image, ImageOps

    grey = image.convert("L")
    width, height = grey.size
    row_bytes = (width + 7) // 8
    # invert so black becomes 1, threshold without dithering; mode "1" packs rows MSB first
    bits = ImageOps.invert(grey).point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
    data = bits.tobytes()
    header = GS + b"v0\x00" + bytes([row_bytes & 0xFF, row_bytes >> 8, height & 0xFF, height >> 8])
    return header + data


def raster_text(block: Text, width_dots: int) -> bytes:
    from devices.receipt_png import render_text_block

    return raster(render_text_block(block, width_dots))


def raster_qr(block: QR) -> bytes:
    from devices.receipt_png import render_qr

    return raster(render_qr(block)) + b"\n"


def fits_one_line(text: str, width_dots: int, size: int = 1) -> bool:
    return text_cells(text) * CHAR_W * size <= width_dots
