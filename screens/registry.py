"""Screen name -> module. Each module has `create(app) -> kivy Screen` (built on first visit).

Names are the contract of `kiosk screenshot --screen NAME` (DESIGN.md, CLI).
"""
from __future__ import annotations

import importlib
import inspect

SCREENS: dict[str, str] = {
    "home": "screens.home",
    "centre": "screens.centre",
    "notices": "screens.notices",
    "notice_detail": "screens.notice_detail",
    "guides": "screens.guides",
    "guide_search": "screens.guide_search",
    "guide_detail": "screens.guide_detail",
    "attract": "screens.attract",
    "maintenance": "screens.maintenance",
    "disclosures": "screens.disclosures",
    "disclosure_detail": "screens.disclosure_detail",
    "display": "screens.display",
    "tickets": "screens.tickets",
    "ticket_confirm": "screens.ticket_confirm",
    "ticket_done": "screens.ticket_done",
}


def prepare_sample(name: str, app) -> None:
    """Before `kiosk screenshot` (or a test) opens screen `name`: a screen that shows live data
    (取号) gets a representative sample through its module's `prepare_screenshot(app)`."""
    module = importlib.import_module(SCREENS[name])
    sample = getattr(module, "prepare_screenshot", None)
    if sample is not None:
        sample(app)


def create(name: str, app):
    """Build screen `name`; KeyError when no such screen exists."""
    module = importlib.import_module(SCREENS[name])
    return module.create(app)


def takes(show, params: dict) -> bool:
    """Whether a screen's `show` accepts `params` for `app.open_screen(name, **params)` (a screen
    without a `show` takes none)."""
    if show is None:
        return not params
    try:
        inspect.signature(show).bind(**params)
    except TypeError:
        return False
    return True
