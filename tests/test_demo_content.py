"""The embedded demo centre: coverage, realism checks, blob integrity, determinism."""
from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re

import pytest
from PIL import Image

from content.bundle import BundleWriter
from content.demo import DEMO_CENTRE_ID, build_demo, write_demo_bundle
from content.demo.images import find_cjk_font, font
from content.schemas import (
    DISCLOSURE_CATEGORIES,
    GUIDE_CATEGORIES,
    Centre,
    Disclosure,
    Guide,
    ImageBlock,
    Notice,
    Slide,
    Table,
    TicketService,
    parse_item,
)

# a Sunday, a year boundary (last month is December of the year before), a leap day, and today
DAYS = list(dict.fromkeys([dt.date(2026, 11, 22), dt.date(2027, 1, 1), dt.date(2028, 2, 29), dt.date.today()]))

REQUIRED_GUIDES = {
    "guide-party-transfer": "党员组织关系转接", "guide-party-dues": "党费缴纳", "guide-party-application": "入党申请",
    "guide-dibao": "最低生活保障申请", "guide-medical-insurance": "城乡居民医保参保登记",
    "guide-residence-permit": "居住证办理", "guide-senior-card": "老年人优待证",
    "guide-disability-subsidy": "残疾人两项补贴", "guide-temp-relief": "临时救助",
    "guide-employment-registration": "就业失业登记", "guide-only-child-reward": "独生子女父母奖励扶助",
}


@functools.lru_cache(maxsize=None)
def built(today: dt.date) -> BundleWriter:
    w = BundleWriter(centre=DEMO_CENTRE_ID)
    build_demo(w, today)
    return w


@pytest.fixture(params=DAYS, ids=str)
def demo(request) -> tuple[BundleWriter, dt.date]:
    return built(request.param), request.param


def of(w: BundleWriter, cls):
    return [i for i in w.items if isinstance(i, cls)]


def test_guides_cover_the_categories_and_required_items(demo):
    w, _ = demo
    guides = {g.id: g for g in of(w, Guide)}
    assert len(guides) >= 30
    categories = {g.category for g in guides.values()}
    assert len(categories) >= 5 and categories <= set(GUIDE_CATEGORIES)
    for gid, title in REQUIRED_GUIDES.items():
        assert guides[gid].title == title
    assert "低保" in guides["guide-dibao"].keywords
    assert {"医保", "医疗保险"} <= set(guides["guide-medical-insurance"].keywords)
    assert all(re.fullmatch(r"guide-[a-z0-9-]+", gid) for gid in guides)


def test_every_guide_field_is_filled(demo):
    w, _ = demo
    guides = of(w, Guide)
    for g in guides:
        for name in ("summary", "location", "hours", "time_limit", "fee", "phone", "complaint_phone"):
            assert getattr(g, name).strip(), (g.id, name)
        assert 2 <= len(g.conditions) <= 5, g.id
        assert 3 <= len(g.materials) <= 7, g.id
        assert all(m.name for m in g.materials)
        assert 3 <= len(g.steps) <= 6, g.id
        assert 0 <= g.visits <= 2, g.id
        assert 1 <= len(g.basis) <= 3 and all(b.strip() for b in g.basis), g.id
        assert 2 <= len(g.faq) <= 3 and all(f.q and f.a for f in g.faq), g.id
        assert 2 <= len(g.keywords) <= 6, g.id
        assert g.online_url is None or g.online_url.startswith("https://zwfw.example.gov.cn/"), g.id
    with_url = sum(1 for g in guides if g.online_url)
    assert len(guides) * 0.3 <= with_url <= len(guides) * 0.7


def test_disclosures_cover_all_categories_and_are_in_their_publicity_period(demo):
    w, today = demo
    items = of(w, Disclosure)
    assert len(items) >= 12
    assert {d.category for d in items} == set(DISCLOSURE_CATEGORIES)
    for d in items:
        assert d.publisher and d.blocks, d.id
        assert d.valid_from <= today <= d.valid_to, d.id
        assert d.updated_at.date() <= today, d.id


def _tables(d: Disclosure) -> list[Table]:
    return [b for b in d.blocks if isinstance(b, Table)]


def _cents(cell: str) -> int:
    return round(float(cell.replace(",", "")) * 100) if cell else 0


def test_finance_tables_add_up_and_are_right_aligned(demo):
    w, today = demo
    finance = [t for d in of(w, Disclosure) if d.category == "财务公开" for t in _tables(d)
               if t.columns[:3] == ["科目", "收入（元）", "支出（元）"]]
    assert len(finance) >= 2
    for table in finance:
        assert table.align[1:3] == ["right", "right"]
        *rows, total = table.rows
        assert total[0] == "合计"
        for col in (1, 2):
            assert sum(_cents(r[col]) for r in rows) == _cents(total[col])
    last_month = next(d for d in of(w, Disclosure) if d.id == "disclosure-finance-last-month")
    month = today.replace(day=1) - dt.timedelta(days=1)
    assert last_month.period == f"{month.year}-{month.month:02d}"


def test_disclosures_include_dues_masked_names_a_vote_and_a_wide_table(demo):
    w, _ = demo
    items = {d.id: d for d in of(w, Disclosure)}
    assert any("党费" in d.title and _tables(d) for d in items.values())
    names = [row[1] for row in _tables(items["disclosure-dibao"])[0].rows]
    assert names and all(re.fullmatch(r"[\u4e00-\u9fff]\*[\u4e00-\u9fff]?", n) for n in names)
    assert any(("评议" in d.title or "选举" in d.title) for d in items.values())
    assert any(len(t.columns) >= 6 for d in items.values() for t in _tables(d))
    assert any(len(d.pages) == 2 for d in items.values())
    assert any(isinstance(b, ImageBlock) for d in items.values() for b in d.blocks)


def test_notices_have_exactly_one_urgent(demo):
    w, _ = demo
    notices = of(w, Notice)
    assert len(notices) >= 6
    assert [n.level for n in notices].count("urgent") == 1
    assert all(n.blocks for n in notices)


def test_slides_are_portrait_pngs_with_dayparts(demo):
    w, _ = demo
    slides = of(w, Slide)
    assert len(slides) >= 6
    for s in slides:
        data, mime = w.blobs[s.image]
        assert mime == "image/png" and len(data) < 300_000
        assert Image.open(io.BytesIO(data)).size == (1080, 1920)
    all_day = [s for s in slides if s.days == [1, 2, 3, 4, 5, 6, 7] and s.time_from is None and s.time_to is None]
    assert len(all_day) > len(slides) / 2
    assert any(s.days == [1, 2, 3, 4, 5] and s.time_from == dt.time(8) and s.time_to == dt.time(12) for s in slides)
    assert any(s.days == [6, 7] for s in slides)


def test_centre_rooms_duty_and_floor_plan(demo):
    w, today = demo
    (centre,) = of(w, Centre)
    assert centre.id == DEMO_CENTRE_ID and centre.title == centre.name
    assert centre.address and centre.hours and centre.phone
    assert len(centre.rooms) >= 8 and all(r.floor and r.description and r.hours for r in centre.rooms)
    monday = today - dt.timedelta(days=today.weekday())
    days = sorted({d.date for d in centre.duty})
    assert days == [monday + dt.timedelta(days=i) for i in range(14)]
    for day in days:
        on_duty = centre.duty_on(day)
        assert 2 <= len(on_duty) <= 3 and all(d.phone and d.role for d in on_duty)
    assert centre.duty_on(today)
    plan = Image.open(io.BytesIO(w.blobs[centre.floor_plan][0]))
    assert plan.size == (1600, 1000)


def test_ticket_services_point_at_real_guides(demo):
    w, _ = demo
    services = of(w, TicketService)
    guide_ids = {g.id for g in of(w, Guide)}
    codes = [s.code for s in services]
    assert len(services) >= 4 and len(set(codes)) == len(codes) and {"A", "B", "C", "D"} <= set(codes)
    for s in services:
        assert s.windows and s.hours and s.guide_ids
        assert set(s.guide_ids) <= guide_ids
    assert {g.ticket_service for g in of(w, Guide)} <= set(codes) | {None}


def test_blobs_and_references_match(demo):
    w, _ = demo
    refs = {sha for item in w.items for sha in item.blob_refs()}
    assert refs == set(w.blobs)
    assert all(mime == "image/png" for _, mime in w.blobs.values())


def test_nothing_is_expired_or_unpublished_today(demo):
    w, today = demo
    for when in (dt.datetime.combine(today, dt.time(0, 0)), dt.datetime.combine(today, dt.time(23, 59))):
        dead = [i.id for i in w.items if not i.is_live(when)]
        assert not dead, f"not live at {when}: {dead}"


def test_the_bundle_is_deterministic_and_reads_back(tmp_path):
    today = DAYS[0]
    stamp = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.timezone.utc)
    manifests = []
    for n in (1, 2):
        w = BundleWriter(centre=DEMO_CENTRE_ID)
        build_demo(w, today)
        manifests.append(w.write_dir(tmp_path / f"b{n}", created_at=stamp))
    assert manifests[0] == manifests[1]
    assert manifests[0]["centre"] == DEMO_CENTRE_ID
    for entry in manifests[0]["items"]:
        raw = (tmp_path / "b1" / "items" / f"{entry['id']}.json").read_bytes()
        assert parse_item(raw).id == entry["id"]
    assert json.loads((tmp_path / "b1" / "manifest.json").read_text(encoding="utf-8")) == manifests[0]


def test_write_demo_bundle(tmp_path):
    manifest = write_demo_bundle(tmp_path / "demo", DAYS[1])
    kinds = {e["kind"] for e in manifest["items"]}
    assert kinds == {"guide", "disclosure", "notice", "slide", "centre", "ticket_service"}
    assert len(list((tmp_path / "demo" / "blobs").iterdir())) == len(manifest["blobs"])


def test_the_font_draws_chinese_glyphs():
    # a font without CJK draws the same .notdef box for every Chinese character
    path, _ = find_cjk_font()
    assert path
    masks = {bytes(font(40).getmask(ch)) for ch in "党群服务"}
    assert len(masks) == 4
