"""Memory habits for months of uptime: glibc's mmap threshold (kiosk.memory), Kivy's text
surfaces (kiosk.window) and grey text in two bytes a pixel (kiosk.text_textures). How much the
app holds after every screen: tests/bench/bench_ui.py."""
from __future__ import annotations

import pytest

PROBE = """
import ctypes, ctypes.util, sys
sys.path.insert(0, sys.argv[1])
from kiosk.memory import MMAP_THRESHOLD, tune_malloc

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(ctypes.util.find_library("c"))
if not hasattr(libc, "mallinfo2"):  # no probe here: tune_malloc tunes exactly where mallopt is
    print("consistent" if tune_malloc() is hasattr(libc, "mallopt") else "inconsistent")
    raise SystemExit
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[2] == "tuned":
    assert tune_malloc() is True
big = libc.malloc(4 * 1024 * 1024)
libc.free(big)  # glibc, untuned, now serves blocks of up to 4 MB from its heap
before = libc.mallinfo2().hblks
block = libc.malloc(2 * MMAP_THRESHOLD)
print("mapped" if libc.mallinfo2().hblks == before + 1 else "heap")
libc.free(block)
"""


@pytest.mark.parametrize("mode, expected", [("tuned", "mapped"), ("glibc default", "heap")])
def test_big_blocks_keep_their_own_mapping_after_a_bigger_one_was_freed(mode, expected):
    """Without the fixed threshold, freeing a 4 MB block sends every later block of up to
    4 MB to the heap, where freed memory stays with the process. A fresh process each: the
    test process's own heap has free room that would serve the block either way."""
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", PROBE, root, mode.split()[0]], capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    if out in ("consistent", "inconsistent"):  # a C library without mallinfo2 (musl, old glibc)
        assert out == "consistent"
        return
    assert out == expected


TRIM_PROBE = """
import ctypes, sys
sys.path.insert(0, sys.argv[1])
from kiosk.memory import release_free_memory

def rss_kb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
blocks = [libc.malloc(2000) for _ in range(20000)]  # 40 MB of small blocks, in the heap
for block in blocks:
    ctypes.memset(block, 1, 2000)
keep = blocks[-1]
for block in blocks[:-1]:  # all freed but the last: the heap cannot shrink from its top
    libc.free(block)
before = rss_kb()
if not release_free_memory():
    print("no glibc")
    raise SystemExit
print(before - rss_kb())
"""


def test_free_heap_memory_goes_back_to_the_system():
    """Freed small blocks stay in the process until malloc_trim hands their pages back: what
    the app does each time home or the attract loop is shown."""
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", TRIM_PROBE, root], capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    if out == "no glibc":
        return
    assert int(out) > 30_000  # kB: nearly all of the 40 MB


@pytest.mark.ui
def test_home_and_the_attract_loop_hand_free_memory_back(ui, demo_view):
    from kiosk import memory

    from tests.shell_support import settings

    h = ui(settings(), demo_view, size=(800, 480))
    h.app.open_screen("notices")
    h.frames(2)
    before = memory.trims
    h.app.go_home()
    h.frames(2)
    assert memory.trims == before + 1
    h.app.open_screen("notices")
    h.frames(2)
    assert memory.trims == before + 1  # not on every screen: only where a resident left
    h.app.on_idle()
    h.frames(2)
    assert memory.trims >= before + 2


@pytest.mark.ui
def test_a_rendered_text_keeps_its_texture_but_no_core_label_nor_sdl_surface(ui, demo_view):
    """Kivy's SDL2 text provider kept every label's surface (its pixels twice in memory), and a
    Kivy Label keeps its core label for good; a TextLabel keeps only its texture."""
    from screens.text_label import TextLabel

    from tests.shell_support import settings

    h = ui(settings(), demo_view, size=(800, 480))
    home_texts = [w for w in h.app.root.walk() if isinstance(w, TextLabel) and w.text]
    assert len(home_texts) > 5
    for label in home_texts:
        assert label.texture is not None and label.texture.width > 1, label.text
        assert not hasattr(label, "_label"), label.text
    fresh = TextLabel(text="办事指南 Guide 123", color=(0, 0, 0, 1))
    h.app.root.add_widget(fresh)
    h.frames(2)  # drawn: Kivy fills a text texture when it is first drawn
    assert fresh.texture is not None and fresh.texture.width > 10
    core = fresh.make_core()
    core.refresh()
    core.texture.bind()  # fills it
    assert hasattr(core, "_surface") and core._surface is None
    h.app.root.remove_widget(fresh)


@pytest.mark.ui
def test_grey_text_takes_two_bytes_a_pixel_and_looks_the_same(ui, demo_view):
    """kiosk.text_textures: grey text in luminance+alpha, coloured text in RGBA; drawn, both
    give the same pixels as Kivy's RGBA texture of the same text."""
    from kivy.core.text import Label as ProviderLabel
    from kivy.graphics import Color, Fbo, Rectangle

    from screens.text_label import TextLabel as Label

    from tests.shell_support import settings

    h = ui(settings(), demo_view, size=(800, 480))
    grey = Label(text="办事指南 Guide 123", color=(0.2, 0.2, 0.2, 1), font_size=40)
    red = Label(text="办事指南 Guide 123", color=(0.7, 0.1, 0.1, 1), font_size=40)
    for label in (grey, red):
        h.app.root.add_widget(label)
    h.frames(2)
    assert grey.texture.colorfmt == "luminance_alpha"
    assert red.texture.colorfmt == "rgba"
    grey.color = (0.7, 0.1, 0.1, 1)  # turns coloured: a new texture, in RGBA
    h.frames(2)
    assert grey.texture.colorfmt == "rgba"
    grey.color = (0.2, 0.2, 0.2, 1)
    h.frames(2)
    assert grey.texture.colorfmt == "luminance_alpha"

    reference = ProviderLabel(text="办事指南 Guide 123", color=(0.2, 0.2, 0.2, 1), font_size=40,
                              font_name=grey.font_name)
    reference.refresh()
    assert reference.texture.colorfmt == "rgba" and reference.texture.size == grey.texture.size

    def drawn(texture) -> bytes:
        fbo = Fbo(size=texture.size)
        with fbo:
            Color(1, 1, 1, 1)
            Rectangle(size=texture.size, texture=texture)
        fbo.draw()
        return fbo.pixels

    assert drawn(grey.texture) == drawn(reference.texture)
    for label in (grey, red):
        h.app.root.remove_widget(label)
