"""What the queue needs to know: its services (from `ticket_service` content items) and its rules.

`QueueRules` is the `[tickets]` part of the settings that only the queue service reads; it is
one pydantic model so `kiosk.config` embeds it and every key is validated and documented once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from content.hours import HoursError, Period, parse_hours
from content.schemas import CST, TicketService


class QueueRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    priority_age: int = Field(default=60, ge=50, le=100,
                              description="residents this old or older (age from the ID card) are called first")
    day_starts: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                            description="local time at which numbering restarts at 001 (HH:MM)")
    clock: Literal["ntp", "trust"] = Field(
        default="ntp",
        description='"ntp": a new day starts only once the system clock is synchronised (a Pi without a '
                    'real-time clock boots with a stale time); "trust": always believe the clock')
    service_minutes: int = Field(default=5, ge=1, le=120,
                                 description="assumed minutes per resident until today's own figures exist")


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    windows: tuple[str, ...]
    daily_limit: int
    hours_text: tuple[str, ...]
    periods: tuple[Period, ...] = field(default=())
    sort: int = 0

    @classmethod
    def from_item(cls, item: TicketService) -> "Service":
        try:
            periods = tuple(parse_hours(list(item.hours)))
        except HoursError as exc:
            raise ValueError(f"ticket service {item.code} ({item.id}): hours {exc}") from None
        return cls(item.code, item.name, tuple(item.windows), item.daily_limit, tuple(item.hours), periods, item.sort)


def services_from_items(items) -> dict[str, Service]:
    """The services of a content version, by code (the order content gives them)."""
    found = sorted((i for i in items if isinstance(i, TicketService)), key=lambda i: (i.sort, i.code))
    return {s.code: Service.from_item(s) for s in found}


def business_day(now: dt.datetime, day_starts: str) -> dt.date:
    """The queue day `now` belongs to: before `day_starts` it is still the day before."""
    h, m = (int(v) for v in day_starts.split(":"))
    return (now.astimezone(CST) - dt.timedelta(hours=h, minutes=m)).date()


def age_band(age: int) -> str:
    """A ten-year band ("60-69"), "90+" from 90: what a counter needs, never a birth date."""
    if age >= 90:
        return "90+"
    lo = age // 10 * 10
    return f"{lo}-{lo + 9}"
