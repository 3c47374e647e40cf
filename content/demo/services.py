"""取号 queues of the demo centre (ticket_service items). Each lists the demo guides that send
residents to it, so the guide screen's "取号" button and the queue agree."""
from __future__ import annotations

import datetime as dt

from content.demo.common import fixed_stamp
from content.schemas import Guide, TicketService

WEEKDAY_HOURS = ["周一至周五 8:30-12:00", "周一至周五 13:30-17:00"]

# (code, name, windows, daily limit, hours)
SERVICES = [
    ("A", "综合受理", ["1号窗口", "2号窗口"], 120, WEEKDAY_HOURS),
    ("B", "社保医保·就业", ["3号窗口", "4号窗口"], 150, WEEKDAY_HOURS),
    ("C", "党员服务", ["5号窗口"], 60, WEEKDAY_HOURS),
    ("D", "便民服务·证明开具", ["6号窗口"], 100, WEEKDAY_HOURS + ["周六 9:00-12:00"]),
]


def build_services(guides: list[Guide], today: dt.date) -> list[TicketService]:
    return [
        TicketService(
            id=f"ticket-{code.lower()}", title=name, code=code, name=name, windows=windows, daily_limit=limit,
            hours=hours, guide_ids=[g.id for g in guides if g.ticket_service == code],
            updated_at=fixed_stamp(2026, 9, 1, today), sort=i * 10,
        )
        for i, (code, name, windows, limit, hours) in enumerate(SERVICES)
    ]
