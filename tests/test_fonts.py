"""The Chinese font: found without config, never the Japanese face, glyphs really drawn."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.fonts import (CANDIDATES, DEBIAN_PACKAGE, ENV_VAR, FontNotFound, REFUSED_NAMES,
                         find_cjk_font)

# Characters whose Japanese and Chinese glyph shapes differ, plus everyday centre words.
PROBE = ["门", "直", "骨", "说"]


def test_a_simplified_chinese_font_is_found():
    path = find_cjk_font(env={})
    assert path.is_file()
    assert path.name not in REFUSED_NAMES
    assert path in CANDIDATES


def test_face_zero_of_the_chosen_file_is_not_japanese():
    ttlib = pytest.importorskip("fontTools.ttLib")
    path = find_cjk_font(env={})
    font = ttlib.TTFont(str(path), fontNumber=0, lazy=True)
    names = {r.toUnicode() for r in font["name"].names if r.nameID in (1, 4)}
    assert names, "the font has no family name"
    joined = " ".join(names)
    for marker in (" JP", "Japanese", " KR", " TC", " HK"):
        assert marker not in joined, f"face 0 of {path} is {joined!r}"
    cmap = font.getBestCmap()
    for ch in PROBE + list("社区党群服务中心办事指南"):
        assert ord(ch) in cmap, f"{path} has no glyph for {ch}"


def test_env_var_wins(tmp_path):
    fake = tmp_path / "MyChinese.ttf"
    fake.write_bytes(b"\0")
    assert find_cjk_font(env={ENV_VAR: str(fake)}) == fake


def test_env_var_naming_a_missing_file_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(FontNotFound, match="does not exist"):
        find_cjk_font(env={ENV_VAR: str(tmp_path / "nope.ttf")})


def test_the_japanese_first_collection_is_refused(tmp_path):
    ttc = tmp_path / "NotoSansCJK-Regular.ttc"
    ttc.write_bytes(b"\0")
    with pytest.raises(FontNotFound, match="Japanese"):
        find_cjk_font(env={ENV_VAR: str(ttc)})
    assert find_cjk_font(env={}, candidates=(ttc, *CANDIDATES)) != ttc


def test_no_font_names_the_debian_package(tmp_path):
    with pytest.raises(FontNotFound) as err:
        find_cjk_font(env={}, candidates=(tmp_path / "a.ttf", Path("/nonexistent/b.ttc")))
    assert DEBIAN_PACKAGE in str(err.value) and ENV_VAR in str(err.value)


def _ink(pixels: bytes) -> int:
    """Number of RGBA pixels with visible alpha."""
    return sum(1 for a in pixels[3::4] if a > 96)


def test_kivy_draws_real_glyphs_not_boxes(kivy_window):
    """Kivy's core label with the registered default font: each probe glyph has ink and its
    own shape (a missing glyph would render as the same .notdef box every time)."""
    from kivy.core.text import Label as CoreLabel

    renders = {}
    for ch in PROBE + ["\ue000"]:  # U+E000 (private use) has no glyph: the .notdef shape
        label = CoreLabel(text=ch, font_size=64)
        label.refresh()
        renders[ch] = bytes(label.texture.pixels)
    for ch in PROBE:
        assert _ink(renders[ch]) > 150, f"{ch} rendered blank"
        assert renders[ch] != renders["\ue000"], f"{ch} rendered as the missing-glyph box"
    assert len({renders[ch] for ch in PROBE}) == len(PROBE)


def test_pillow_draws_the_same_font(tmp_path):
    """Independent of Kivy: face 0 of the chosen file draws distinct, non-blank glyphs."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(find_cjk_font(env={})), 64, index=0)
    shapes = set()
    for ch in PROBE:
        img = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(img).text((8, 0), ch, font=font, fill=255)
        assert img.getbbox() is not None, f"{ch} is blank"
        assert sum(1 for v in img.getdata() if v > 128) > 150
        shapes.add(img.tobytes())
    assert len(shapes) == len(PROBE)
