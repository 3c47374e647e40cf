"""Upload the queue's daily figures from the outbox (`outbox/stats-<day>.json`, written by the
tickets service: tickets/stats.py) to `POST /api/v1/stats`, once per batch, across restarts.

The tickets service rewrites today's file under one batch id until the day is over, and the hub
answers 409 to a changed body under a batch id it already has -- so only days that have ended
(China Standard Time, the queue's clock) are sent. The body is the file plus the day's period
(`from` 00:00, `to` the next 00:00, +08:00), checked by sync.wire.StatsBatch before it goes.

What the hub has is remembered in sync-state.json (`stats_sent`: batch id -> the body's
sha256): a 2xx, or a 409 (the hub keeps the first body it got under that id; sending again cannot
change it), marks a batch sent. A file the hub or the schema refuses (4xx other than 409) is
remembered under `stats_rejected` with the reason and not sent again until it changes. A hub
that is down stops the round; the next one picks up where it stopped.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from content.schemas import CST
from sync import state
from sync.files import FileProblem, read_json
from sync.http import HubHttp, HubProblem
from sync.wire import StatsBatch

__all__ = ["StatsRound", "pending_batches", "upload_stats", "OUTBOX"]

log = logging.getLogger(__name__)

OUTBOX = "outbox"
MAX_PER_ROUND = 60
_FILE = re.compile(r"stats-(\d{4}-\d{2}-\d{2})\.json")


@dataclass
class StatsRound:
    sent: list[str] = field(default_factory=list)       # batch ids the hub now has
    rejected: list[str] = field(default_factory=list)   # "<file>: <reason>"
    problem: HubProblem | None = None                   # the hub failed: the round stopped


def _body(path: Path, day: dt.date) -> dict:
    found = read_json(path, 64 * 1024)
    start = dt.datetime.combine(day, dt.time(0), CST)
    return {**found, "from": start.isoformat(), "to": (start + dt.timedelta(days=1)).isoformat()}


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def pending_batches(data_dir: Path, today: dt.date) -> list[tuple[Path, dt.date]]:
    """Outbox files of days before `today`, oldest first."""
    outbox = Path(data_dir) / OUTBOX
    found = []
    try:
        names = sorted(p.name for p in outbox.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for name in names:
        m = _FILE.fullmatch(name)
        if not m:
            continue
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:
            continue
        if day < today:
            found.append((outbox / name, day))
    return found


def upload_stats(data_dir: Path, http: HubHttp, now: dt.datetime | None = None) -> StatsRound:
    today = (now or dt.datetime.now(CST)).astimezone(CST).date()
    known = state.read(data_dir)
    sent, refused = dict(known.get("stats_sent") or {}), dict(known.get("stats_rejected") or {})
    result, tried = StatsRound(), 0
    for path, day in pending_batches(data_dir, today):
        if tried >= MAX_PER_ROUND:
            break
        try:
            body = _body(path, day)
            batch = StatsBatch.model_validate_json(json.dumps(body, ensure_ascii=False))
        except (OSError, FileProblem) as exc:
            result.rejected.append(f"{path.name}: {exc}")
            continue
        except ValidationError as exc:
            err = exc.errors(include_url=False, include_input=False)[0]
            _refuse(data_dir, result, path, str(body.get("batch_id", path.name)), _digest(body),
                    f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
            continue
        digest = _digest(body)
        if sent.get(batch.batch_id) == digest or (refused.get(batch.batch_id) or {}).get("sha256") == digest:
            continue
        tried += 1
        try:
            http.post_json("/api/v1/stats", batch.stored())
        except HubProblem as exc:
            if exc.retry:
                result.problem = exc
                break
            if exc.status != 409:
                _refuse(data_dir, result, path, batch.batch_id, digest, str(exc))
                continue
            log.warning("the hub keeps another body under %s (HTTP 409): %s is not sent again", batch.batch_id, path)
        _mark_sent(data_dir, batch.batch_id, digest)
        result.sent.append(batch.batch_id)
    return result


def _mark_sent(data_dir: Path, batch_id: str, digest: str) -> None:
    def change(s: dict) -> None:
        s.setdefault("stats_sent", {})[batch_id] = digest
        (s.get("stats_rejected") or {}).pop(batch_id, None)
    state.update(data_dir, change)


def _refuse(data_dir: Path, result: StatsRound, path: Path, batch_id: str, digest: str, reason: str) -> None:
    result.rejected.append(f"{path.name}: {reason}")
    log.error("stats batch %s (%s) refused: %s", batch_id, path, reason)
    state.update(data_dir, lambda s: s.setdefault("stats_rejected", {}).__setitem__(
        batch_id[:200], {"sha256": digest, "reason": reason[:500]}))
