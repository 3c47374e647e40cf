"""The 公开 form in Debian's Chromium against a real `kiosk-hub serve` with the demo content:
the demo's 财务公开 table edited as a grid by static/disclosure.js (a row added above 合计, numbers
typed, the totals check live, a column added and removed), a PDF uploaded and its pages shown,
saved. Screenshots: tests/_screenshots/admin-disclosure-*.png (1366x768 and 768 px wide)."""
from __future__ import annotations

import pytest

from tests.admin_support import sign_in_chromium
from tests.test_admin_browser import (  # noqa: F401  (hub_url is a fixture)
    ARGS, CHROMIUM, SHOTS, _finger_sized, _no_sideways_scroll, hub_url,
)
from hub.admin import disclosure_tables
from tests.test_admin_disclosure import TRICKY_COLUMNS, TRICKY_ROWS
from tests.upload_support import pdf_pages

ITEM = "disclosure-finance-last-month"
GRID = "table.grid[data-grid='1']"  # text, then the 收支明细表


def _cell(page, r: int, c: int):
    return page.locator(f"{GRID} input[name='blocks.1.c.{r}.{c}']")


def _same_totals_as_the_hub(page, hub_url: str) -> None:
    """disclosure.js finds the same mismatches, with the same sums, as disclosure_tables."""
    page.goto(hub_url + "/admin/new-disclosure?category=财务公开")
    grid = "table.grid[data-grid='1']"
    while page.locator(f"{grid} tbody tr").count() < len(TRICKY_ROWS):
        page.click("button[name=op][value='addrow:1']")
    while page.locator(f"{grid} tr.head input").count() < len(TRICKY_COLUMNS):
        page.click("button[name=op][value='addcol:1']")
    for c, header in enumerate(TRICKY_COLUMNS):
        page.fill(f"input[name='blocks.1.h.{c}']", header)
    for r, row in enumerate(TRICKY_ROWS):
        for c, cell in enumerate(row):
            page.fill(f"input[name='blocks.1.c.{r}.{c}']", cell)
    shown = {}
    for r in range(len(TRICKY_ROWS)):
        for c in range(len(TRICKY_COLUMNS)):
            note = page.locator(f"{grid} input[name='blocks.1.c.{r}.{c}'] + .cell-error")
            if note.count():
                shown[(r, c)] = note.inner_text().split("应为 ")[1]
    assert shown == disclosure_tables.totals_problems(TRICKY_COLUMNS, TRICKY_ROWS) and len(shown) == 3
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator(grid).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "admin-disclosure-new.png"))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")
def test_a_finance_table_and_a_pdf_in_chromium(hub_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    pdf = tmp_path / "财务公开.pdf"
    pdf.write_bytes(pdf_pages(3))
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page.on("pageerror", lambda err: problems.append(f"script error: {err}"))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            sign_in_chromium(page, hub_url, f"/admin/items/{ITEM}")
            page.click(f"a[href='/admin/items/{ITEM}/edit-disclosure']")
            page.wait_for_url("**/edit-disclosure")
            page.evaluate("window.stillHere = true")
            rows = page.locator(f"{GRID} tbody tr").count()
            total = _cell(page, rows - 1, 2)
            assert _cell(page, rows - 1, 0).input_value() == "合计"
            before = total.input_value()
            assert "numeric" in (total.get_attribute("class") or "") and total.get_attribute("inputmode") == "decimal"
            assert total.evaluate("e => getComputedStyle(e).textAlign") == "right"
            assert page.locator(".cell-error").count() == 0  # the demo adds up
            page.locator(f"{GRID} input[name='blocks.1.c.0.0']").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "admin-disclosure-edit.png"))

            # a row above 合计: the 支出 total no longer matches, said under the cell
            page.click("button[name=op][value='addrow:1']")
            assert page.locator(f"{GRID} tbody tr").count() == rows + 1
            assert _cell(page, rows, 0).input_value() == "合计"  # still last
            _cell(page, rows - 1, 0).fill("应急物资采购")
            _cell(page, rows - 2, 2).press("Enter")  # the cell below, not a save
            assert page.evaluate("document.activeElement.name") == f"blocks.1.c.{rows - 1}.2"
            page.keyboard.type("1234.5")
            _cell(page, rows - 1, 2).press("Tab")
            assert _cell(page, rows - 1, 2).input_value() == "1,234.50"  # money with two decimals
            spent = sum(float(v.replace(",", "")) for v in [before, "1234.50"])
            expected = f"{spent:,.2f}"
            note = page.locator(f"{GRID} tbody tr:last-child .cell-error")
            expect(note).to_have_text(f"计算合计与填写不符：应为 {expected}")
            assert _cell(page, rows, 2).get_attribute("aria-invalid") == "true"
            note.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "admin-disclosure-totals.png"))
            _cell(page, rows, 2).fill(expected)
            expect(page.locator(".cell-error")).to_have_count(0)

            # a column added and removed again, a row removed: all in the page
            page.click("button[name=op][value='addcol:1']")
            assert page.locator(f"{GRID} tr.head input").count() == 5
            page.fill("input[name='blocks.1.h.4']", "经办人")
            page.click("button[name=op][value='delcol:1:4']")
            assert page.locator(f"{GRID} tr.head input").count() == 4
            first = _cell(page, 0, 0).input_value()
            page.click("button[name=op][value='delrow:1:0']")
            assert _cell(page, 0, 0).input_value() != first
            expect(page.locator(".cell-error")).to_have_count(1)  # 收入 now differs
            income = page.locator(f"{GRID} tbody tr:last-child .cell-error").inner_text().split("应为 ")[1]
            _cell(page, rows - 1, 1).fill(income)
            expect(page.locator(".cell-error")).to_have_count(0)
            assert page.evaluate("window.stillHere === true")  # no reload

            # the PDF: its three rendered pages shown in order, then saved with the form
            page.set_input_files("input[data-upload=pdf]", str(pdf))
            expect(page.locator("[data-upload-pages-preview=pages] img")).to_have_count(3)
            expect(page.locator("[data-pages-count]")).to_have_text("共 3 页")
            pages = page.input_value("input[type=hidden][name=pages]").split(",")
            assert len(pages) == 3
            _finger_sized(page, ".disclosure-form .button, .disclosure-form select, .disclosure-form input:not([type=checkbox])")
            page.locator("fieldset.pdf-pages").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "admin-disclosure-pages.png"))
            page.click("button[name=action][value=save]:visible")
            page.wait_for_url(f"**/admin/items/{ITEM}")
            assert "有修改" in page.inner_text("main") and "应急物资采购" in page.inner_text("table.fields")

            page.set_viewport_size({"width": 768, "height": 1024})
            page.goto(hub_url + f"/admin/items/{ITEM}/edit-disclosure")
            srcs = page.eval_on_selector_all("[data-upload-pages-preview=pages] img", "els => els.map(e => e.src)")
            assert [s.rsplit("/", 1)[1] for s in srcs] == pages
            assert "应急物资采购" in [i.input_value() for i in page.locator(f"{GRID} tbody input").all()]
            _no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / "admin-disclosure-tablet.png"), full_page=True)
            page.click("button[name=op][value=clearpages]")  # in the page: nothing posted
            expect(page.locator("[data-upload-pages-preview=pages] img")).to_have_count(0)
            assert page.input_value("input[type=hidden][name=pages]") == ""
            expect(page.locator("[data-pages-count]")).to_have_text("没有页面。")
            assert page.evaluate("window.location.pathname").endswith("/edit-disclosure")
            _same_totals_as_the_hub(page, hub_url)
        finally:
            browser.close()
    assert not problems, problems
