"""The embedded demo centre: 幸福里社区党群服务中心 of an invented 和丰街道.

`build_demo` adds every demo item and image to a BundleWriter; `write_demo_bundle` writes it out.
Dates that matter (公示期, the 值班表, the urgent notice) are relative to `today`, so the demo is
current on whatever day it is built, and the same `today` always gives the same bundle.
"""
from __future__ import annotations

import datetime as dt
import pathlib

from content.bundle import BundleWriter

DEMO_CENTRE_ID = "demo-centre"


def build_demo(writer: BundleWriter, today: dt.date | None = None) -> None:
    """Add every demo item and blob to `writer`. Deterministic for a given `today` (default: date.today())."""
    # imported here: drawing needs Pillow and a font, which importing the package should not
    from content.demo.centre import build_centre
    from content.demo.disclosures import build_disclosures
    from content.demo.guides import build_guides
    from content.demo.notices import build_notices
    from content.demo.services import build_services
    from content.demo.slides import build_slides

    today = today or dt.date.today()
    guides = build_guides(today)
    items = [build_centre(writer, today, DEMO_CENTRE_ID)]
    items += build_services(guides, today)
    items += guides
    items += build_disclosures(writer, today)
    items += build_notices(today)
    items += build_slides(writer, today)
    for item in items:
        writer.add_item(item)


def write_demo_bundle(out_dir: pathlib.Path, today: dt.date | None = None) -> dict:
    """Write the demo bundle to `out_dir`; returns the manifest."""
    w = BundleWriter(centre=DEMO_CENTRE_ID)
    build_demo(w, today)
    return w.write_dir(out_dir)
