"""Figures of a queue day per service and per window, and the outbox the hub sync uploads.

Per service and day: issued, served, no-show, transferred, cancelled, still waiting; mean and
p90 wait (issued -> called, minutes), mean service time (called or started -> done); ratings by
level (5 = 非常满意 ... 1 = 非常不满意). The outbox file `outbox/stats-<day>.json` is rewritten
whole (temp file, fsync, rename) with a batch id the hub uses to keep uploads idempotent.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from sqlalchemy import select

from tickets import db

T = db.tickets


def _minutes(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 60


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(0.9 * len(s)))], 1)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _figures(rows) -> dict:
    issued = [r for r in rows if r.transferred_from is None]
    waits = [m for r in rows if (m := _minutes(r.queued_at if r.transferred_from else r.issued_at, r.called_at)) is not None]
    spans = [m for r in rows if r.state == "done" and (m := _minutes(r.serving_at or r.called_at, r.finished_at)) is not None]
    ratings = {str(level): sum(1 for r in rows if r.rating == level) for level in range(5, 0, -1)}
    count = lambda state: sum(1 for r in rows if r.state == state)  # noqa: E731
    return {
        "issued": len(issued), "served": count("done"), "no_show": count("no_show"),
        "transferred": count("transferred"), "cancelled": count("cancelled"), "waiting": count("waiting"),
        "wait_mean_min": _mean(waits), "wait_p90_min": _p90(waits), "service_mean_min": _mean(spans),
        "ratings": ratings,
    }


def day_stats(queue, day: str) -> dict:
    with queue.engine.connect() as conn:
        rows = conn.execute(select(T).where(T.c.day == day)).all()
    by_service = {code: [r for r in rows if r.service == code] for code in sorted({r.service for r in rows} | set(queue.services))}
    windows = sorted({r.counter for r in rows if r.counter})
    return {
        "day": day,
        "services": {code: _figures(rs) for code, rs in by_service.items()},
        "windows": {w: _figures([r for r in rows if r.counter == w]) for w in windows},
    }


def write_outbox(queue, day: str, outbox: Path, terminal: str) -> Path:
    """Write (or rewrite) the day's figures for the hub; returns the file."""
    outbox.mkdir(parents=True, exist_ok=True)
    body = {"batch_id": f"{terminal}:queue:{day}", "kind": "queue_stats", "terminal": terminal,
            "written_at": queue.clock.now().isoformat(timespec="seconds"), **day_stats(queue, day)}
    path = outbox / f"stats-{day}.json"
    tmp = outbox / f".stats-{day}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path
