"""Files for the upload tests, built at test time (Pillow, and PDFs written by hand where Pillow
cannot make one): photos, PNGs with metadata, bombs, PDFs of coloured or text pages, an encrypted
PDF, an ICC profile; and the checks the upload tests share. Used by tests/test_hub_uploads*.py,
tests/test_hub_files.py and the admin tests that upload."""
from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

from hub import uploads

PAGE_COLOURS = [(220, 40, 40), (40, 160, 40), (40, 40, 220), (200, 160, 0), (120, 0, 160)]
BASIC_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
              "adobe", "adobe_transform"}  # what Pillow reports for any JPEG / PNG it wrote itself


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
