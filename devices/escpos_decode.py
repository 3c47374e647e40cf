"""ESC/POS bytes -> what a printer would put on paper (used by the printer simulator).

`EscPosDecoder.feed(data)` accepts bytes as they arrive (commands may be split across reads)
and returns events: `("status", n)` for each DLE EOT request that needs an answer now, and
`("job", image)` for each cut. Supported: ESC @, ESC E, ESC a, ESC d, ESC !, ESC t, ESC 2/3,
GS !, GS V, GS ( k (QR model 2: size, error level, store, print), GS v 0 (raster), FS & / FS .,
DLE EOT, LF/CR and text (GB18030/GBK in Chinese mode). Unknown commands are reported in
`unknown` and skipped by their known length, so a stray byte cannot derail decoding.
"""
from __future__ import annotations

from PIL import Image

from devices.receipt import CHAR_W, wrap
from devices.receipt_png import PaperCanvas, qr_image

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10


class NeedMore(Exception):
    """The buffer ends in the middle of a command."""


class EscPosDecoder:
    def __init__(self, width_dots: int = 576, encoding: str = "gb18030"):
        self.width = width_dots
        self.encoding = encoding
        self.buf = bytearray()
        self.unknown: list[str] = []
        self.texts: list[str] = []  # every text line decoded so far (for tests and logs)
        self.qr_payloads: list[str] = []
        self._reset_job()
        self._reset_style()

    def _reset_style(self) -> None:
        self.bold = False
        self.align = "left"
        self.size = 1
        self.chinese = False
        self.qr_module = 3
        self.qr_data = b""

    def _reset_job(self) -> None:
        self.canvas = PaperCanvas(self.width)
        self.line = bytearray()

    # ---- public -----------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[tuple]:
        self.buf += data
        events: list[tuple] = []
        while self.buf:
            try:
                used = self._step(events)
            except NeedMore:
                break
            del self.buf[:used]
        return events

    def flush_job(self) -> Image.Image | None:
        """What is on the paper without a cut (the connection closed): an image, or None."""
        self._flush_line(force=False)
        if self.canvas.empty:
            return None
        img = self.canvas.to_image()
        self._reset_job()
        return img

    # ---- decoding ---------------------------------------------------------------------------

    def _need(self, n: int) -> None:
        if len(self.buf) < n:
            raise NeedMore

    def _step(self, events: list) -> int:
        b = self.buf
        c = b[0]
        if c == 0x0A:
            self._flush_line(force=True)
            return 1
        if c == 0x0D:
            return 1
        if c == DLE:
            self._need(3)
            if b[1] == 0x04:
                events.append(("status", b[2]))
                return 3
            self.unknown.append(f"DLE {b[1]:02x}")
            return 2
        if c == ESC:
            return self._esc(events)
        if c == GS:
            return self._gs(events)
        if c == FS:
            self._need(2)
            if b[1] == 0x26:
                self.chinese = True
            elif b[1] == 0x2E:
                self.chinese = False
            else:
                self.unknown.append(f"FS {b[1]:02x}")
            return 2
        if c < 0x20:
            self.unknown.append(f"control {c:02x}")
            return 1
        self.line.append(c)
        return 1

    def _esc(self, events: list) -> int:
        b = self.buf
        self._need(2)
        cmd = b[1]
        if cmd == 0x40:  # ESC @
            self._flush_line(force=False)
            self._reset_style()
            return 2
        self._need(3)
        n = b[2]
        if cmd == 0x45:
            self.bold = bool(n & 1)
        elif cmd == 0x61:
            self._flush_line(force=False)
            self.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(n, "left")
        elif cmd == 0x64:
            self._flush_line(force=False)
            self.canvas.feed(n)
        elif cmd == 0x21:
            self.bold = bool(n & 0x08)
            self.size = 2 if n & 0x30 else 1
        elif cmd in (0x74, 0x33, 0x4D, 0x52):  # code page, line spacing, font, charset
            pass
        elif cmd == 0x32:  # ESC 2 has no argument
            return 2
        else:
            self.unknown.append(f"ESC {cmd:02x}")
        return 3

    def _gs(self, events: list) -> int:
        b = self.buf
        self._need(2)
        cmd = b[1]
        if cmd == 0x21:  # GS ! n
            self._need(3)
            n = b[2]
            self.size = max((n >> 4) + 1, (n & 0x0F) + 1)
            return 3
        if cmd == 0x56:  # GS V m [n]
            self._need(3)
            m = b[2]
            used = 4 if m in (65, 66) else 3
            self._need(used)
            self._flush_line(force=False)
            self.canvas.cut_mark()
            events.append(("job", self.canvas.to_image()))
            self._reset_job()
            return used
        if cmd == 0x28:  # GS ( k pL pH cn fn ...
            self._need(5)
            length = b[3] | (b[4] << 8)
            self._need(5 + length)
            if b[2] == 0x6B:
                self._qr(bytes(b[5:5 + length]))
            else:
                self.unknown.append(f"GS ( {b[2]:02x}")
            return 5 + length
        if cmd == 0x76:  # GS v 0 m xL xH yL yH data
            self._need(8)
            row_bytes = b[4] | (b[5] << 8)
            rows = b[6] | (b[7] << 8)
            self._need(8 + row_bytes * rows)
            self._flush_line(force=False)
            data = bytes(b[8:8 + row_bytes * rows])
            img = Image.frombytes("1", (row_bytes * 8, rows), bytes(~x & 0xFF for x in data)) if rows else None
            if img is not None:
                self.canvas.image(img, self.align)
            return 8 + row_bytes * rows
        self._need(3)
        self.unknown.append(f"GS {cmd:02x}")
        return 3

    def _qr(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 0x31:
            self.unknown.append("GS ( k (not QR)")
            return
        fn = body[1]
        if fn == 0x43 and len(body) >= 3:
            self.qr_module = max(1, min(body[2], 16))
        elif fn == 0x50:
            self.qr_data = body[3:]
        elif fn == 0x51:
            self._flush_line(force=False)
            text = self.qr_data.decode("utf-8", errors="replace")
            self.qr_payloads.append(text)
            self.canvas.image(qr_image(text, self.qr_module), self.align)

    def _flush_line(self, force: bool) -> None:
        """End the current text line (LF prints even an empty line; other commands only text)."""
        if not self.line and not force:
            return
        raw = bytes(self.line)
        self.line = bytearray()
        text = raw.decode(self.encoding if self.chinese else "cp437", errors="replace")
        self.texts.append(text)
        cells = self.width // CHAR_W // self.size
        for part in wrap(text, cells) if text else [""]:
            self.canvas.text_line(part, self.size, self.bold, self.align)
