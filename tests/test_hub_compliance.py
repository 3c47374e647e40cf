"""三务公开 compliance (hub.compliance, /api/staff/compliance, PUT .../disclosure-day) on SQLite and
PostgreSQL: published / due / late at chosen moments (the report takes `now`), the disclosure day
inherited from the street or overridden at the community, quarterly periods, who sees which
centres, who may set the day, and malformed periods refused."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from content.schemas import CST
from hub import compliance, db, perms, publish
from tests.hub_api_support import api, database_url  # noqa: F401  (fixtures)


def disclose(api, item_id: str, target: str, category: str, period: str, **fields) -> None:
    doc = {"id": item_id, "kind": "disclosure", "title": f"{period} {category}", "updated_at": "2026-10-01T08:00:00",
           "target": target, "category": category, "period": period, "publisher": "居民委员会", **fields}
    with api.engine.begin() as conn:
        publish.publish_many(conn, api.settings, "admin", [doc])


def backdate(api, item_id: str, when: dt.datetime) -> None:
    """Set when the item was first published (data, not the clock)."""
    with api.engine.begin() as conn:
        conn.execute(update(db.item_revisions).where(db.item_revisions.c.item_id == item_id)
                     .values(published_at=when.astimezone(dt.timezone.utc)))  # the hub keeps UTC


def report(api, user: str, node: str, period: str, now: dt.datetime) -> dict:
    with api.engine.connect() as conn:
        return compliance.report(conn, perms.staff_named(api.engine, user), node,
                                 compliance.period_or_default(period, now), now)


def cell(rep: dict, centre: str, category: str) -> dict:
    return next(c for c in rep["centres"] if c["id"] == centre)["categories"][category]


def statuses(rep: dict, category: str) -> dict[str, str]:
    return {c["id"]: c["categories"][category]["status"] for c in rep["centres"]}


def cst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def test_published_due_and_late_at_chosen_moments(api):
    disclose(api, "fin-s1", "s1", "财务公开", "2026-11")
    backdate(api, "fin-s1", cst(2026, 12, 3, 9))
    disclose(api, "fin-c", "c-c", "财务公开", "2026-10")  # another period: answers nothing here
    rep = report(api, "admin", "d1", "2026-11", cst(2026, 12, 5, 12))
    assert statuses(rep, "财务公开") == {"c-a": "published", "c-b": "published", "c-c": "due"}
    assert cell(rep, "c-a", "财务公开") == {"status": "published", "item": "fin-s1", "title": "2026-11 财务公开",
                                          "period": "2026-11",
                                          "at": cst(2026, 12, 3, 9).astimezone(dt.timezone.utc).isoformat(),
                                          "on_time": True}
    assert statuses(rep, "党务公开") == {"c-a": "due", "c-b": "due", "c-c": "due"}
    assert [c["due"] for c in rep["centres"]] == ["2026-12-10"] * 3 and rep["totals"] == \
        {"published": 2, "due": 10, "late": 0}
    # due through the whole of 10 December in China, late from 11 December 00:00 CST
    assert statuses(report(api, "admin", "d1", "2026-11", cst(2026, 12, 10, 23, 59)), "党务公开")["c-a"] == "due"
    late = report(api, "admin", "d1", "2026-11", cst(2026, 12, 11, 0, 0))
    assert statuses(late, "党务公开") == {"c-a": "late", "c-b": "late", "c-c": "late"}
    assert statuses(late, "财务公开") == {"c-a": "published", "c-b": "published", "c-c": "late"}
    # published after the day: still published, not on time
    backdate(api, "fin-s1", cst(2026, 12, 12, 9))
    assert cell(report(api, "admin", "s1", "2026-11", cst(2026, 12, 20)), "c-b", "财务公开")["on_time"] is False


def test_scheduled_and_deleted_disclosures_do_not_count(api):
    disclose(api, "later", "c-a", "居务公开", "2026-11", publish_at="2026-12-08T09:00:00+08:00")
    assert cell(report(api, "admin", "c-a", "2026-11", cst(2026, 12, 8, 8)), "c-a", "居务公开")["status"] == "due"
    seen = cell(report(api, "admin", "c-a", "2026-11", cst(2026, 12, 8, 10)), "c-a", "居务公开")
    assert seen["status"] == "published" and seen["at"] == "2026-12-08T01:00:00+00:00"
    with api.engine.begin() as conn:
        publish.withdraw(conn, api.settings, "admin", "later")
    assert cell(report(api, "admin", "c-a", "2026-11", cst(2026, 12, 20)), "c-a", "居务公开")["status"] == "late"


def test_the_day_comes_from_the_street_unless_the_community_sets_its_own(api):
    r = api.call("ed-s1", "PUT", "/api/staff/nodes/s1/disclosure-day", json={"day": 5})
    assert r.status_code == 200 and r.json() == {"node": "s1", "day": 5}
    assert api.call("ed-a", "PUT", "/api/staff/nodes/c-a/disclosure-day", json={"day": 20}).status_code == 200
    rep = report(api, "admin", "d1", "2026-11", cst(2026, 12, 6))
    days = {c["id"]: (c["day"], c["day_from"], c["due"]) for c in rep["centres"]}
    assert days == {"c-a": (20, "c-a", "2026-12-20"), "c-b": (5, "s1", "2026-12-05"), "c-c": (10, None, "2026-12-10")}
    assert statuses(rep, "政务公开") == {"c-a": "due", "c-b": "late", "c-c": "due"}
    with api.engine.connect() as conn:
        rows = conn.execute(select(db.audit_log.c.actor, db.audit_log.c.target, db.audit_log.c.after)
                            .where(db.audit_log.c.action == "node.disclosure_day").order_by(db.audit_log.c.id)).all()
    assert [tuple(r) for r in rows] == [("ed-s1", "node:s1", {"day": 5}), ("ed-a", "node:c-a", {"day": 20})]
    # null: the community follows its street again
    assert api.call("ed-a", "PUT", "/api/staff/nodes/c-a/disclosure-day", json={"day": None}).status_code == 200
    rep = report(api, "admin", "s1", "2026-11", cst(2026, 12, 6))
    assert rep["centres"][0]["day"] == 5 and rep["centres"][0]["day_from"] == "s1"


def test_a_quarter_answers_its_last_month_and_is_due_the_month_after(api):
    disclose(api, "party-q3", "c-a", "党务公开", "2026-Q3")
    disclose(api, "party-09", "c-b", "党务公开", "2026-09")
    now = cst(2026, 10, 20)
    assert statuses(report(api, "admin", "s1", "2026-09", now), "党务公开") == {"c-a": "published", "c-b": "published"}
    assert statuses(report(api, "admin", "s1", "2026-08", now), "党务公开") == {"c-a": "late", "c-b": "late"}
    quarter = report(api, "admin", "s1", "2026-Q3", cst(2026, 10, 9))
    assert statuses(quarter, "党务公开") == {"c-a": "published", "c-b": "due"}  # a month does not answer a quarter
    assert quarter["period"] == "2026-Q3" and quarter["centres"][0]["due"] == "2026-10-10"
    year = compliance.parse_period("2026")
    assert compliance.due_date(year, 10) == dt.date(2027, 1, 10)
    assert compliance.parse_period("2026-H1").last == (2026, 6)
    assert [p.text for p in compliance.answering(compliance.parse_period("2026-12"))] == \
        ["2026-12", "2026-Q4", "2026-H2", "2026"]
    assert [p.text for p in compliance.answering(compliance.parse_period("2026-Q2"))] == ["2026-Q2", "2026-H1"]
    assert [p.text for p in compliance.answering(compliance.parse_period("2026-08"))] == ["2026-08"]


def test_an_editor_sees_only_the_centres_they_may_read(api):
    rep = report(api, "ed-s1", "d1", "2026-11", cst(2026, 12, 1))
    assert [c["id"] for c in rep["centres"]] == ["c-a", "c-b"]
    assert [c["id"] for c in report(api, "ed-a", "s1", "2026-11", cst(2026, 12, 1))["centres"]] == ["c-a"]
    r = api.call("ed-s1", "GET", "/api/staff/compliance", params={"node": "s2", "period": "2026-11"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert api.call("ed-s1", "PUT", "/api/staff/nodes/s2/disclosure-day", json={"day": 3}).status_code == 404
    assert api.call("ed-s1", "PUT", "/api/staff/nodes/d1/disclosure-day", json={"day": 3}).status_code == 403
    assert api.call("ed-d1", "PUT", "/api/staff/nodes/s2/disclosure-day", json={"day": 3}).status_code == 200


def test_a_viewer_reads_but_does_not_set_the_day(api):
    r = api.call("view-a", "GET", "/api/staff/compliance", params={"node": "c-a", "period": "2020-01"})
    assert r.status_code == 200, r.text
    assert [c["id"] for c in r.json()["centres"]] == ["c-a"] and r.json()["totals"]["late"] == 4
    r = api.call("view-a", "PUT", "/api/staff/nodes/c-a/disclosure-day", json={"day": 3})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api.call(None, "GET", "/api/staff/compliance", params={"node": "c-a"}).status_code == 401


def test_bad_periods_and_days_are_refused(api):
    for period in ("2026-13", "2026-Q5", "2026-11-01", "11/2026", "2026-1"):
        r = api.call("admin", "GET", "/api/staff/compliance", params={"node": "s1", "period": period})
        assert r.status_code == 422 and r.json()["field"] == "period", period
    for day in (0, 29, "x"):
        r = api.call("admin", "PUT", "/api/staff/nodes/s1/disclosure-day", json={"day": day})
        assert r.status_code == 422 and r.json()["field"] == "day", day
    assert api.call("admin", "GET", "/api/staff/compliance", params={"node": "nope"}).status_code == 404
    # no period: the previous month, China time (1 January 07:00 CST is still 31 December in UTC)
    assert compliance.period_or_default(None, cst(2027, 1, 1, 7)).text == "2026-12"
    assert compliance.period_or_default("", cst(2026, 12, 2)).text == "2026-11"
    default = api.call("admin", "GET", "/api/staff/compliance", params={"node": "s1"})
    assert default.status_code == 200 and compliance.parse_period(default.json()["period"]) is not None
