"""hub.uploads on its own (no HTTP, no database), PDFs: rendered page by page in a limited child
process, refused with their reason when they cannot be shown, ended when over their time or memory;
and the time and memory of an upload. Images: tests/test_hub_uploads.py; the files are built by
tests/upload_support.py."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub import uploads
from hub.errors import HubError
from tests.upload_support import PAGE_COLOURS, encrypted_pdf, pdf_pages, photo, reopen, save, text_pdf, write

ROOT = Path(__file__).resolve().parents[1]


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
