"""The staff web pages' figures (issue #14): how long a page takes on a big centre.

    python tests/bench/bench_admin_pages.py [--items 2000] [--terminals 500] [--requests 50]

A hub made by `kiosk-hub init` (SQLite in a temp folder, then PostgreSQL when 127.0.0.1:5432
answers: a new database, dropped after) with a district > street > centre
holding a `centre` item and `--items` items -- guides put in place in bulk the way
publish_revision stores them, then one real publish.rebuild (bench_hub_wire's bulk_guides), plus
one urgent notice published for real -- and `--terminals` terminals of the centre, enrolled with
codes, each having sent a heartbeat (half of them showing the notice's version, half an older
one). Signed in through the real sign-in form as the first admin, FastAPI's TestClient (in
process, no network) times `--requests` GETs of each page, after one warm-up request, and prints
p50 / p95 / max in ms (goal p95 <= 200 ms) and this process's mean CPU time per request:

- the content list (`/admin/items`, the first page of 50 of the centre's items), and with a text:
  `zn` (pinyin initials every guide's title "指南N" matches: 2,000 ranked, the worst case),
  `zhinan12` (full pinyin, 11 found) and `指南19` (Chinese, 11 found) -- the same search as the
  terminal's (hub.item_search over the `items.search` column, filled here as migration 0006 does),
- an item page of a guide (`/admin/items/g0007`: its fields and the 预览 section's image tags;
  the images themselves are other requests, rendered once and cached, see bench/hub preview),
- the item page of the urgent notice (its 送达 line over every terminal of the centre),
- the notice's edit page (`/admin/items/{id}/edit`),
- the fleet list `/admin/terminals` (page 1 of 10, and page 10), one in ten terminals out of paper.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from hub import db, item_search, org, terminals  # noqa: E402
from hub import publish as publishing  # noqa: E402
from hub.api import create_app  # noqa: E402
from tests.admin_support import try_login  # noqa: E402
from tests.bench.bench_hub_wire import CENTRE, bulk_guides, drop_pg, percentile, pg_database  # noqa: E402
from tests.hub_api_support import init_hub  # noqa: E402
from tests.hub_support import _with_db  # noqa: E402
from tests.test_hub_terminals import auth, beat  # noqa: E402
from tests.test_hub_wire_support import centre_doc, publish  # noqa: E402

NOTICE = "urgent-bench"


def build(tmp: Path, database: str, items: int, fleet: int):
    settings = init_hub(tmp / "hub", database, tmp / "pw")
    engine = db.make_engine(settings.database)
    org.add_node(engine, "bench", "district", "district", "区")
    org.add_node(engine, "bench", "street", "street", "街道", "district")
    org.add_node(engine, "bench", CENTRE, "community", "大社区", "street")
    publish(engine, settings, centre_doc(CENTRE))
    t0 = time.monotonic()
    bulk_guides(engine, settings, items - 1)
    with engine.begin() as conn:  # bulk_guides writes rows as revision 0005 did: fill them as 0006 does
        item_search.fill(conn, db.items, db.item_revisions)
    enrolled = []
    for n in range(fleet):
        code, _ = org.create_code(engine, "bench", CENTRE, org.parse_duration("1h"))
        terminal, token = terminals.enroll(engine, code, f"终端{n:03d}", None, None)
        enrolled.append(token)
    print(f"hub: {items} items and {fleet} terminals in {time.monotonic() - t0:.1f} s")
    return settings, engine, enrolled


def version(engine) -> str:
    """The centre's current manifest version (read here: the app's manifest cache may lag a publish
    made by another process, which is what this script is to the app)."""
    with engine.connect() as conn:
        return publishing.current(conn, CENTRE).version


def timed(client: TestClient, path: str, count: int) -> tuple[list[float], float]:
    """(wall-clock ms of each GET, mean CPU ms of this process per GET): the CPU time -- the app and
    the client run in this process; PostgreSQL's own work is not in it -- hardly moves when other
    programs load the machine, the wall clock does."""
    assert client.get(path).status_code == 200, path  # warm-up
    out = []
    cpu0 = time.process_time()
    for _ in range(count):
        t0 = time.perf_counter()
        answer = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return out, (time.process_time() - cpu0) * 1000 / count


def run(database: str, args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-admin-pages-"))
    settings, engine, tokens = build(tmp, database, args.items, args.terminals)
    print(f"-- {database.split(':')[0]}")
    with TestClient(create_app(settings)) as client:
        old = version(engine)
        publish(engine, settings, {"id": NOTICE, "kind": "notice", "title": "紧急通知：明日停水", "target": CENTRE,
                                   "level": "urgent", "updated_at": "2026-11-01T08:00:00+08:00",
                                   "blocks": [{"type": "paragraph", "text": "明日上午停水。"}]})
        new = version(engine)
        for n, token in enumerate(tokens):
            body = beat(version_shown=new if n % 2 else old, printer={"state": "paper_out" if n % 10 == 0 else "ok"})
            sent = client.post("/api/v1/heartbeat", json=body, headers=auth(token))
            assert sent.status_code == 200, sent.text
        assert try_login(client, "admin").status_code == 303
        page = client.get(f"/admin/items/{NOTICE}")
        assert f"已送达 {args.terminals // 2} / {args.terminals} 台终端" in page.text, page.text[-3000:]
        pages = [("content list", "/admin/items"), ("content list, pinyin initials (all match)", "/admin/items?q=zn"),
                 ("content list, full pinyin", "/admin/items?q=zhinan12"),
                 ("content list, Chinese", "/admin/items?q=" + quote("指南19")),
                 ("item page, a guide", "/admin/items/g0007"), ("item page, the urgent notice", f"/admin/items/{NOTICE}"),
                 ("edit page of the notice", f"/admin/items/{NOTICE}/edit"), ("fleet list", "/admin/terminals"),
                 ("fleet list, last page", "/admin/terminals?page=10")]
        found = re.search(r"共 (\d+) 条", client.get("/admin/items?q=zn").text).group(1)
        assert int(found) >= args.items - 1, found  # every guide is found (and ranked) before the page is cut
        assert f"共 {args.terminals} 台终端" in client.get("/admin/terminals").text
        for what, path in pages:
            ms, cpu = timed(client, path, args.requests)
            print(f"{what} ({path}): p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
                  f"max {max(ms):.1f} ms over {len(ms)} (goal p95 <= 200); CPU {cpu:.1f} ms a request")
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--terminals", type=int, default=500)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--pg-only", action="store_true")
    args = ap.parse_args()
    if not args.pg_only:
        run(f"sqlite:///{tempfile.mkdtemp(prefix='bench-admin-sqlite-')}/hub.sqlite", args)
    pg = pg_database()
    if pg is None:
        print("PostgreSQL: not answering at 127.0.0.1:5432, skipped")
        return
    admin, name = pg
    try:
        run(_with_db(admin, name).replace("postgresql://", "postgresql+psycopg://", 1), args)
    finally:
        drop_pg(admin, name)


if __name__ == "__main__":
    main()
