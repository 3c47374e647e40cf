"""Schemas of every content item kind (see DESIGN.md, "Content items").

Items are plain JSON documents validated with pydantic. Text fields are plain text: they are
never interpreted as Kivy markup (screens escape them wherever markup is on).
Binary files (images, page renders) are referenced by the sha256 of a blob.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
# a content version becomes a folder name under versions/ (DESIGN.md, "Data on a terminal");
# the first character rules out "", ".", ".." and hidden or option-like names
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$"
# fullmatch with the anchors dropped: re's "$" also matches before a final newline
_ID_RE = re.compile(ID_PATTERN[1:-1])
_VERSION_RE = re.compile(VERSION_PATTERN[1:-1])
_SHA256_RE = re.compile(SHA256_PATTERN[1:-1])

Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN)]
ItemId = Annotated[str, Field(pattern=ID_PATTERN)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]

GUIDE_CATEGORIES = ("党务服务", "民生保障", "社会保障", "便民服务", "就业创业", "卫生健康", "老龄服务", "残疾人服务")
DISCLOSURE_CATEGORIES = ("党务公开", "政务公开", "居务公开", "财务公开")


def is_safe_id(value: str) -> bool:
    """True when an item id can be used as a file name (no path separators, no `..`)."""
    return isinstance(value, str) and bool(_ID_RE.fullmatch(value)) and ".." not in value


def is_valid_version(value: object) -> bool:
    """True when `value` may name a folder under versions/ (ASCII only, never `.` or `..`)."""
    return isinstance(value, str) and bool(_VERSION_RE.fullmatch(value))


def is_sha256(value: object) -> bool:
    """True for 64 lowercase hex digits: the only names a blob may have."""
    return isinstance(value, str) and bool(_SHA256_RE.fullmatch(value))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


# ---- blocks: the small rich-text format of disclosures and notices -------------------------

class Paragraph(_Model):
    type: Literal["paragraph"] = "paragraph"
    text: LongText


class Heading(_Model):
    type: Literal["heading"] = "heading"
    text: ShortText
    level: int = Field(default=2, ge=1, le=3)


class ListBlock(_Model):
    type: Literal["list"] = "list"
    items: list[LongText] = Field(min_length=1)
    ordered: bool = False


class Table(_Model):
    type: Literal["table"] = "table"
    caption: str = ""
    columns: list[ShortText] = Field(min_length=1)
    rows: list[list[str]]
    # per column: "left" | "right" | "center"; numbers are right-aligned
    align: list[Literal["left", "right", "center"]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rows_match_columns(self) -> "Table":
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"row {i} has {len(row)} cells, the table has {width} columns")
        if self.align and len(self.align) != width:
            raise ValueError(f"align has {len(self.align)} entries, the table has {width} columns")
        return self


class ImageBlock(_Model):
    type: Literal["image"] = "image"
    blob: Sha256
    caption: str = ""


Block = Annotated[Union[Paragraph, Heading, ListBlock, Table, ImageBlock], Field(discriminator="type")]


# ---- items ---------------------------------------------------------------------------------

class ItemBase(_Model):
    id: ItemId
    kind: str
    title: ShortText
    updated_at: dt.datetime
    publish_at: dt.datetime | None = None
    expire_at: dt.datetime | None = None
    target: ItemId = "demo-centre"  # organisation node the item is meant for
    sort: int = Field(default=0, ge=-(10**9), le=10**9)  # stored as an SQLite INTEGER

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if ".." in value:
            raise ValueError("an id may not contain '..'")
        return value

    @model_validator(mode="after")
    def _expiry_after_publish(self):
        # aware() both: one naive and one aware time cannot be compared (a TypeError pydantic
        # would not turn into a validation error)
        if self.publish_at and self.expire_at and aware(self.expire_at) <= aware(self.publish_at):
            raise ValueError("expire_at must be later than publish_at")
        return self

    def is_live(self, now: dt.datetime) -> bool:
        """Shown at `now` (the terminal's own clock, so expiry works offline)."""
        now = aware(now)
        if self.publish_at and aware(self.publish_at) > now:
            return False
        if self.expire_at and aware(self.expire_at) <= now:
            return False
        return True

    def blob_refs(self) -> list[str]:
        """sha256 of every blob this item needs."""
        return []


def aware(value: dt.datetime) -> dt.datetime:
    """Naive datetimes in content are China Standard Time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=CST)
    return value


CST = dt.timezone(dt.timedelta(hours=8), "CST")


class Material(_Model):
    name: ShortText
    copies: int = Field(default=1, ge=0, le=99)
    original_or_copy: Literal["original", "copy", "original_and_copy"] = "original"
    note: str = ""


class FAQ(_Model):
    q: ShortText
    a: LongText


class Guide(ItemBase):
    kind: Literal["guide"] = "guide"
    category: ShortText
    summary: LongText = ""
    conditions: list[LongText] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    steps: list[LongText] = Field(default_factory=list)
    location: str = ""
    hours: str = ""
    time_limit: str = ""
    visits: int = Field(default=1, ge=0, le=9)
    fee: str = "不收费"
    basis: list[LongText] = Field(default_factory=list)
    phone: str = ""
    complaint_phone: str = ""
    faq: list[FAQ] = Field(default_factory=list)
    online_url: str | None = None
    ticket_service: str | None = None
    keywords: list[ShortText] = Field(default_factory=list)


class Disclosure(ItemBase):
    kind: Literal["disclosure"] = "disclosure"
    category: Literal["党务公开", "政务公开", "居务公开", "财务公开"]
    period: Annotated[str, Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")]
    publisher: ShortText
    blocks: list[Block] = Field(default_factory=list)
    pages: list[Sha256] = Field(default_factory=list)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _valid_range(self) -> "Disclosure":
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to (公示期 end) is before valid_from")
        return self

    def blob_refs(self) -> list[str]:
        return list(self.pages) + [b.blob for b in self.blocks if isinstance(b, ImageBlock)]


class Notice(ItemBase):
    kind: Literal["notice"] = "notice"
    level: Literal["normal", "urgent"] = "normal"
    blocks: list[Block] = Field(default_factory=list)

    def blob_refs(self) -> list[str]:
        return [b.blob for b in self.blocks if isinstance(b, ImageBlock)]


class Slide(ItemBase):
    kind: Literal["slide"] = "slide"
    image: Sha256
    duration_s: int = Field(default=8, ge=2, le=300)
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    time_from: dt.time | None = None
    time_to: dt.time | None = None

    def blob_refs(self) -> list[str]:
        return [self.image]

    def in_daypart(self, now: dt.datetime) -> bool:
        now = aware(now).astimezone(CST)
        if now.isoweekday() not in self.days:
            return False
        t = now.time().replace(tzinfo=None)
        if self.time_from and t < self.time_from:
            return False
        if self.time_to and t >= self.time_to:
            return False
        return True


class Room(_Model):
    name: ShortText
    floor: str
    description: str = ""
    hours: str = ""


class Duty(_Model):
    date: dt.date
    name: ShortText
    role: ShortText
    phone: str = ""


class Centre(ItemBase):
    kind: Literal["centre"] = "centre"
    name: ShortText
    address: str
    hours: list[str] = Field(default_factory=list)  # one line each: "周一至周五 8:30-12:00 14:00-17:30"
    phone: str = ""
    rooms: list[Room] = Field(default_factory=list)
    duty: list[Duty] = Field(default_factory=list)
    floor_plan: Sha256 | None = None

    def blob_refs(self) -> list[str]:
        return [self.floor_plan] if self.floor_plan else []

    def duty_on(self, day: dt.date) -> list[Duty]:
        return [d for d in self.duty if d.date == day]


class TicketService(ItemBase):
    kind: Literal["ticket_service"] = "ticket_service"
    code: Annotated[str, Field(pattern=r"^[A-Z]$")]
    name: ShortText
    windows: list[ShortText] = Field(min_length=1)
    daily_limit: int = Field(default=200, ge=1, le=999)
    hours: list[str] = Field(default_factory=list)  # "周一至周五 8:30-12:00": when numbers are issued
    guide_ids: list[ItemId] = Field(default_factory=list)

    @field_validator("hours")
    @classmethod
    def _hours_parse(cls, value: list[str]) -> list[str]:
        from content.hours import HoursError, parse_line

        for i, line in enumerate(value):
            try:
                parse_line(line)
            except HoursError as exc:
                raise ValueError(f"hours line {i + 1}: {exc}") from None
        return value


Item = Annotated[Union[Guide, Disclosure, Notice, Slide, Centre, TicketService], Field(discriminator="kind")]
KINDS = ("guide", "disclosure", "notice", "slide", "centre", "ticket_service")
ITEM_ADAPTER: TypeAdapter[Any] = TypeAdapter(Item)


def parse_item(data: bytes | str | dict) -> ItemBase:
    """Validate one item document (JSON bytes/str or a dict). Raises pydantic.ValidationError."""
    if isinstance(data, (bytes, str)):
        return ITEM_ADAPTER.validate_json(data)
    return ITEM_ADAPTER.validate_python(data)


def dump_item(item: ItemBase) -> bytes:
    """Canonical JSON bytes of an item (stable, so its sha256 is stable)."""
    return item.model_dump_json(exclude_defaults=False).encode("utf-8")
