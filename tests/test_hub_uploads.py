"""hub.uploads on its own (no HTTP, no database), images: files are told apart by their content,
images come out upright, at most 2048 px, in sRGB and without any metadata, bombs are refused from
their header. PDFs: tests/test_hub_uploads_pdf.py; the files are built by tests/upload_support.py."""
from __future__ import annotations

import time

import pytest
from PIL import ExifTags, Image, ImageDraw

from hub import uploads
from hub.errors import HubError
from tests.upload_support import (
    assert_no_metadata, bomb_png, gps_exif, photo, png_with_metadata, reopen, save, swapped_primaries_icc, write,
)


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
