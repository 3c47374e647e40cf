"""Uploaded images and PDFs turned into what terminals show (issue #13, "Content" and "Safety").

The type is decided by the file's content (`sniff`, then the decoder itself), never by a name or a
content type a client sent. What is kept is always re-encoded by us:

* an image (PNG, JPEG, WebP; GIF, BMP and TIFF accepted as input, first frame only) is refused
  above MAX_PIXELS before any pixel is decoded (a decompression bomb is a small file), turned
  upright by its EXIF orientation, converted to sRGB when it carries another ICC profile, scaled so
  its longest side is at most MAX_SIDE and written afresh -- no EXIF, GPS, ICC or text chunks
  survive. Transparency or few colours make a PNG, anything else a JPEG (`encode`).
* a PDF is rendered page by page to images PAGE_WIDTH pixels wide, in a child process
  (`python -P -m hub.uploads FILE MEMORY CPU_S`) with a memory and CPU limit and a deadline: pdfium may not be
  called from two threads at once, and a hostile PDF can then only crash, starve or stall its own
  process. A PDF that needs a password, cannot be read or has more than MAX_PAGES pages is refused.

Nothing here knows HTTP or the database (`hub.routes_files` stores and records what this returns).
"""
from __future__ import annotations

import io
import json
import logging
import math
import os
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from PIL import Image, ImageCms, UnidentifiedImageError

from hub.errors import HubError

MB = 1 << 20
MAX_IMAGE_BYTES = 20 * MB          # an uploaded image file
MAX_PDF_BYTES = 50 * MB            # an uploaded PDF file
MAX_PIXELS = 40_000_000            # width x height of an uploaded image, read from its header
MAX_SIDE = 2048                    # the longest side of a stored image
JPEG_QUALITY = 85
PNG_OVER_JPEG = 3                  # a few-colour image stays PNG unless that is 3x the JPEG's size
MAX_PAGES = 50
PAGE_WIDTH = 1600                  # a rendered PDF page ...
PAGE_MAX_HEIGHT = 3200             # ... scaled down further when it is taller than this
PDF_TIMEOUT_S = 120                # the whole render of one PDF
PDF_MEMORY_BYTES = 768 * MB        # address space of the render process (a 1600x3200 page: ~20 MB)
PDF_CPU_S = 110
MAX_FRAME_HEADER = 4096
AT_ONCE = 2                        # images or PDFs processed at once per process (a 40 MP PNG: ~370 MB)

ALLOWED = "PNG, JPEG, WebP, GIF, BMP or TIFF images, or a PDF"
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error,
                  Image.DecompressionBombError)  # what Pillow's decoders raise on bad input

_SIXTEEN_GREYS = [round(v / 17) * 17 for v in range(256)]
log = logging.getLogger(__name__)
_busy = threading.BoundedSemaphore(AT_ONCE)  # the rest wait: memory stays bounded however many upload


def sniff(head: bytes) -> str | None:
    """"image", "pdf" or None from a file's first bytes (16 are enough)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM",
                        b"II*\x00", b"MM\x00*")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    return None


def limit_for(kind: str | None) -> int:
    return MAX_PDF_BYTES if kind == "pdf" else MAX_IMAGE_BYTES


def unsupported() -> HubError:
    return HubError("unsupported_type", f"this file is not an allowed type: send {ALLOWED}", 415, "file")


@dataclass(frozen=True)
class Encoded:
    data: bytes
    mime: str
    width: int
    height: int


# ---- images --------------------------------------------------------------------------------

def prepare_image(path: Path) -> Encoded:
    """The upload at `path` as the image to store; HubError 415 / 422 when it is none we take."""
    with _busy:
        return _prepare_image(path)


def _prepare_image(path: Path) -> Encoded:
    try:
        im = Image.open(path, formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(None) from None
    except (UnidentifiedImageError, *_DECODE_ERRORS):
        raise unsupported() from None
    with im:
        width, height = im.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels((width, height))
        try:
            if im.format == "JPEG":  # libjpeg decodes at 1/2, 1/4, 1/8 scale: a fraction of the memory
                im.draft(None, _fit((width, height), MAX_SIDE))
            orientation = _orientation(im)
            icc = im.info.get("icc_profile")
            im.load()
            if im.mode == "CMYK":  # through its profile, if any, before anything else
                im, icc = _srgb(im, icc), None
            # scaled before the colour transform: both work on a fraction of the pixels then
            return encode(_upright(_srgb(_scaled(_plain_mode(im)), icc), orientation))
        except _DECODE_ERRORS:
            raise HubError("unreadable", "the image is damaged or cut short: it cannot be decoded", 422, "file") \
                from None


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1: as stored); a broken EXIF block is no reason to refuse the pixels."""
    try:
        value = im.getexif().get(0x0112, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) else 1


def _too_many_pixels(size: tuple[int, int] | None) -> HubError:
    what = f"{size[0]}x{size[1]} pixels" if size else "far too many pixels"
    return HubError("image_too_large", f"the image is too large: {what}; the limit is "
                    f"{MAX_PIXELS // 1_000_000} megapixels", 422, "file")


def _fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    scale = min(1.0, box / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _plain_mode(im: Image.Image) -> Image.Image:
    """RGB, RGBA or L (alpha kept only where some pixel is not opaque)."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    gray = im.mode in ("1", "L", "LA", "La", "F")
    im = _as(im, ("LA" if gray else "RGBA") if has_alpha else ("L" if gray else "RGB"))
    if has_alpha and im.getchannel("A").getextrema()[0] == 255:
        im = im.convert("L" if gray else "RGB")
    return im


def _as(im: Image.Image, mode: str) -> Image.Image:
    return im if im.mode == mode else im.convert(mode)  # convert() to the same mode copies every pixel


def _srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Colours as sRGB: an embedded RGB or CMYK profile other than sRGB is applied (the stored
    file carries none, and an untagged image is shown as sRGB)."""
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if im.mode != "CMYK" and "srgb" in ImageCms.getProfileDescription(source).lower().replace(" ", ""):
            return im
        return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"),
                                         outputMode="RGB" if im.mode == "CMYK" else im.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        log.info("ignoring an unusable ICC profile in an upload")
        return im


def _scaled(im: Image.Image) -> Image.Image:
    if max(im.size) <= MAX_SIDE:
        return im
    return im.resize(_fit(im.size, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im.transpose(method) if method is not None else im


def encode(im: Image.Image) -> Encoded:
    """The pixels alone (no metadata) as a PNG or a JPEG: PNG for transparency; JPEG for more
    than 256 colours (a photo); with fewer (a chart, a scan, a page of text) a lossless palette PNG
    -- unless it comes out over PNG_OVER_JPEG times the JPEG's size (a grey photo), then the JPEG."""
    if im.mode in ("RGBA", "LA"):
        return _save(im, "PNG")
    colours = im.getcolors(256)
    if colours is None:
        return _save(im, "JPEG")
    png, jpeg = _save(_palette(im, colours), "PNG"), _save(im, "JPEG")
    return png if len(png.data) <= PNG_OVER_JPEG * len(jpeg.data) else jpeg


def _palette(im: Image.Image, colours: list) -> Image.Image:
    """`im` (L or RGB, at most 256 colours) as a palette image of exactly its colours; a PNG of it
    takes 1, 2, 4 or 8 bits a pixel, as few as the count allows. (Pillow's ADAPTIVE quantizer is
    exact too, but twenty times slower.)"""
    if im.mode == "L":
        levels = [v for _, v in colours]
        index = [0] * 256
        for i, v in enumerate(levels):
            index[v] = i
        out = im.point(index)
        out.putpalette([c for v in levels for c in (v, v, v)])  # L with a palette: P
        return out
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for _, rgb in colours for c in rgb])
    return im.quantize(palette=palette, dither=Image.Dither.NONE)  # every colour is in it: exact


def encode_page(im: Image.Image) -> Encoded:
    """A rendered PDF page: a grey one (text) is reduced to 16 grey levels first -- as sharp to
    the eye, and a tenth of the bytes of its ~250 anti-aliasing levels."""
    colours = im.getcolors(256)
    if colours is not None and all(r == g == b for _, (r, g, b) in colours):
        im = im.convert("L").point(_SIXTEEN_GREYS)
    return encode(im)


def _save(im: Image.Image, fmt: str) -> Encoded:
    im.info = {}  # PNG would carry an ICC profile or text over from here
    buf = io.BytesIO()
    im.save(buf, fmt, **({"quality": JPEG_QUALITY, "optimize": True} if fmt == "JPEG" else {}))
    return Encoded(buf.getvalue(), Image.MIME[fmt], im.width, im.height)


# ---- PDF: the parent's side ------------------------------------------------------------------

def render_pdf(path: Path) -> RenderedPdf:
    """The PDF at `path`, opened by a child process: `.count` pages, rendered in order as the
    result is iterated. HubError 422 for a PDF that needs a password, is damaged or has too many
    pages, or whose rendering crosses the time or memory limit. Use it in a `with` block."""
    pdf = RenderedPdf(path)
    try:
        pdf.start()
    except BaseException:
        pdf.close()
        raise
    return pdf


class RenderedPdf:
    def __init__(self, path: Path):
        self.path, self.count, self.delivered, self.proc, self.timer = path, 0, 0, None, None
        self.timed_out = self.closed = False
        _busy.acquire()  # released by close()
        self.errors: BinaryIO = tempfile.TemporaryFile()

    def __enter__(self) -> RenderedPdf:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def start(self) -> None:
        package_root = str(Path(__file__).resolve().parents[1])  # the child imports this very code
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH"))
                                                           if p)}
        # -P: the working directory is not searched first (its hub/ could be another copy)
        limits = [str(PDF_MEMORY_BYTES), str(PDF_CPU_S)]
        self.proc = subprocess.Popen([sys.executable, "-P", "-m", "hub.uploads", str(self.path), *limits], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.errors)
        self.timer = threading.Timer(PDF_TIMEOUT_S, self._kill)
        self.timer.start()
        head = self._header()
        if "error" in head:
            raise HubError(head["error"], head["message"], 422, "file")
        self.count = head["pages"]

    def _kill(self) -> None:
        self.timed_out = True
        self.proc.kill()

    def __iter__(self) -> Iterator[Encoded]:
        for _ in range(self.count):
            head = self._header()
            data = self.proc.stdout.read(head["size"])
            if len(data) != head["size"]:
                raise self._failed()
            self.delivered += 1
            yield Encoded(data, head["mime"], head["width"], head["height"])

    def _header(self) -> dict:
        line = self.proc.stdout.readline(MAX_FRAME_HEADER)
        try:
            return json.loads(line)
        except ValueError:
            raise self._failed() from None

    def _failed(self) -> HubError:
        self.proc.kill()
        code = self.proc.wait()
        self.errors.seek(0)
        log.warning("the PDF render process ended with %s: %s", code, self.errors.read(4000).decode(errors="replace"))
        if self.timed_out:
            return HubError("pdf_too_slow", f"rendering the PDF took longer than {PDF_TIMEOUT_S} s", 422, "file")
        return HubError("pdf_unreadable", "the PDF could not be rendered (damaged, or it needs more memory than "
                        "allowed)", 422, "file")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        _busy.release()
        if self.timer is not None:
            self.timer.cancel()
        if self.proc is not None:
            if self.delivered < self.count or self.count == 0:
                self.proc.kill()  # given up on, or refused: its answer is all we wanted
            try:
                self.proc.wait(5)  # after the last page it only has to exit
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
        self.errors.close()


# ---- PDF: the child process --------------------------------------------------------------------

def _frame(out: BinaryIO, head: dict, data: bytes = b"") -> None:
    out.write(json.dumps(head).encode() + b"\n" + data)
    out.flush()


def _pdf_error(exc: Exception) -> dict:
    import pypdfium2.raw as raw

    code = getattr(exc, "err_code", None)
    if code == raw.FPDF_ERR_PASSWORD:
        return {"error": "pdf_encrypted", "message": "the PDF is protected by a password: upload it without one"}
    if code == raw.FPDF_ERR_SECURITY:
        return {"error": "pdf_encrypted", "message": "the PDF uses an encryption that cannot be opened"}
    return {"error": "pdf_unreadable", "message": "the PDF is damaged or cut short: it cannot be opened"}


def _render_child(path: str, memory: int, cpu_s: int, out: BinaryIO) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    import pypdfium2 as pdfium

    with open(path, "rb") as fh:  # pdfium would make do with a PDF cut short: a damaged upload
        fh.seek(max(0, os.fstat(fh.fileno()).st_size - 1024))
        if b"%%EOF" not in fh.read():
            return _frame(out, {"error": "pdf_unreadable", "message": "the PDF is cut short (no %%EOF at its end)"})
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        return _frame(out, _pdf_error(exc))
    count = len(pdf)
    if not 1 <= count <= MAX_PAGES:
        return _frame(out, {"error": "pdf_too_many_pages" if count else "pdf_unreadable",
                            "message": f"the PDF has {count} pages; the limit is {MAX_PAGES}" if count
                            else "the PDF has no pages"})
    _frame(out, {"pages": count})
    pdf.init_forms()
    for index in range(count):
        page = pdf[index]
        width, height = page.get_size()
        # (1 - 1e-6): pdfium rounds the bitmap's size up
        scale = min(PAGE_WIDTH / max(width, 1e-3), PAGE_MAX_HEIGHT / max(height, 1e-3)) * (1 - 1e-6)
        if not math.isfinite(scale) or width * scale < 1 or height * scale < 1:
            raise SystemExit(f"page {index + 1} has no usable size")
        bitmap = page.render(scale=scale)
        page_image = encode_page(bitmap.to_pil())
        bitmap.close()
        page.close()
        _frame(out, {"size": len(page_image.data), "mime": page_image.mime, "width": page_image.width,
                     "height": page_image.height}, page_image.data)
    pdf.close()


if __name__ == "__main__":
    _render_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.stdout.buffer)
