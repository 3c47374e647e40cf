"""hub.uploads on its own (no HTTP, no database): files are told apart by their content, images
come out upright, at most 2048 px, in sRGB and without any metadata, bombs are refused from their
header, PDFs are rendered page by page in a limited child process. The files are built here at
test time (Pillow, and a PDF written by hand where Pillow cannot make one); the builders are shared
with tests/test_hub_files.py."""
from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

from hub import uploads
from hub.errors import HubError

ROOT = Path(__file__).resolve().parents[1]
PAGE_COLOURS = [(220, 40, 40), (40, 160, 40), (40, 40, 220), (200, 160, 0), (120, 0, 160)]
BASIC_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
              "adobe", "adobe_transform"}  # what Pillow reports for any JPEG / PNG it wrote itself


# ---- files built at test time ------------------------------------------------------------------

def photo(size: tuple[int, int]) -> Image.Image:
    """An RGB picture with many colours (stored as a JPEG)."""
    w, h = size
    r = Image.linear_gradient("L").resize(size)
    g = Image.radial_gradient("L").resize(size)
    b = Image.effect_noise(size, 40).convert("L")
    return Image.merge("RGB", (r, g, b))


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (39.0, 54.0, 27.0),
                                  ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (116.0, 23.0, 30.0)}
    return exif


def save(im: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def png_with_metadata(im: Image.Image) -> bytes:
    """A PNG carrying EXIF with GPS, a text chunk and an ICC profile -- all checked to be there."""
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at home")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = save(im, "PNG", exif=gps_exif(), pnginfo=text, icc_profile=icc)
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo) and "Comment" in check.info and "icc_profile" in check.info
    return data


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, with a few bytes of data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def pdf_pages(count: int, size: tuple[int, int] = (210, 297)) -> bytes:
    """A PDF of `count` pages, page i filled with PAGE_COLOURS[i % 5] and its number written on it."""
    pages = []
    for i in range(count):
        page = Image.new("RGB", size, PAGE_COLOURS[i % len(PAGE_COLOURS)])
        ImageDraw.Draw(page).text((10, 10), f"page {i + 1}", fill="white")
        pages.append(page)
    return save(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=72)


def text_pdf(count: int) -> bytes:
    """A PDF of `count` A4 pages of vector text (60 lines each), like a disclosure's accounts."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    for number in range(1, count + 1):
        page = pdf.new_page(595, 842)
        for line in range(60):
            text = (f"Page {number}, line {line + 1}: income 12,345.67 expenses 8,910.11 balance 3,435.56"
                    .encode("utf-16-le") + b"\0\0")
            obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 10.0)
            raw.FPDFText_SetText(obj, ctypes.cast(ctypes.c_char_p(text), ctypes.POINTER(raw.FPDF_WCHAR)))
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 40, 800 - line * 12.5)
            raw.FPDFPage_InsertObject(page.raw, obj)
        raw.FPDFPage_GenerateContent(page.raw)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


PDF_PADDING = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(user_password: str = "secret") -> bytes:
    """A one-page PDF encrypted by the standard handler (RC4, revision 2; PDF 1.7 section 7.6.3),
    written by hand: opening it needs `user_password` -- none when it is "", a PDF that only
    restricts printing and copying. (It holds no strings or streams, so nothing else is encrypted.)"""
    import hashlib

    file_id, permissions = os.urandom(16), -44
    padded = (user_password.encode() + PDF_PADDING)[:32]
    owner = rc4(hashlib.md5(b"the owner's password" + PDF_PADDING[:12]).digest()[:5], padded)
    key = hashlib.md5(padded + owner + struct.pack("<i", permissions) + file_id).digest()[:5]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
               b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
               % (owner.hex().encode(), rc4(key, PDF_PADDING).hex().encode(), permissions)]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, file_id.hex().encode(), file_id.hex().encode(), xref)
    return bytes(out)


def swapped_primaries_icc() -> bytes:
    """An RGB display profile (ICC v2, matrix/TRC) whose red primary is sRGB's green and whose green
    is sRGB's red: its pure red is sRGB's pure green."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)
    desc_text = b"swapped primaries\0"
    tags = {b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(desc_text)) + desc_text + b"\0" * 4 + b"\0" * 4
            + b"\0\0\0" + b"\0" * 67,
            b"wtpt": xyz(0.9642, 1.0, 0.8249),
            b"rXYZ": xyz(0.3851, 0.7169, 0.0971), b"gXYZ": xyz(0.4361, 0.2225, 0.0139),
            b"bXYZ": xyz(0.1431, 0.0606, 0.7141)}
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"  # gamma 2.2
    tags.update({b"rTRC": curve, b"gTRC": curve, b"bTRC": curve})
    table, data, offset = b"", b"", 128 + 4 + 12 * len(tags)
    for sig, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + xyz(0.9642, 1.0, 0.8249)[8:]
              + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def write(tmp_path: Path, data: bytes, name: str = "upload") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reopen(encoded: uploads.Encoded) -> Image.Image:
    im = Image.open(io.BytesIO(encoded.data))
    assert Image.MIME[im.format] == encoded.mime and im.size == (encoded.width, encoded.height)
    return im


def assert_no_metadata(im: Image.Image, raw: bytes) -> None:
    assert not im.getexif(), dict(im.getexif())
    assert set(im.info) <= BASIC_INFO, im.info
    for marker in (b"Exif", b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"ICC_PROFILE", b"PhoneMaker", b"home"):
        assert marker not in raw, marker


# ---- what a file is -----------------------------------------------------------------------------

@pytest.mark.parametrize("head, kind", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "image"), (b"\xff\xd8\xff\xe0" + b"\0" * 12, "image"),
    (b"RIFF\0\0\0\0WEBPVP8 ", "image"), (b"GIF89a" + b"\0" * 10, "image"), (b"II*\0" + b"\0" * 12, "image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"), (b"MZ\x90\0" + b"\0" * 12, None), (b"PK\x03\x04" + b"\0" * 12, None),
    (b"<svg xmlns='http", None), (b"<!DOCTYPE html><", None), (b"hello, world....", None),
    (b"RIFF\0\0\0\0WAVEfmt ", None),
])
def test_kind_comes_from_the_first_bytes(head, kind):
    assert uploads.sniff(head) == kind


def test_text_that_starts_like_a_bitmap_is_refused_as_no_image(tmp_path):
    with pytest.raises(HubError) as err:
        uploads.prepare_image(write(tmp_path, b"BM is not a bitmap, just text\n" * 10))
    assert err.value.status == 415 and "PNG, JPEG, WebP" in err.value.message


# ---- images ---------------------------------------------------------------------------------------

def test_a_photo_png_with_gps_is_stored_as_a_jpeg_without_any_metadata(tmp_path):
    out = uploads.prepare_image(write(tmp_path, png_with_metadata(photo((640, 480)))))
    assert out.mime == "image/jpeg"
    assert_no_metadata(reopen(out), out.data)


def test_a_few_colour_png_stays_a_lossless_png_without_any_metadata(tmp_path):
    im = Image.new("RGB", (300, 200), (250, 250, 240))
    ImageDraw.Draw(im).rectangle((50, 50, 150, 120), fill=(200, 30, 30))
    ImageDraw.Draw(im).ellipse((160, 60, 280, 180), fill=(20, 90, 200))
    out = uploads.prepare_image(write(tmp_path, png_with_metadata(im)))
    assert out.mime == "image/png"
    stored = reopen(out)
    assert_no_metadata(stored, out.data)
    assert stored.mode == "P" and stored.convert("RGB").tobytes() == im.tobytes()  # a palette, exactly the colours


def test_a_large_jpeg_is_scaled_to_2048_and_turned_upright(tmp_path):
    big = photo((6000, 4000))
    big.paste((255, 0, 0), (0, 0, 3000, 4000))  # the left half red
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6  # shot holding the phone upright: shown turned 90 degrees clockwise
    out = uploads.prepare_image(write(tmp_path, save(big, "JPEG", quality=90, exif=exif)))
    stored = reopen(out)
    assert stored.size == (1365, 2048) and out.mime == "image/jpeg"
    assert_no_metadata(stored, out.data)
    top, bottom = stored.getpixel((680, 300)), stored.getpixel((680, 1700))
    assert top[0] > 200 and top[1] < 60 and bottom[0] < 200  # the red half is now on top


def test_transparency_makes_a_png_and_an_unused_alpha_channel_is_dropped(tmp_path):
    clear = photo((400, 300)).convert("RGBA")
    clear.putpixel((5, 5), (0, 0, 0, 0))
    out = uploads.prepare_image(write(tmp_path, save(clear, "PNG")))
    assert out.mime == "image/png" and reopen(out).mode == "RGBA"
    out = uploads.prepare_image(write(tmp_path, save(photo((400, 300)).convert("RGBA"), "PNG")))
    assert out.mime == "image/jpeg" and reopen(out).mode == "RGB"


def test_grey_text_stays_a_sharp_png_and_a_grey_photo_becomes_a_jpeg(tmp_path):
    page = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(page)
    for y in range(20, 880, 16):
        draw.text((20, y), "income 12,345.67 expenses 8,910.11 balance 3,435.56 " * 2, fill=int(y / 900 * 90))
    out = uploads.prepare_image(write(tmp_path, save(page, "PNG")))
    assert out.mime == "image/png" and reopen(out).convert("L").tobytes() == page.tobytes()
    grey_photo = photo((1200, 900)).convert("L")
    out = uploads.prepare_image(write(tmp_path, save(grey_photo, "PNG")))
    assert out.mime == "image/jpeg"  # a lossless PNG would be several times larger


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_broken_exif_block_does_not_refuse_the_pixels(tmp_path):
    data = save(photo((300, 200)), "JPEG", exif=b"Exif\0\0MM\0*\0\0\0\x08\xff\xff")
    out = uploads.prepare_image(write(tmp_path, data))
    assert (out.width, out.height) == (300, 200)


@pytest.mark.parametrize("fmt, options", [("GIF", {}), ("BMP", {}), ("TIFF", {"compression": "tiff_lzw"}),
                                          ("WEBP", {"quality": 80})])
def test_other_formats_are_taken_and_stored_as_png_or_jpeg(tmp_path, fmt, options):
    out = uploads.prepare_image(write(tmp_path, save(photo((320, 240)), fmt, **options)))
    assert out.mime in ("image/png", "image/jpeg") and (out.width, out.height) == (320, 240)


def test_colours_in_another_rgb_profile_are_converted_to_srgb(tmp_path):
    red = Image.new("RGB", (64, 64), (255, 0, 0))
    tagged = save(red, "PNG", icc_profile=swapped_primaries_icc())
    out = uploads.prepare_image(write(tmp_path, tagged))
    r, g, b = reopen(out).convert("RGB").getpixel((10, 10))
    assert g > 200 and r < 60 and b < 60, (r, g, b)  # this profile's red is sRGB's green
    assert b"iCCP" not in out.data


def test_a_decompression_bomb_is_refused_from_its_header_at_once(tmp_path):
    for side in (30_000, 7_000):  # 900 megapixels (Pillow's own bomb check), 49 (ours: 40)
        started = time.perf_counter()
        with pytest.raises(HubError) as err:
            uploads.prepare_image(write(tmp_path, bomb_png(side, side)))
        assert err.value.status == 422 and err.value.code == "image_too_large"
        assert "40 megapixels" in err.value.message
        assert time.perf_counter() - started < 0.5
    assert "7000x7000" in err.value.message


def test_a_truncated_image_is_refused_as_damaged(tmp_path):
    data = save(photo((800, 600)), "PNG")
    with pytest.raises(HubError) as err:
        uploads.prepare_image(write(tmp_path, data[: len(data) // 2]))
    assert err.value.status == 422 and err.value.code == "unreadable"


# ---- PDFs -----------------------------------------------------------------------------------------

def test_a_pdf_is_rendered_page_by_page_in_order(tmp_path):
    with uploads.render_pdf(write(tmp_path, pdf_pages(3))) as pdf:
        pages = list(pdf)
    assert pdf.count == 3 and len(pages) == 3 and pdf.proc.returncode == 0
    for page, colour in zip(pages, PAGE_COLOURS):
        im = reopen(page).convert("RGB")
        assert im.width == uploads.PAGE_WIDTH and abs(im.height - round(1600 * 297 / 210)) <= 1
        assert all(abs(a - b) < 12 for a, b in zip(im.getpixel((800, 1500)), colour))


def test_a_page_of_text_is_a_small_sharp_png_of_16_greys(tmp_path):
    with uploads.render_pdf(write(tmp_path, text_pdf(1))) as pdf:
        (page,) = list(pdf)
    im = reopen(page)
    assert page.mime == "image/png" and im.mode == "P" and len(im.getcolors()) <= 16
    assert len(page.data) < 80_000
    assert min(v for _, v in im.convert("L").getcolors()) == 0  # black text


def test_a_pdf_that_only_restricts_printing_opens_and_is_taken(tmp_path):
    import pypdfium2 as pdfium

    assert len(pdfium.PdfDocument(encrypted_pdf("secret"), password="secret")) == 1  # the builder is right
    with uploads.render_pdf(write(tmp_path, encrypted_pdf(""))) as pdf:
        (page,) = list(pdf)
    assert (page.width, page.height) == (1600, 1600)


def test_a_long_page_is_rendered_within_the_height_limit(tmp_path):
    with uploads.render_pdf(write(tmp_path, pdf_pages(1, (100, 2000)))) as pdf:
        (page,) = list(pdf)
    assert page.height == uploads.PAGE_MAX_HEIGHT and page.width == 160


@pytest.mark.parametrize("data, code, words", [
    (pdf_pages(51, (20, 20)), "pdf_too_many_pages", "51 pages; the limit is 50"),
    (encrypted_pdf(), "pdf_encrypted", "password"),
    (pdf_pages(3)[:-200], "pdf_unreadable", "cut short"),
    (pdf_pages(3)[:3000] + b"\n%%EOF\n", "pdf_unreadable", "damaged"),
])
def test_a_pdf_we_cannot_show_is_refused_with_its_reason(tmp_path, data, code, words):
    with pytest.raises(HubError) as err:
        uploads.render_pdf(write(tmp_path, data))
    assert (err.value.status, err.value.code) == (422, code) and words in err.value.message
    assert_no_render_running()


def assert_no_render_running() -> None:
    """Every render has given its turn back (a leak would make the next uploads wait forever)."""
    taken = [uploads._busy.acquire(blocking=False) for _ in range(uploads.AT_ONCE)]
    for _ in range(sum(taken)):
        uploads._busy.release()
    assert all(taken)


@pytest.mark.parametrize("limit, value, code", [("PDF_TIMEOUT_S", 0, "pdf_too_slow"),
                                                ("PDF_MEMORY_BYTES", 40 << 20, "pdf_unreadable")])
def test_a_render_over_its_time_or_memory_is_ended_and_refused(tmp_path, monkeypatch, limit, value, code):
    monkeypatch.setattr(uploads, limit, value)
    with pytest.raises(HubError) as err:
        with uploads.render_pdf(write(tmp_path, pdf_pages(3))) as pdf:
            list(pdf)
    assert (err.value.status, err.value.code) == (422, code)
    assert pdf_processes() == []
    assert_no_render_running()


def pdf_processes() -> list[str]:
    """Render processes still running (children of this test process)."""
    me = str(os.getpid())
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            if f"PPid:\t{me}\n" in text and "hub.uploads" in (status.parent / "cmdline").read_text():
                found.append(status.parent.name)
        except OSError:
            pass
    return found


# ---- time and memory (the figures in docs/hub.md, "Files") ---------------------------------------

MEASURE = """
import resource, sys, time
from pathlib import Path
from hub import uploads
path = Path(sys.argv[2])
started = time.perf_counter()
if sys.argv[1] == "image":
    out = uploads.prepare_image(path)
    print(out.width, out.height, len(out.data))
else:
    with uploads.render_pdf(path) as pdf:
        print(pdf.count, sum(len(p.data) for p in pdf))
took = time.perf_counter() - started
own = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) // 1024
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(f"{took:.2f} {own} {child}")
"""


def measure(kind: str, path: Path) -> tuple[str, float, int, int]:
    """(output, seconds, peak MB of this process, peak MB of the render child) in a fresh interpreter."""
    run = subprocess.run([sys.executable, "-c", MEASURE, kind, str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    result, figures = run.stdout.splitlines()
    took, own, child = figures.split()
    return result, float(took), int(own), int(child)


def test_a_12_megapixel_jpeg_and_a_10_page_pdf_take_bounded_time_and_memory(tmp_path):
    jpeg = write(tmp_path, save(photo((4000, 3000)), "JPEG", quality=92), "photo.jpg")
    result, took, own, _ = measure("image", jpeg)
    print(f"\n12 MP JPEG ({jpeg.stat().st_size >> 10} KB): {result}; {took:.2f} s, peak {own} MB")
    assert result.startswith("2048 1536") and took < 5 and own < 200
    pdf = write(tmp_path, text_pdf(10), "ten.pdf")
    result, took, own, child = measure("pdf", pdf)
    print(f"10-page PDF ({pdf.stat().st_size >> 10} KB): {result}; {took:.2f} s, peak {own} MB, render child {child} MB")
    assert result.startswith("10 ") and took < 20 and own < 200 and child < uploads.PDF_MEMORY_BYTES >> 20
