"""三务公开 compliance: has each centre disclosed each category for a period, by its disclosure day?

Each node may set a monthly disclosure day 1..28 (`disclosure_days`); a centre follows the nearest
node at or above it that has one (usually its 街道), DEFAULT_DAY when none does.

The rules (docs/hub.md, "Heartbeat history and 公开日 compliance"):
* A period is one of the formats disclosures use (content.schemas.Disclosure.period): "2026-11"
  (a month), "2026-Q3" (a quarter), "2026-H2" (a half year), "2026" (a year).
* A disclosure of period P is due by the disclosure day of the month after P ends: November's
  财务公开 by 10 December, 2026-Q3's 党务公开 by 10 October, 2026's by 10 January 2027. Days are
  counted in China time (CST): "due" through the whole of that day, "late" from the next.
* A published, undeleted disclosure of the category answers period P when its own period is P, or
  a longer period that ends with P (a 2026-Q3 disclosure answers 2026-09; a 2026 one answers
  2026-12, 2026-Q4 and 2026-H2). A shorter one does not answer a longer period (September's does
  not answer Q3). It answers for the centres it reaches (its target is the centre or above it),
  from the later of its first publication and its `publish_at`; one whose `publish_at` is still
  ahead is not published yet.
Everything takes `now` (the hub's clock), so a report can be computed for any moment.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from content.schemas import CST
from hub import audit, db, perms
from hub.errors import HubError

CATEGORIES = ("党务公开", "政务公开", "居务公开", "财务公开")
DEFAULT_DAY = 10
_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")


@dataclass(frozen=True)
class Period:
    text: str
    first: tuple[int, int]   # (year, month) of its first month
    last: tuple[int, int]    # ... and of its last

    def answered_by(self, other: "Period") -> bool:
        """A disclosure of period `other` answers this period (equal, or longer and ending with it)."""
        return other.last == self.last and other.first <= self.first


def answering(asked: Period) -> list[Period]:
    """Every period whose disclosure answers `asked` (itself, and the longer ones ending with it)."""
    year, last = asked.last
    texts = [f"{year}-{last:02d}", f"{year}-Q{(last + 2) // 3}", f"{year}-H{(last + 5) // 6}", f"{year}"]
    found = [parse_period(t) for t in texts]
    return [p for p in found if p is not None and asked.answered_by(p)]


def parse_period(text: str | None) -> Period | None:
    """`text` as a Period; None when it is not one of the formats."""
    m = _PERIOD.match(text or "")
    if m is None:
        return None
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        first, last = 1, 12
    elif part[0] == "Q":
        last = 3 * int(part[1])
        first = last - 2
    elif part[0] == "H":
        last = 6 * int(part[1])
        first = last - 5
    else:
        first = last = int(part)
    return Period(text, (year, first), (year, last))


def period_or_default(text: str | None, now: dt.datetime) -> Period:
    """The asked period (HubError 422 naming `period` when malformed); the previous month (China
    time) when none is asked for."""
    if text is None or text == "":
        today = now.astimezone(CST).date()
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return parse_period(f"{year}-{month:02d}")  # type: ignore[return-value]
    period = parse_period(text)
    if period is None:
        raise HubError("bad_request", "period: YYYY-MM (a month), YYYY-Qn, YYYY-Hn or YYYY", 422, "period")
    return period


def due_date(period: Period, day: int) -> dt.date:
    """The disclosure day of the month after the period ends."""
    year, month = period.last
    return dt.date(year + 1, 1, day) if month == 12 else dt.date(year, month + 1, day)


# ---- disclosure days ---------------------------------------------------------------------------

def days(conn: Connection) -> dict[str, int]:
    return {r.node_id: r.day for r in conn.execute(select(db.disclosure_days.c.node_id, db.disclosure_days.c.day))}


def day_for(tree: perms.Tree, set_days: dict[str, int], centre: str) -> tuple[int, str | None]:
    """(the day that applies to `centre`, the node that set it or None for the default)."""
    for node in [centre, *tree.above(centre)]:
        if node in set_days:
            return set_days[node], node
    return DEFAULT_DAY, None


def set_day(conn: Connection, actor: str, node: str, day: int | None) -> None:
    """Set `node`'s disclosure day (None: remove it, the node follows the one above); audited."""
    d = db.disclosure_days
    before = conn.execute(select(d.c.day).where(d.c.node_id == node)).scalar()
    if before == day:
        return
    if day is None:
        conn.execute(d.delete().where(d.c.node_id == node))
    elif before is None:
        conn.execute(insert(d).values(node_id=node, day=day, updated_at=db.utcnow(), updated_by=actor))
    else:
        conn.execute(update(d).where(d.c.node_id == node).values(day=day, updated_at=db.utcnow(), updated_by=actor))
    audit.record(conn, actor, "node.disclosure_day", f"node:{node}",
                 None if before is None else {"day": before}, None if day is None else {"day": day})


# ---- the report --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Disclosure:
    id: str
    title: str
    target: str
    category: str
    period: Period
    at: dt.datetime   # when it reached the centres (first publication or publish_at, the later)


def _disclosures(conn: Connection, targets: set[str], asked: Period, now: dt.datetime) -> list[_Disclosure]:
    """Published, undeleted disclosures targeting one of `targets` that answer `asked` by `now`."""
    i, r, first = db.items.c, db.item_revisions.alias("r"), db.item_revisions.alias("first")
    query = (select(i.id, i.target, r.c.document, first.c.published_at)
             .join(r, (r.c.item_id == i.id) & (r.c.revision == i.revision))
             .join(first, (first.c.item_id == i.id) & (first.c.revision == 1))
             .where(i.kind == "disclosure", i.revision > 0, i.deleted_at.is_(None), i.target.in_(sorted(targets)),
                    # a cheap first cut on the canonical JSON (no spaces); the parsed period decides
                    or_(*(r.c.document.contains(f'"period":"{p.text}"') for p in answering(asked)))))
    out = []
    for row in conn.execute(query):
        doc = json.loads(row.document)
        period = parse_period(doc.get("period"))
        if period is None or not asked.answered_by(period) or doc.get("category") not in CATEGORIES:
            continue
        at = db.as_utc(row.published_at)
        publish_at = doc.get("publish_at")
        if publish_at:
            scheduled = dt.datetime.fromisoformat(publish_at)
            scheduled = scheduled if scheduled.tzinfo else scheduled.replace(tzinfo=CST)
            if scheduled > now:
                continue
            at = max(at, scheduled)
        out.append(_Disclosure(row.id, str(doc.get("title") or ""), row.target, doc["category"], period, at))
    return out


def report(conn: Connection, staff: perms.Staff, node: str, asked: Period, now: dt.datetime) -> dict:
    """Per centre below `node` that `staff` may read, per category: published / due / late."""
    tree = perms.load_tree(conn)
    if node not in tree.parent:
        raise HubError("not_found", "no such node", 404)
    perms.require_read(tree, staff, node, "such node")
    readable = perms.readable(tree, staff)
    centres = sorted(c for c in tree.centres_below(node) if readable is None or c in readable)
    reach: dict[str, list[str]] = {}   # target -> the centres (of these) it reaches
    for c in centres:
        for n in [c, *tree.above(c)]:
            reach.setdefault(n, []).append(c)
    found: dict[tuple[str, str], _Disclosure] = {}
    for d in _disclosures(conn, set(reach), asked, now):
        for c in reach[d.target]:
            best = found.get((c, d.category))
            if best is None or (d.at, d.id) < (best.at, best.id):
                found[(c, d.category)] = d
    names = dict(conn.execute(select(db.org_nodes.c.id, db.org_nodes.c.name)
                              .where(db.org_nodes.c.id.in_(centres))).all()) if centres else {}
    set_days, today = days(conn), now.astimezone(CST).date()
    rows, totals = [], {"published": 0, "due": 0, "late": 0}
    for c in centres:
        day, day_from = day_for(tree, set_days, c)
        due = due_date(asked, day)
        cells = {}
        for category in CATEGORIES:
            d = found.get((c, category))
            if d is not None:
                cell = {"status": "published", "item": d.id, "title": d.title, "period": d.period.text,
                        "at": d.at.astimezone(dt.timezone.utc).isoformat(), "on_time": d.at.astimezone(CST).date() <= due}
            else:
                cell = {"status": "due" if today <= due else "late"}
            totals[cell["status"]] += 1
            cells[category] = cell
        rows.append({"id": c, "name": names.get(c), "day": day, "day_from": day_from, "due": due.isoformat(),
                     "categories": cells})
    return {"node": node, "period": asked.text, "now": now.isoformat(), "categories": list(CATEGORIES),
            "centres": rows, "totals": totals}
