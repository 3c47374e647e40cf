"""The 公开日 compliance report (hub.compliance.report, issue #14) for a street of 50 centres and
2,000 published disclosures (plus 20 centres in another street), on SQLite and on PostgreSQL when
one answers. Goal: well under 200 ms.

    .venv/bin/python tests/bench/bench_hub_compliance.py
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from content.schemas import CST, Disclosure, dump_item  # noqa: E402
from hub import compliance, db, migrate, org, perms  # noqa: E402
from tests.hub_support import _with_db, pg_admin_url  # noqa: E402

CATS = compliance.CATEGORIES

def build(url):
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    org.add_node(engine, "cli", "d1", "district", "区")
    org.add_node(engine, "cli", "s1", "street", "街道", "d1")
    org.add_node(engine, "cli", "s2", "street", "街道2", "d1")
    centres = [f"c-{i:02d}" for i in range(50)]
    for c in centres:
        org.add_node(engine, "cli", c, "community", c, "s1")
    for i in range(20):
        org.add_node(engine, "cli", f"o-{i:02d}", "community", "o", "s2")
    rnd = random.Random(1)
    periods = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)] + [f"{y}-Q{q}" for y in (2025, 2026) for q in range(1, 5)]
    now = db.utcnow()
    items, revs = [], []
    for n in range(2000):
        target = rnd.choice(centres + ["s1"] * 3 + [f"o-{i:02d}" for i in range(20)])
        d = Disclosure(id=f"d-{n}", title=f"公开 {n}", updated_at=dt.datetime(2026, 1, 1, tzinfo=CST), target=target,
                       category=rnd.choice(CATS), period=rnd.choice(periods), publisher="居民委员会",
                       blocks=[{"type": "paragraph", "text": "收支明细" * 300}])
        body = dump_item(d).decode()
        items.append(dict(id=d.id, kind="disclosure", target=target, revision=1, created_at=now, created_by="b",
                          published_at=now, published_by="b", published_sha256=hashlib.sha256(body.encode()).hexdigest()))
        revs.append(dict(item_id=d.id, revision=1, sha256=hashlib.sha256(body.encode()).hexdigest(), size=len(body),
                         document=body, blob_refs=[], target=target, published_at=now, published_by="b"))
    with engine.begin() as conn:
        conn.execute(insert(db.items), items)
        conn.execute(insert(db.item_revisions), revs)
    return engine

def measure(engine, label):
    staff = perms.Staff("admin", True, frozenset(), frozenset())
    now = dt.datetime(2026, 12, 5, tzinfo=CST)
    for period in ("2026-11", "2026-Q3"):
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            with engine.connect() as conn:
                rep = compliance.report(conn, staff, "s1", compliance.parse_period(period), now)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{label} {period}: centres={len(rep['centres'])} totals={rep['totals']} "
              f"median={statistics.median(times):.1f} ms max={max(times):.1f} ms")

def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        measure(build(f"sqlite:///{tmp}/hub.sqlite"), "sqlite")
    admin = pg_admin_url()
    if admin is None:
        print("postgresql: none answers at 127.0.0.1:5432 (KIOSK_HUB_TEST_PG unset): skipped")
        return
    _postgresql(admin)


def _postgresql(admin: str) -> None:
    name = f"kiosk_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        eng = build(_with_db(admin, name).replace("postgresql://", "postgresql+psycopg://", 1))
        measure(eng, "postgresql")
        eng.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
