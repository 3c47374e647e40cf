"""The counter and display web pages (`/counter/`, `/counter/rate`, `/display/`).

The HTML is rendered once, when the app is built: every `{{ msgid }}` in a template under
`tickets/web/` becomes its translation from the gettext catalog `tickets/locale/<locale>/
LC_MESSAGES/tickets.mo` (HTML-escaped), and `{{ @words }}` becomes a JSON data block with the
words the scripts need (error messages, states, labels) -- so every word staff and residents read
is in one catalog and the scripts hold none. The scripts and styles are plain files under
`tickets/web/static/` (no build step, no CDN), which lets the pages run under a strict
Content-Security-Policy without inline script.

Recompile the catalog after editing the .po (babel is a test dependency)::

    .venv/bin/pybabel compile -D tickets -d tickets/locale -l zh_CN
"""
from __future__ import annotations

import gettext
import html
import json
import re
from pathlib import Path

from fastapi.responses import HTMLResponse, RedirectResponse

from content.i18n import N_, load_catalog
from starlette.staticfiles import StaticFiles

DOMAIN = "tickets"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "zh_CN"
PAGES = {"/counter/": "counter.html", "/counter/rate": "rate.html", "/display/": "display.html"}
STATIC_PREFIX = "/web"
MARK = re.compile(r"\{\{\s*(.+?)\s*\}\}")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


# The API's error codes (tickets/*.py, QueueError) as residents and staff read them. A code
# missing here shows the generic message; tests/test_tickets_pages.py fails when one is missing.
ERRORS = {
    "bad_login": N_("Wrong user name or password."),
    "locked": N_("Too many wrong passwords: try again in {retry_after} seconds."),
    "unauthorized": N_("Please sign in again."),
    "forbidden": N_("This account may not do that."),
    "forbidden_window": N_("This account may not call at this window."),
    "csrf": N_("The page is out of date: please reload it."),
    "not_found": N_("Not found: it may have been handled already."),
    "bad_state": N_("This ticket has moved on already: the list has been refreshed."),
    "nothing_to_recall": N_("There is no called number to recall."),
    "counter_paused": N_("This window is paused: resume it first."),
    "unknown_counter": N_("This window is not set up for any service."),
    "unknown_service": N_("This service does not exist."),
    "service_closed": N_("This service is not taking numbers now."),
    "idempotency_conflict": N_("This request was already used for another service."),
    "reason_required": N_("Please tell us why you are not satisfied."),
    "already_rated": N_("This visit has been rated already. Thank you!"),
    "already_taken": N_("A colleague ({taken_by}) is already on the way."),
    "bad_request": N_("The request was not accepted: please check what you entered."),
    "bad_json": N_("The request was not accepted: please reload the page."),
    "too_large": N_("The text is too long."),
    "network": N_("The queue service does not answer: check the network and try again."),
    "unknown": N_("That did not work: please try again."),
}

# Words the scripts put on screen, by key.
WORDS = {
    "state.called": N_("Called"),
    "state.serving": N_("Being served"),
    "no_current": N_("No number at this window"),
    "nobody_waiting": N_("Nobody is waiting."),
    "no_card": N_("No ID card swiped"),
    "age_band": N_("Age {band}"),
    "priority": N_("Priority"),
    "recalls": N_("Recalled {n} times"),
    "waiting_people": N_("{n} waiting"),
    "wait_minutes": N_("about {n} min"),
    "wait_unknown": N_("all windows paused"),
    "service_closed_short": N_("not issuing"),
    "paused": N_("Paused"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "handles": N_("Handles: {services}"),
    "help_call": N_("{terminal} asks for help"),
    "help_screen": N_("on screen: {screen}"),
    "help_at": N_("since {time}"),
    "take_help": N_("I will go"),
    "sound_off": N_("Sound is off: click to turn it on"),
    "rate_title": N_("How was your visit? Number {number}"),
    "rate_reason": N_("Please tell us why"),
    "rate_thanks": N_("Thank you for your rating!"),
    "rate_submit": N_("Submit"),
    "rate_close": N_("Close"),
    "rate_idle": N_("Welcome to {window}"),
    "rate_idle_hint": N_("After your visit you can rate our service here."),
    "rate_no_window": N_("Which window is this screen for?"),
    "call_text": N_("Number {number}, please go to {counter}"),
    "recall_tag": N_("Recall"),
    "speech_call": N_("Number {number}, please go to {counter}."),
    "speech_digits": N_("0123456789"),
    "date": N_("{weekday}, {year}-{month}-{day}"),
    "weekdays": N_("Sunday Monday Tuesday Wednesday Thursday Friday Saturday"),
    "window_paused": N_("Window paused"),
    "signed_in_as": N_("Signed in: {user}"),
}

# Names kiosks send for their screens (DESIGN.md, CLI `kiosk screenshot`), as staff know them.
SCREENS = {
    "home": N_("Home"), "guides": N_("Service guides"), "guide_search": N_("Guide search"),
    "guide_detail": N_("A service guide"), "disclosures": N_("Public disclosures"),
    "disclosure_detail": N_("A disclosure"), "notices": N_("Notices"), "notice_detail": N_("A notice"),
    "centre": N_("Centre guide"), "attract": N_("Welcome screen"), "maintenance": N_("Maintenance"),
    "ticket": N_("Taking a number"), "idcard": N_("ID card"),
}
RATING_LEVELS = {5: N_("Very satisfied"), 4: N_("Satisfied"), 3: N_("Average"), 2: N_("Dissatisfied"),
                 1: N_("Very dissatisfied")}
RATING_REASONS = (N_("Waited too long"), N_("Unfriendly service"), N_("Requirements were unclear"),
                  N_("Service was too slow"))


def translations(locale: str = DEFAULT_LOCALE) -> gettext.NullTranslations:
    """The pages' catalog; a missing one stops the service rather than showing English to staff."""
    return load_catalog(DOMAIN, LOCALE_DIR, locale)


def script_words(gt) -> dict:
    """Every word the scripts need, translated, as one JSON-able dict."""
    words = {key: gt(msgid) for key, msgid in WORDS.items()}
    words.update({f"error.{code}": gt(msgid) for code, msgid in ERRORS.items()})
    words.update({f"screen.{name}": gt(msgid) for name, msgid in SCREENS.items()})
    words.update({f"rating.{level}": gt(msgid) for level, msgid in RATING_LEVELS.items()})
    words["rating_reasons"] = [gt(msgid) for msgid in RATING_REASONS]
    return words


def json_block(data) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' can end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def template_msgids(text: str) -> list[str]:
    return [m for m in MARK.findall(text) if not m.startswith("@")]


def render(text: str, gt, words_json: str, pages_dir: Path) -> str:
    """`{{ msgid }}` -> its escaped translation; `{{ @words }}` -> the scripts' words;
    `{{ @include NAME }}` -> the rendered file NAME of `pages_dir` (a part shared by pages)."""
    def one(match: re.Match) -> str:
        key = match.group(1)
        if key == "@words":
            return words_json
        if key.startswith("@include "):
            part = (pages_dir / key.removeprefix("@include ").strip()).read_text(encoding="utf-8")
            return render(part, gt, words_json, pages_dir)
        if key.startswith("@"):
            raise ValueError(f"unknown template value {key!r}")
        return html.escape(gt(key))

    return MARK.sub(one, text)


class _Static(StaticFiles):
    """The pages' scripts and styles, with the same security headers as the pages."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers.update(SECURITY_HEADERS)
        return response


def mount_pages(app, pages_dir, locale: str = DEFAULT_LOCALE) -> None:
    """Serve the pages in `pages_dir` (templates) and `pages_dir/static` under STATIC_PREFIX."""
    pages_dir = Path(pages_dir)
    gt = translations(locale).gettext
    words_json = json_block(script_words(gt))
    rendered = {path: render((pages_dir / name).read_text(encoding="utf-8"), gt, words_json, pages_dir)
                for path, name in PAGES.items()}

    def page(path: str):
        body = rendered[path]

        async def handler():
            return HTMLResponse(body, headers=SECURITY_HEADERS)

        return handler

    for path in PAGES:
        app.add_api_route(path, page(path), methods=["GET"], include_in_schema=False)
    from tickets import ticket_page

    ticket_page.add_route(app, app.state.queue, gt, SECURITY_HEADERS)
    for bare in ("/counter", "/display"):
        app.add_api_route(bare, _redirect(bare + "/"), methods=["GET"], include_in_schema=False)
    app.mount(STATIC_PREFIX, _Static(directory=pages_dir / "static"), name="pages-static")


def _redirect(target: str):
    async def handler():
        return RedirectResponse(target, status_code=308)

    return handler
