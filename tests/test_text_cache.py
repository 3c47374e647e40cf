"""screens/text_cache.py: recycled rows reuse rendered text, and a reused texture is never drawn
over by the row that made it."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui


@pytest.fixture
def cache(kivy_window):
    from kiosk import text_textures
    from screens import text_cache

    text_textures.install()  # as the app does: grey text in 2-byte textures

    text_cache.CACHE.clear()
    yield text_cache.CACHE
    text_cache.CACHE.clear()


def make(text: str, width: float = 600, font_size: float = 30, **options):
    """A cached text as a list row draws it, in a box `width` x 50 px."""
    from kivy.graphics import InstructionGroup

    from screens.text_cache import CachedPiece

    piece = CachedPiece(InstructionGroup())
    piece.render(text, font_size, text_size=(width, 50), **options)
    return piece


def test_the_same_text_is_rendered_once_and_shared(cache):
    first = make("最低生活保障申请")
    pixels = bytes(first.texture.pixels)
    hits = cache.hits
    second = make("最低生活保障申请")
    assert cache.hits == hits + 1 and second.texture is first.texture
    assert list(second.texture_size) == list(first.texture_size)
    # the first row moves on to another text: the shared texture keeps its pixels
    first.render("残疾人两项补贴", 30, text_size=(600, 50))
    assert first.texture is not second.texture
    assert bytes(second.texture.pixels) == pixels
    assert bytes(first.texture.pixels) != pixels


def test_any_option_that_changes_the_picture_is_a_different_entry(cache):
    plain = make("就业失业登记")
    assert make("就业失业登记", color=(1, 0, 0, 1)).texture is not plain.texture
    assert make("就业失业登记", halign="right").texture is not plain.texture
    bigger = make("就业失业登记", font_size=40)
    assert bigger.texture is not plain.texture and bigger.texture_size[1] >= plain.texture_size[1]


def test_the_text_box_is_part_of_the_picture(cache):
    """A row first laid out narrow (Kivy's default 100 px) is shortened to "…"; once it has
    its width it must not be shown that texture, nor one made for a wider row (drawn centred,
    it would stick out on the left)."""
    narrow = make("最低生活保障申请", width=100, shorten=True)
    assert narrow.is_shortened
    wide = make("最低生活保障申请", shorten=True)
    assert wide.texture is not narrow.texture and not wide.is_shortened
    assert wide.texture_size[0] <= 600 and narrow.texture_size[0] <= 100


def test_the_cache_is_bounded_by_bytes(cache, monkeypatch):
    # grey (here white) text is kept at 2 bytes a pixel, coloured text at 4 (kiosk/text_textures)
    monkeypatch.setattr(cache, "max_bytes", 600 * 50 * 2 * 3)  # room for three grey textures
    for n in range(10):
        make(f"第{n}项")
    assert cache.bytes <= cache.max_bytes and len(cache._entries) == 3
    make("红色", color=(0.8, 0.1, 0.1, 1))  # a coloured text counts double: one grey one left
    assert cache.bytes <= cache.max_bytes and len(cache._entries) == 2
    assert make("第9项").texture is not None and cache.hits >= 1  # the newest are kept


def test_typing_reuses_row_texts(ui, demo_view, cache):
    import datetime as dt

    from content.schemas import CST
    from kiosk.config import Display, Settings

    h = ui(Settings(display=Display(fullscreen=False)), demo_view, size=(1080, 1920),
           now=lambda: dt.datetime(2026, 11, 22, 9, 41, tzinfo=CST))
    assert h.app.open_screen("guide_search")
    search = h.screen("guide_search")
    h.frames(2)
    for key in "yl":
        h.tap(search.keyboard.key(key), frames=2)
    misses = cache.misses
    h.tap(search.keyboard.key("b"), frames=2)  # "ylb": its rows were among the "yl" ones
    rows = search.guide_list.rows()
    assert rows and cache.misses == misses  # nothing rendered again
    for row in rows:  # and what each row shows is its own guide
        assert row.title_text.text == row.title
        assert row.title_text.texture is not None
