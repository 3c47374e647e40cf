"""The counter, rating and display pages in Debian's Chromium, against a REAL `kiosk tickets serve`
(tests/tickets_live.py): signing in, calling and moving tickets, the calling board following the
calls, 好差评, 呼叫工作人员; and the pages' catalog and security headers.

Every window's test uses its own services, so the tests share one service per module:
1号窗口 (A) calls, recalls and finishes; 4号窗口 (B) no-shows, transfers to D and pauses;
5号窗口 (C) feeds the rating screen. Screenshots go to tests/_screenshots/ for a person to look at.
"""
from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.tickets_live import start_service
from tickets import pages

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "_screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not "
                                    "installed: apt-get install chromium (never a downloaded browser)")


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    service = start_service(tmp_path_factory.mktemp("pages"))
    yield service
    service.stop()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page whose script errors and CSP violations fail the test."""

    def __init__(self, context):
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda err: self.problems.append(f"script error: {err}"))
        self.page.on("console", self._console)

    def _console(self, msg):
        refused = msg.text.startswith("Failed to load resource")  # the API's 4xx answers tests ask for
        if ("Content Security Policy" in msg.text or "no words for error" in msg.text
                or (msg.type == "error" and not refused)):
            self.problems.append(f"console {msg.type}: {msg.text}")

    def check(self):
        assert not self.problems, self.problems


@pytest.fixture
def open_page(browser):
    contexts, watched = [], []

    def make(width=1366, height=768) -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        watched.append(Watched(context))
        return watched[-1]

    yield make
    for w in watched:
        w.check()
    for context in contexts:
        context.close()


def sign_in(w: Watched, svc, path="/counter/"):
    page = w.page
    page.goto(svc.url + path)
    page.fill("#login-user", svc.user)
    page.fill("#login-password", svc.password)
    page.click("#login-form button[type=submit]")
    from playwright.sync_api import expect

    expect(page.locator("#login")).to_be_hidden()


def open_desk(w: Watched, svc, window: str):
    from playwright.sync_api import expect

    sign_in(w, svc)
    w.page.click(f'#windows [data-window="{window}"]')
    expect(w.page.locator("#desk-window")).to_have_text(window)
    expect(w.page.locator("body")).to_have_attribute("data-live", "1")
    return w.page


def open_board(open_page, svc) -> Watched:
    from playwright.sync_api import expect

    board = open_page(1920, 1080)
    board.page.goto(svc.url + "/display/")
    expect(board.page.locator("body")).to_have_attribute("data-live", "1")
    return board


def press(page, key: str, action: str):
    """The key of a button once the button is ready (greyed out while the last action runs)."""
    from playwright.sync_api import expect

    expect(page.locator(f"[data-action={action}]")).to_be_enabled()
    page.keyboard.press(key)


def staff_post(page, svc, path: str, body=None):
    """A counter action with the page's own session (cookie + CSRF), as a script would send it."""
    csrf = page.context.request.get(svc.url + "/api/me").json()["csrf"]
    resp = page.context.request.post(svc.url + path, data=body or {}, headers={"X-CSRF-Token": csrf})
    assert resp.ok, (path, resp.status, resp.text())
    return resp.json()


# ---- without a browser ---------------------------------------------------------------------

def test_pages_come_with_a_strict_policy_and_no_template_left(svc):
    for path in ("/counter/", "/counter/rate", "/display/", "/web/counter.js", "/web/pages.css"):
        with urllib.request.urlopen(svc.url + path) as resp:
            csp = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp, path
            assert resp.headers["X-Frame-Options"] == "DENY"
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            body = resp.read().decode()
        if path.endswith("/") or path.endswith("rate"):
            assert "{{" not in body and 'lang="zh-CN"' in body
            scripts = re.findall(r"<script([^>]*)>", body)
            assert scripts and all("src=" in s or 'type="application/json"' in s for s in scripts), scripts
    with urllib.request.urlopen(svc.url + "/counter") as resp:  # redirected
        assert resp.url.endswith("/counter/")


def test_every_word_of_the_pages_is_in_the_catalog_and_compiled():
    from babel.messages.pofile import read_po

    with open(pages.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "tickets.po", "rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id and not m.fuzzy}
    used = set()
    for html in (ROOT / "tickets" / "web").glob("*.html"):
        used.update(pages.template_msgids(html.read_text(encoding="utf-8")))
    for table in (pages.ERRORS, pages.WORDS, pages.SCREENS, pages.RATING_LEVELS):
        used.update(table.values())
    used.update(pages.RATING_REASONS)
    from tickets import ticket_page

    used.update(ticket_page.MSGIDS)
    missing = sorted(m for m in used if not po.get(m))
    assert not missing, f"add to tickets.po: {missing}"
    assert not sorted(set(po) - used), "msgids no longer used in the pages"
    gt = pages.translations().gettext
    stale = sorted(m for m in used if gt(m) != po[m])
    assert not stale, f"tickets.mo is out of date (pybabel compile -D tickets -d tickets/locale): {stale[:5]}"


def test_the_words_block_cannot_end_its_script_element():
    block = pages.json_block({"x": "</script><script>alert(1)</script>&"})
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block) == {"x": "</script><script>alert(1)</script>&"}


def test_every_error_code_of_the_queue_has_chinese_words():
    raised = set()
    for source in (ROOT / "tickets").glob("*.py"):
        raised.update(re.findall(r'QueueError\(\s*"(\w+)"', source.read_text(encoding="utf-8")))
    assert {"bad_login", "counter_paused", "reason_required", "already_taken"} <= raised
    assert not sorted(raised - set(pages.ERRORS)), "map these codes in tickets/pages.py ERRORS"


# ---- in the browser ------------------------------------------------------------------------

@needs_chromium
def test_sign_in_refuses_a_wrong_password_in_chinese(svc, open_page):
    from playwright.sync_api import expect

    w = open_page()
    w.page.goto(svc.url + "/counter/")
    w.page.fill("#login-user", svc.user)
    w.page.fill("#login-password", "not-the-password")
    w.page.click("#login-form button[type=submit]")
    expect(w.page.locator("#login-error")).to_have_text("用户名或密码错误。")
    w.page.fill("#login-password", svc.password)
    w.page.click("#login-form button[type=submit]")
    expect(w.page.locator("#pick h1")).to_have_text("请选择您所在的窗口")
    expect(w.page.locator("#windows [data-window='1号窗口']")).to_contain_text("综合受理")
    w.page.reload()  # the session is a cookie: a reload stays signed in (GET /api/me)
    expect(w.page.locator("#windows [data-window='1号窗口']")).to_be_visible()


@needs_chromium
def test_call_recall_start_done_and_rating_with_the_board_following(svc, open_page):
    from playwright.sync_api import expect

    page, board = open_desk(open_page(), svc, "1号窗口"), open_board(open_page, svc)
    first = svc.issue("A")
    elder = svc.issue("A", name_masked="张*明", age=72)  # priority: called before the first
    expect(page.locator("#waiting tr[data-service='A'] td.count")).to_have_text("2 人等候")

    page.click("[data-action=call]")
    expect(page.locator("#t-number")).to_have_text(elder["number"])
    expect(page.locator("#t-priority")).to_have_text("优先")
    expect(page.locator(".ticket-person")).to_contain_text("张*明")
    expect(page.locator(".ticket-person")).to_contain_text("70-79岁")
    win = board.page.locator(".win[data-window='1号窗口']")
    expect(win.locator(".win-number")).to_have_text(elder["number"])
    expect(win).to_have_class(re.compile(r"\bflash\b"))
    expect(board.page.locator("#callout-text")).to_have_text(f"请 {elder['number']} 号到 1号窗口 办理")

    press(page, "r", "recall")
    expect(page.locator("#t-recalls")).to_have_text("已重呼 1 次")
    expect(board.page.locator("#callout-tag")).to_have_text("重呼")
    press(page, "s", "start")
    expect(page.locator("#t-state")).to_have_text("办理中")
    expect(page.locator("[data-action=recall]")).to_be_disabled()
    _look_at_the_desk(page)
    board.page.screenshot(path=str(SHOTS / "tickets_display_1920x1080.png"))

    press(page, "d", "done")
    rating = page.locator("#rating")
    expect(rating.locator(".rating-title")).to_have_text(f"{elder['number']} 号，请您对本次服务进行评价")
    rating.get_by_role("button", name="不满意", exact=True).click()
    rating.locator(".rating-submit").click()
    expect(rating.locator(".rating-message")).to_have_text("请填写不满意的原因。")
    page.screenshot(path=str(SHOTS / "tickets_counter_rating_1366x768.png"))
    rating.locator("textarea").fill("等候时间太长")
    rating.locator(".rating-submit").click()
    expect(rating.locator(".rating-message")).to_have_text("感谢您的评价！")
    status, body = svc.request("POST", f"/api/tickets/{elder['id']}/rating", {"level": 5})
    assert (status, body["error"]) == (409, "already_rated")

    press(page, "n", "call")  # the next (first) ticket; the rating prompt goes away
    expect(page.locator("#t-number")).to_have_text(first["number"])
    expect(rating).to_be_hidden()
    expect(win.locator(".win-number")).to_have_text(first["number"])


def _look_at_the_desk(page):
    """At 1366x768 every action is on screen without scrolling, and big enough to hit."""
    page.screenshot(path=str(SHOTS / "tickets_counter_1366x768.png"))
    assert page.evaluate("document.documentElement.scrollHeight") <= 768
    for button in page.locator("[data-action]").all():
        box = button.bounding_box()
        assert box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1366, button.text_content()
        assert box["height"] >= 100 and box["width"] >= 180, (button.text_content(), box)


@needs_chromium
def test_no_show_transfer_and_pause(svc, open_page):
    from playwright.sync_api import expect

    page, board = open_desk(open_page(), svc, "4号窗口"), open_board(open_page, svc)
    first, second = svc.issue("B"), svc.issue("B")

    press(page, "F1", "call")
    expect(page.locator("#t-number")).to_have_text(first["number"])
    press(page, "x", "noshow")
    expect(page.locator("#t-number")).to_have_text("—")
    expect(page.locator("#t-service")).to_have_text("当前无号码")
    assert svc.request("GET", f"/api/tickets/{first['id']}")[1]["state"] == "no_show"

    press(page, "n", "call")
    expect(page.locator("#t-number")).to_have_text(second["number"])
    press(page, "t", "transfer")
    page.locator("#transfer-options [data-service='D']").click()
    expect(page.locator("#t-number")).to_have_text("—")
    moved = svc.request("GET", f"/api/tickets/{second['id']}")[1]
    assert moved["state"] == "transferred"
    after = svc.request("GET", f"/api/tickets/{moved['transferred_to']}")[1]
    assert (after["service"], after["state"], after["number"]) == ("D", "waiting", second["number"])

    press(page, "p", "pause")
    expect(page.locator("#desk-paused")).to_have_text("已暂停")
    expect(page.locator("[data-action=call]")).to_be_disabled()
    expect(page.locator("#pause-label")).to_have_text("恢复")
    expect(board.page.locator(".win[data-window='4号窗口'] .win-note")).to_have_text("暂停服务")
    third = svc.issue("B")
    expect(page.locator("#waiting tr[data-service='B'] td.count")).to_have_text("1 人等候")
    page.keyboard.press("n")  # ignored while paused: nothing is called
    page.click("[data-action=pause]")
    expect(page.locator("#desk-paused")).to_be_hidden()
    expect(page.locator("[data-action=call]")).to_be_enabled()
    assert svc.request("GET", f"/api/tickets/{third['id']}")[1]["state"] == "waiting"
    expect(board.page.locator(".win[data-window='4号窗口'] .win-note")).to_have_text("")


@needs_chromium
def test_a_help_call_reaches_every_counter_page_until_someone_takes_it(svc, open_page):
    from playwright.sync_api import expect

    first, second = open_page(), open_page()
    open_desk(first, svc, "2号窗口")
    sign_in(second, svc)  # still choosing a window: help calls show there too
    expect(second.page.locator("body")).to_have_attribute("data-live", "1")
    status, call = svc.request("POST", "/api/help", {"terminal": "<b>大厅1号机</b>", "screen": "guide_detail"})
    assert status == 201
    for w in (first, second):
        banner = w.page.locator(f".help-banner[data-help-id='{call['id']}']")
        expect(banner).to_contain_text("<b>大厅1号机</b> 呼叫工作人员")  # the API's text, never markup
        expect(banner).to_contain_text("所在页面：办事指南详情")
        assert banner.locator("b").count() == 0
        assert int(w.page.evaluate("document.body.dataset.chimes")) >= 1
    second.page.reload()  # open calls come with the page (GET /api/help)
    expect(second.page.locator(".help-banner")).to_have_count(1)

    first.page.get_by_role("button", name="我去处理").click()
    expect(first.page.locator(".help-banner")).to_have_count(0)
    expect(second.page.locator(".help-banner")).to_have_count(0)
    assert svc.request("POST", f"/api/help/{call['id']}/take")[0] == 403  # a kiosk may not take it


@needs_chromium
def test_the_rating_screen_asks_about_the_windows_last_finished_ticket(svc, open_page):
    from playwright.sync_api import expect

    w = open_page(1280, 800)
    sign_in(w, svc, "/counter/rate?window=5号窗口")
    page = w.page
    expect(page.locator("#rate-idle-text")).to_have_text("5号窗口 欢迎您")
    expect(page.locator("body")).to_have_attribute("data-live", "1")
    ticket = svc.issue("C")
    staff_post(page, svc, "/api/counters/5号窗口/call-next")
    staff_post(page, svc, f"/api/tickets/{ticket['id']}/done")
    title = page.locator("#rating .rating-title")
    expect(title).to_have_text(f"{ticket['number']} 号，请您对本次服务进行评价")
    page.reload()  # a reload asks again (GET /api/counters/{window}/last-done)
    expect(title).to_have_text(f"{ticket['number']} 号，请您对本次服务进行评价")
    page.screenshot(path=str(SHOTS / "tickets_rate_1280x800.png"))
    path = "/api/counters/" + urllib.parse.quote("5号窗口") + "/last-done"
    assert svc.request("GET", path)[0] == 403  # staff only: a kiosk token may not read it
    page.get_by_role("button", name="非常满意").click()
    expect(page.locator("#rating .rating-message")).to_have_text("感谢您的评价！")
    page.reload()
    expect(page.locator("#rate-idle")).to_be_visible()
    expect(page.locator("#rating")).to_be_hidden()
