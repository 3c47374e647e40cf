"""The JSON bodies of the hub <-> terminal wire (DESIGN.md, "Hub <-> terminal wire"), shared by the
hub, which validates what terminals send, and the terminal's sync client, which builds it.

Every model refuses fields it does not know (a typo is an error, not silently dropped) and bounds
every string, number and collection, so a body's size after validation is small whatever was sent.
Text is refused when it holds control characters (a NUL breaks PostgreSQL text; a newline
would forge log lines), except `detail` and `last_error`, which may span lines.

Device states are the terminal's own words (kiosk/app_devices.py: PRINTER_STATES, READER_STATES;
tests/test_sync_wire.py keeps both lists equal -- sync may not import the terminal program).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from content.schemas import VERSION_PATTERN

__all__ = [
    "PRINTER_STATES", "READER_STATES", "PRINTER_FAULTS", "READER_FAULTS", "CARD_REFUSED",
    "EnrollRequest", "EnrollResponse", "DeviceReport", "PrinterReport", "ReaderReport", "Heartbeat",
    "HeartbeatReply", "Figures", "StatsBatch", "StatsReply", "is_reader_fault",
]

# the printer as the terminal's maintenance screen names it: off (none configured), checking (a
# status query is under way), ok, near_end (paper running low: still prints), paper_out,
# cover_open, offline (no connection), timeout (no answer in time), unknown (a reply it cannot read)
PRINTER_STATES = ("off", "checking", "ok", "near_end", "paper_out", "cover_open", "offline", "timeout", "unknown")
# the ID-card reader: off (not enabled), checking (opening or probing), ready, error (the last
# cycle failed; `detail` is the reason code, e.g. "port", "timeout" or "invalid_card:birth")
READER_STATES = ("off", "checking", "ready", "error")
# states in which the device cannot serve a resident
PRINTER_FAULTS = ("paper_out", "cover_open", "offline", "timeout", "unknown")
READER_FAULTS = ("error",)
# reader reason codes that mean "the card on it was refused", not "the reader is broken"
CARD_REFUSED = ("invalid_card", "unknown_card_type")

MAX_NAME = 100
MAX_HARDWARE_BYTES = 4096
MAX_CODE = 64
MAX_DETAIL = 500
MAX_ERROR = 1000
MAX_BYTES = 1 << 60                 # a disk larger than an exabyte is a lie
MAX_UPTIME_S = 20 * 365 * 86400
MAX_COUNT = 1_000_000
MAX_MINUTES = 7 * 24 * 60.0
BATCH_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _lines(value: str) -> str:
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("control characters other than tab and newline are not allowed")
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("a time needs its zone (2026-11-03T09:30:00+08:00)")
    return value


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_one_line)]
Label = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_one_line)]
Detail = Annotated[str, Field(max_length=MAX_DETAIL), AfterValidator(_lines)]
Version = Annotated[str, Field(pattern=VERSION_PATTERN)]
Time = Annotated[dt.datetime, AfterValidator(_aware)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, str_strip_whitespace=True)


# ---- enrolment ------------------------------------------------------------------------------

class EnrollRequest(_Body):
    """`POST /api/v1/enroll`: the one-time code from `kiosk-hub enroll-code`, the terminal's name
    as staff will see it in the fleet view, and what it runs on (free-form, at most 4 KB as JSON:
    model, serial, OS, screen size...)."""
    code: Annotated[str, Field(min_length=1, max_length=MAX_CODE), AfterValidator(_one_line)]
    name: Name
    hardware: dict[str, Any] = Field(default_factory=dict)

    @field_validator("hardware")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_HARDWARE_BYTES:
            raise ValueError(f"at most {MAX_HARDWARE_BYTES} bytes as JSON")
        return value


class EnrollResponse(_Body):
    """The answer, signed (`X-Signature` over the exact body) by the key in `hub_public_key`,
    which the terminal pins. The token is shown once: the hub keeps only its sha256."""
    terminal_id: str
    token: str
    hub_public_key: str


# ---- heartbeat ------------------------------------------------------------------------------

class DeviceReport(_Body):
    state: str
    detail: Detail | None = None


class PrinterReport(DeviceReport):
    state: Literal[PRINTER_STATES]  # type: ignore[valid-type]


class ReaderReport(DeviceReport):
    state: Literal[READER_STATES]  # type: ignore[valid-type]


class Heartbeat(_Body):
    """`POST /api/v1/heartbeat`, about once a minute: what the terminal shows and how it is.
    `version_shown` is None while no hub content is installed (the embedded demo is shown)."""
    version_shown: Version | None
    app_version: Label
    uptime_s: Annotated[int, Field(ge=0, le=MAX_UPTIME_S)]
    disk_free_bytes: Annotated[int, Field(ge=0, le=MAX_BYTES)]
    disk_total_bytes: Annotated[int, Field(ge=0, le=MAX_BYTES)]
    printer: PrinterReport
    reader: ReaderReport
    last_error: Annotated[str, Field(max_length=MAX_ERROR), AfterValidator(_lines)] | None = None
    sent_at: Time

    @model_validator(mode="after")
    def _disk(self) -> "Heartbeat":
        if self.disk_free_bytes > self.disk_total_bytes:
            raise ValueError("disk_free_bytes is larger than disk_total_bytes")
        return self


class HeartbeatReply(_Body):
    """The hub's answer: the centre's current content version (None: nothing published yet) and
    whether staff asked for a screenshot (then `POST /api/v1/screenshot`)."""
    latest_version: str | None
    screenshot: bool


def is_reader_fault(state: str, detail: str | None) -> bool:
    """True when the reader cannot read cards; a refused card is the card's problem, not the reader's."""
    if state not in READER_FAULTS:
        return False
    return (detail or "").partition(":")[0] not in CARD_REFUSED


# ---- stats ----------------------------------------------------------------------------------

class Figures(_Body):
    """One service's or one window's figures for the period (tickets/stats.py)."""
    issued: Count
    served: Count
    no_show: Count
    transferred: Count
    cancelled: Count
    waiting: Count
    wait_mean_min: Minutes | None
    wait_p90_min: Minutes | None
    service_mean_min: Minutes | None
    ratings: dict[Literal["5", "4", "3", "2", "1"], Count]


class StatsBatch(_Body):
    """`POST /api/v1/stats`: the queue's figures for one period, once per `batch_id` however often
    it is sent (the terminal resends until it has an answer). The tickets service's outbox file
    (`outbox/stats-<day>.json`) plus `from` and `to` is such a body; it is rewritten under the same
    batch id until the day is over, so a terminal sends a day's batch once the day has ended."""
    model_config = ConfigDict(populate_by_name=True)

    batch_id: Annotated[str, Field(pattern=BATCH_ID_PATTERN)]
    kind: Literal["queue_stats"] = "queue_stats"
    from_: Annotated[Time, Field(alias="from")]
    to: Time
    day: dt.date | None = None
    terminal: Label | None = None        # the terminal's own label; the hub goes by the token
    written_at: Time | None = None
    services: dict[Label, Figures] = Field(default_factory=dict, max_length=100)
    windows: dict[Label, Figures] = Field(default_factory=dict, max_length=200)

    @model_validator(mode="after")
    def _period(self) -> "StatsBatch":
        if self.to < self.from_:
            raise ValueError("`to` is before `from`")
        return self

    def stored(self) -> dict:
        """The JSON form kept by the hub and compared on a resend."""
        return self.model_dump(mode="json", by_alias=True)


class StatsReply(_Body):
    batch_id: str
    duplicate: bool
