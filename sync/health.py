"""The terminal's health report (`kiosk sync heartbeat`; the sync loop calls `report_once` too):
one heartbeat, then the screenshot the hub asked for, then the queue's figures.

The heartbeat (sync.wire.Heartbeat) says: the content version installed (content.store's
`current`), the app version, the machine's uptime, the data dir's disk, the printer and reader
as the running app last saw them (sync.app_files: `app-state.json`), and the last errors of the
content sync and of the previous report (sync.state). When the app is not running, the devices
are reported as unknown / error `app_not_running` and last_error says so.

A `"screenshot": true` answer: a ready `screenshot.png` is uploaded; otherwise the app is asked
(`screenshot-request`) and given `screenshot_wait_s` to answer, else the next heartbeat uploads
it. No app running: nothing is uploaded and the next heartbeat's last_error says why.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from content.store import current_version
from sync import app_files, clock, identity, state
from sync.http import HubHttp, HubProblem, app_version
from sync.stats_upload import StatsRound, upload_stats
from sync.wire import MAX_DETAIL, MAX_ERROR, PRINTER_STATES, READER_STATES, Heartbeat, HeartbeatReply

__all__ = ["Devices", "Report", "heartbeat_body", "report_once", "ReportFailed"]

log = logging.getLogger(__name__)

SCREENSHOT_MAX_BYTES = 5 << 20  # the hub's limit (docs/hub.md)
APP_NOT_RUNNING = "app_not_running"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ReportFailed(Exception):
    """The heartbeat did not get through; `problem` is the HubProblem (retry tells whether to back off)."""

    def __init__(self, message: str, problem: HubProblem | None = None):
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class Devices:
    """What the config says is attached (the state comes from the running app)."""
    printer: bool
    reader: bool


@dataclass
class Report:
    reply: HeartbeatReply
    screenshot: str | None = None   # "uploaded", "requested", "app_not_running", "too_large", "refused: ..."
    stats: StatsRound = field(default_factory=StatsRound)


def _clean(text: object, limit: int) -> str:
    return _CONTROL.sub(" ", str(text))[:limit]


def _device(found: object, states: tuple, fallback: tuple[str, str]) -> dict:
    if isinstance(found, dict) and found.get("state") in states:
        detail = found.get("detail")
        return {"state": found["state"], "detail": _clean(detail, MAX_DETAIL) if detail else None}
    return {"state": fallback[0], "detail": fallback[1]}


def _uptime_s() -> int:
    try:
        return int(time.clock_gettime(time.CLOCK_BOOTTIME))
    except (AttributeError, OSError):
        return int(time.monotonic())


def _disk(data_dir: Path) -> tuple[int, int]:
    path = Path(data_dir)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return usage.free, usage.total


def last_errors(data_dir: Path, app: dict | None) -> str | None:
    """What went wrong lately, newest concern first, for the heartbeat's `last_error`."""
    known = state.read(data_dir)
    parts = [] if app else ["the kiosk app is not running (no fresh app-state.json)"]
    parts += [str(known[k]) for k in ("report_error", "last_error") if known.get(k)]
    return _clean("\n".join(parts), MAX_ERROR) if parts else None


def heartbeat_body(data_dir: Path, devices: Devices, now: dt.datetime | None = None) -> Heartbeat:
    app = app_files.running_app(data_dir)
    missing = "" if app else APP_NOT_RUNNING
    printer = _device((app or {}).get("printer"), PRINTER_STATES,
                      ("unknown", missing) if devices.printer else ("off", None))
    reader = _device((app or {}).get("reader"), READER_STATES,
                     ("error", missing) if devices.reader else ("off", None))
    free, total = _disk(data_dir)
    return Heartbeat.model_validate({
        "version_shown": current_version(data_dir), "app_version": app_version()[:64], "uptime_s": _uptime_s(),
        "disk_free_bytes": free, "disk_total_bytes": total, "printer": printer, "reader": reader,
        "last_error": last_errors(data_dir, app), "sent_at": now or dt.datetime.now(dt.timezone.utc),
    })


def report_once(data_dir: Path, devices: Devices, *, http: HubHttp | None = None, screenshot_wait_s: float = 5.0,
                sleep: Callable[[float], None] = time.sleep, now: dt.datetime | None = None) -> Report:
    """One heartbeat (+ screenshot + stats). ReportFailed when the heartbeat fails; later trouble
    (a screenshot, a stats batch) is kept for the next heartbeat's last_error."""
    data_dir = Path(data_dir)
    me = identity.load(data_dir)
    client = http or HubHttp(me.hub_url, me.token)
    try:
        body = heartbeat_body(data_dir, devices, now)
        try:
            answer = client.post_json("/api/v1/heartbeat", body.model_dump(mode="json"))
            reply = HeartbeatReply.model_validate(answer.json("heartbeat answer"))
        except ValidationError as exc:
            err = exc.errors(include_url=False, include_input=False)[0]
            problem = HubProblem(f"the hub's heartbeat answer is malformed ({'.'.join(map(str, err['loc']))}: "
                                 f"{err['msg']})", retry=True)
            raise _failed(data_dir, problem) from None
        except HubProblem as exc:
            raise _failed(data_dir, exc) from None
        report = Report(reply)
        skew = clock.skew_seconds(answer.headers.get("Date"), now or dt.datetime.now(dt.timezone.utc))
        notes = [text for text in [clock.problem(skew)] if text]
        if reply.screenshot:
            report.screenshot = _screenshot(data_dir, client, screenshot_wait_s, sleep)
            if report.screenshot not in ("uploaded", "requested"):
                notes.append(f"screenshot not sent: {report.screenshot}")
        report.stats = upload_stats(data_dir, client, now)
        notes += [f"stats {r}" for r in report.stats.rejected[:3]]
        if report.stats.problem is not None:
            notes.append(f"stats not sent: {report.stats.problem}")
        text = "\n".join(notes) or None

        def change(s: dict) -> None:
            s["last_heartbeat_at"], s["latest_version"] = state.now_iso(), reply.latest_version
            s["clock_skew_s"] = None if skew is None else round(skew)
            s["report_error"] = text[:state.MAX_TEXT] if text else None
        state.update(data_dir, change)
        return report
    finally:
        if http is None:
            client.close()


def _failed(data_dir: Path, problem: HubProblem) -> ReportFailed:
    message = str(problem)
    if problem.status == 401:
        message += (f"; the hub no longer accepts this terminal's token (revoked?): enrol it again with "
                    f"kiosk enroll --hub URL --code CODE --data-dir {data_dir}")
    state.record_error(data_dir, "report_error", f"heartbeat failed: {message}")
    return ReportFailed(f"heartbeat failed: {message}", problem)


def _screenshot(data_dir: Path, client: HubHttp, wait_s: float, sleep: Callable[[float], None]) -> str:
    ready = app_files.screenshot_ready(data_dir)
    if ready is None:
        if app_files.running_app(data_dir) is None:
            return f"{APP_NOT_RUNNING}: the kiosk app is not running, so there is no screen to capture"
        app_files.request_screenshot(data_dir)
        deadline = time.monotonic() + wait_s
        while ready is None and time.monotonic() < deadline:
            sleep(0.25)
            ready = app_files.screenshot_ready(data_dir)
        if ready is None:
            return "requested"
    try:
        data = ready.read_bytes()
    except OSError as exc:
        return f"cannot read {ready}: {exc.strerror or exc}"
    if len(data) > SCREENSHOT_MAX_BYTES:
        app_files.clear_screenshot(data_dir)
        return f"too_large: {len(data)} bytes, the hub takes at most {SCREENSHOT_MAX_BYTES}"
    try:
        client.request("POST", "/api/v1/screenshot", data, "image/png")
    except HubProblem as exc:
        if exc.retry:
            return f"upload failed, retried with the next heartbeat: {exc}"
        app_files.clear_screenshot(data_dir)
        return f"refused: {exc}"
    app_files.clear_screenshot(data_dir)
    return "uploaded"
