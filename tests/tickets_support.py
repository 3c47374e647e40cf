"""Helpers for the lobby queue tests: a real Queue on a real SQLite file, a clock moved by hand."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from content.schemas import CST, TicketService
from tickets import db
from tickets.clock import FixedClock
from tickets.queue import Queue
from tickets.rules import QueueRules, services_from_items

# a Tuesday, inside the demo centre's hours (周一至周五 8:30-12:00)
MORNING = dt.datetime(2026, 12, 1, 9, 0, tzinfo=CST)


def service_items(limit: int = 120) -> list[TicketService]:
    stamp = dt.datetime(2026, 9, 1, tzinfo=CST)
    hours = ["周一至周五 8:30-12:00", "周一至周五 13:30-17:00"]
    return [
        TicketService(id="ticket-a", title="综合受理", code="A", name="综合受理", windows=["1号窗口", "2号窗口"],
                      daily_limit=limit, hours=hours, updated_at=stamp, sort=0),
        TicketService(id="ticket-b", title="社保医保", code="B", name="社保医保", windows=["3号窗口"],
                      daily_limit=limit, hours=hours, updated_at=stamp, sort=10),
        TicketService(id="ticket-c", title="党员服务", code="C", name="党员服务", windows=["3号窗口", "5号窗口"],
                      daily_limit=limit, hours=[], updated_at=stamp, sort=20),
    ]


def make_queue(path: Path, now: dt.datetime = MORNING, limit: int = 120, synchronised: bool = True,
               **rules) -> Queue:
    engine = db.make_engine(path)
    db.create_schema(engine)
    return Queue(engine, services_from_items(service_items(limit)), QueueRules(**rules), FixedClock(now, synchronised))


def install_services(data_dir: Path, limit: int = 999, hours: bool = False) -> str:
    """Install content holding the test services (always open unless `hours`) into `data_dir`."""
    return install_items(data_dir, [item if hours else item.model_copy(update={"hours": []})
                                    for item in service_items(limit)])


def install_items(data_dir: Path, items) -> str:
    """Install a content version of the test centre and `items` into `data_dir`; its version."""
    import tempfile

    from content.bundle import BundleWriter
    from content.schemas import Centre
    from content.store import build_version

    writer = BundleWriter(centre="demo-centre")
    writer.add_item(Centre(id="demo-centre", title="测试中心", name="测试中心", address="演示路1号",
                           updated_at=dt.datetime(2026, 9, 1, tzinfo=CST)))
    for item in items:
        writer.add_item(item)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{data_dir.name}-bundle-", dir=data_dir.parent) as bundle:
        writer.write_dir(Path(bundle))
        return build_version(Path(bundle), data_dir)
