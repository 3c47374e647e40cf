"""screens/text_label.py: the light text widget draws what Kivy's Label draws, follows every
change of its properties and keeps its picture where its box and alignment say."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui

TEXT = "开放时间：办事窗口：周一至周五 8:30-12:00，13:30-17:00；便民服务窗口：周六 9:00-12:00"


def _kivy_label(**options):
    from kivy.uix.label import Label

    label = Label(**options)
    label.texture_update()
    label.texture.bind()
    return label


def _text_label(**options):
    from screens.text_label import TextLabel

    label = TextLabel(**options)
    label.texture_update()
    label.texture.bind()
    return label


@pytest.mark.parametrize("options", [
    {"text": "办事指南 Guide 123"},
    {"text": "办事指南 Guide 123", "font_size": 17.8},  # drawn at 17, as SDL_ttf does
    {"text": TEXT, "text_size": (300, None)},  # wrapped by Kivy
    {"text": TEXT, "text_size": (300, 40), "shorten": True, "shorten_from": "right",
     "halign": "right"},
    {"text": TEXT, "text_size": (300, 40), "shorten": True},  # from the centre
    {"text": "标题 Title", "outline_width": 2, "outline_color": (0.1, 0.1, 0.1, 1),
     "color": (0.1, 0.1, 0.1, 1), "font_size": 40},
    {"text": "第一行\n第二行", "padding": (8, 4, 8, 4), "halign": "center", "line_height": 1.4},
    {"text": TEXT, "text_size": (260, None), "max_lines": 2, "shorten": True},
])
def test_draws_the_very_pixels_of_kivys_label(kivy_window, options):
    kivy, light = _kivy_label(**options), _text_label(**options)
    assert list(light.texture_size) == list(kivy.texture_size)
    assert light.is_shortened == kivy.is_shortened
    assert light.texture.colorfmt == kivy.texture.colorfmt
    assert bytes(light.texture.pixels) == bytes(kivy.texture.pixels)


def test_every_property_that_shapes_the_text_renders_it_again(kivy_window):
    label = _text_label(text="办事", font_size=20)
    for name, value in (("text", "办事指南"), ("text", "指南办事"), ("font_size", 34),
                        ("color", (0.8, 0.1, 0.1, 1)), ("color", (0.1, 0.1, 0.8, 1)),
                        ("padding", (10, 0, 10, 0)), ("outline_width", 2),
                        ("text_size", (40, None)), ("line_height", 1.5)):
        before = (tuple(label.texture.size), bytes(label.texture.pixels))
        setattr(label, name, value)
        label.texture_update()  # what the trigger does before the next frame
        label.texture.bind()  # filled
        assert (tuple(label.texture.size), bytes(label.texture.pixels)) != before, name
        reference = _kivy_label(**{k: getattr(label, k) for k in (
            "text", "font_size", "color", "padding", "outline_width", "text_size", "line_height")})
        assert bytes(label.texture.pixels) == bytes(reference.texture.pixels), name
    label.text = ""
    label.texture_update()
    assert label.texture is None and list(label.texture_size) == [0, 0]
    assert label._rect.size == (0, 0)


def test_markup_is_never_interpreted(kivy_window):
    from screens.text_label import TextLabel

    with pytest.raises(TypeError):
        TextLabel(text="[b]粗[/b]", markup=True)
    label = _text_label(text="[b]粗[/b]")
    assert label.markup is False
    assert label.texture_size[0] > _text_label(text="粗").texture_size[0] * 3


@pytest.mark.parametrize("halign,valign,expect", [
    ("left", "top", lambda w, t: (w.x, w.y + w.height - t[1])),
    ("right", "bottom", lambda w, t: (w.x + w.width - t[0], w.y)),
    ("center", "middle", lambda w, t: (w.x + (w.width - t[0]) / 2, w.y + (w.height - t[1]) / 2)),
    ("auto", "middle", lambda w, t: (w.x + (w.width - t[0]) / 2, w.y + (w.height - t[1]) / 2)),
])
def test_the_picture_follows_the_box_and_the_alignment(kivy_window, halign, valign, expect):
    from kivy.uix.boxlayout import BoxLayout

    box = BoxLayout(orientation="vertical", size=(400, 300))
    label = _text_label(text="办事指南", halign=halign, valign=valign)
    box.add_widget(label)
    # moves as a layout moves it, y and height at once (the cached centre_y/top aliases of
    # Kivy update after our binding: the picture must not use them)
    for pos, size in (((0, 0), (400, 300)), ((30, 2800), (400, 300)), ((5, 7), (120, 33))):
        box.pos, box.size = pos, size
        box.do_layout()
        x, y = expect(label, label.texture_size)
        assert label._rect.pos == (int(x), int(y)), (pos, size)
        assert label._rect.size == tuple(label.texture_size)


def test_fractional_sizes_share_one_open_font(kivy_window):
    """SDL_ttf draws 17.3 and 17.8 alike (at 17); Kivy keys open fonts by the size as given."""
    from kivy.core.text import text_sdl2

    ids = set()
    keep = text_sdl2.LabelSDL2._get_font_id

    def font_id(core):
        ids.add(keep(core))
        return keep(core)

    text_sdl2.LabelSDL2._get_font_id = font_id
    try:
        for size in (17.3, 17.8, 17.0):
            _text_label(text="办事指南", font_size=size)
    finally:
        text_sdl2.LabelSDL2._get_font_id = keep
    assert len(ids) == 1, ids


def test_a_size_too_small_to_read_is_not_rendered(kivy_window):
    """A title fitted to a width not laid out yet asks for 1 px: no render, no font face."""
    from screens.text_label import TextLabel

    label = TextLabel(text="办事指南", font_size=1.5)
    label.texture_update()
    assert label.texture is None and list(label.texture_size) == [0, 0]
    label.font_size = 24
    label.texture_update()
    assert label.texture is not None and label.texture_size[1] >= 24
