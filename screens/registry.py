"""Screen name -> module. Each module has `create(app) -> kivy Screen` (built on first visit).

Names are the contract of `kiosk screenshot --screen NAME` (DESIGN.md, CLI).
"""
from __future__ import annotations

import importlib

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
}


def create(name: str, app):
    """Build screen `name`; KeyError when no such screen exists."""
    module = importlib.import_module(SCREENS[name])
    return module.create(app)
