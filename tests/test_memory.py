"""Memory habits for months of uptime: glibc's mmap threshold (kiosk.memory) and Kivy's text
surfaces (kiosk.window). How much the app holds after every screen: tests/bench/bench_ui.py."""
from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from kiosk.memory import MMAP_THRESHOLD, tune_malloc


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


def _glibc():
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    if not hasattr(libc, "mallinfo2"):
        pytest.skip("not glibc >= 2.33")
    libc.mallinfo2.restype = MallInfo2
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def test_blocks_over_the_threshold_stay_mapped_after_a_big_block_was_freed():
    """Without the fixed threshold, freeing a 4 MB block would send every later block of up
    to 4 MB to the heap, where freed memory is not given back."""
    libc = _glibc()
    assert tune_malloc() is True
    big = libc.malloc(4 * 1024 * 1024)
    libc.free(big)
    mapped = libc.mallinfo2().hblks
    block = libc.malloc(2 * MMAP_THRESHOLD)
    try:
        assert libc.mallinfo2().hblks == mapped + 1  # its own mapping, unmapped on free
    finally:
        libc.free(block)
    assert libc.mallinfo2().hblks == mapped


@pytest.mark.ui
def test_a_rendered_label_keeps_its_texture_but_not_its_sdl_surface(ui, demo_view):
    """Kivy's SDL2 text provider kept every label's surface (its pixels twice in memory)."""
    from kivy.uix.label import Label

    from tests.shell_support import settings

    h = ui(settings(), demo_view, size=(800, 480))
    home_texts = [w for w in h.app.root.walk() if isinstance(w, Label) and w.text]
    assert home_texts
    for label in home_texts:
        assert label.texture is not None
        assert getattr(label._label, "_surface", None) is None, label.text
    fresh = Label(text="办事指南 Guide 123", color=(0, 0, 0, 1))
    h.app.root.add_widget(fresh)
    h.frames(2)  # drawn: Kivy fills a label's texture when it is first drawn
    assert fresh.texture is not None and fresh.texture.width > 10
    assert hasattr(fresh._label, "_surface") and fresh._label._surface is None
    h.app.root.remove_widget(fresh)
