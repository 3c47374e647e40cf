"""The lobby queue: issuing numbers and moving tickets through their states.

States (DESIGN.md, "Lobby queue")::

    waiting -> called -> serving -> done
                  \\-> no_show     \\-> transferred (a new ticket, same number, waits in the other queue)
    waiting -> cancelled

Every change of a ticket's state goes through `_set_state`, which checks the transition, writes
it, logs it and appends the event displays and counter pages follow -- all in the caller's
transaction, so a power cut leaves either the whole change or none of it.

Numbers are `<code><3 digits>` per service and business day; the sequence row and the ticket are
written in one `BEGIN IMMEDIATE` transaction, so numbers are contiguous and never repeat, also
with several processes on one file. The same idempotency key returns the same ticket: a kiosk
that retries after a timeout never gets a second number.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, or_, select, tuple_, update
from sqlalchemy.engine import Connection, Engine

from content.hours import is_open, next_opening
from tickets import db
from tickets.rules import QueueRules, Service, age_band, business_day

log = logging.getLogger(__name__)

T = db.tickets
TRANSITIONS = {
    "waiting": {"called", "cancelled"},
    "called": {"called", "serving", "done", "no_show", "transferred"},
    "serving": {"done", "transferred"},
}
FINAL = ("done", "no_show", "transferred", "cancelled")
MAX_AGE = 130


class QueueError(Exception):
    """A request the queue refuses. `code` is stable (clients map it to their words)."""

    def __init__(self, code: str, message: str, status: int = 409, field: str | None = None, **detail):
        super().__init__(message)
        self.code, self.message, self.status, self.field, self.detail = code, message, status, field, detail


@dataclass(frozen=True)
class CardSummary:
    """What a kiosk may tell the queue about the card swiped: never the number or the full name."""

    name_masked: str | None
    age: int | None

    @classmethod
    def from_json(cls, data) -> "CardSummary":
        if not isinstance(data, dict):
            raise QueueError("bad_request", "id_card must be an object", 422, "id_card")
        extra = set(data) - {"name_masked", "age", "card_type", "gender", "id_masked", "elderly"}
        if extra:
            raise QueueError("bad_request", f"id_card has unexpected fields: {', '.join(sorted(extra))[:200]}", 422,
                             "id_card")
        name, age = data.get("name_masked"), data.get("age")
        if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 40 or "*" not in name):
            raise QueueError("bad_request", "id_card.name_masked must be a masked name such as 张*明", 422,
                             "id_card.name_masked")
        if age is not None and (type(age) is not int or not 0 <= age <= MAX_AGE):
            raise QueueError("bad_request", f"id_card.age must be a whole number 0 to {MAX_AGE}", 422, "id_card.age")
        return cls(name, age)


def hours_closed(svc: Service, now: dt.datetime) -> dict | None:
    """Why `svc` takes no tickets at `now` by its opening hours (and when it opens), or None."""
    if is_open(list(svc.periods), now):
        return None
    opens = next_opening(list(svc.periods), now)
    return {"reason": "hours", "opens_at": iso(opens) if opens else None}


def new_id() -> str:
    return secrets.token_urlsafe(9)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


class Queue:
    """The queue on one SQLite file. Thread-safe: every call uses its own connection."""

    def __init__(self, engine: Engine, services: dict[str, Service], rules: QueueRules, clock,
                 services_version: str | None = None):
        self.engine, self.services, self.rules, self.clock = engine, services, rules, clock
        self.services_version = services_version  # the content version `services` came from
        self.waiting_for = None  # with no services yet: why (tickets.server.NoServices)
        self.listeners: list = []  # callables told after each commit that new events exist

    # ---- the services ---------------------------------------------------------------------

    def replace_services(self, services: dict[str, Service], version: str) -> bool:
        """Take the services of content `version` from now on (tickets.server's watcher); True
        when they differ. One assignment: a request sees the old set or the new one, never a mix.
        Today's tickets are rows in the database and stay as they are: numbering goes on per
        code, and tickets of a removed service keep their state (no window calls them)."""
        old, self.services_version = self.services, version
        if services == old:
            log.info("content %s: the ticket services are unchanged", version)
            return False
        self.services, self.waiting_for = services, None
        changed = [c for c in services.keys() & old.keys() if services[c] != old[c]]
        log.warning("content %s: ticket services now %s (added: %s; removed: %s; changed: %s); today's queue kept",
                    version, ", ".join(services), ", ".join(sorted(services.keys() - old.keys())) or "none",
                    ", ".join(sorted(old.keys() - services.keys())) or "none", ", ".join(sorted(changed)) or "none")
        return True

    # ---- the business day ---------------------------------------------------------------

    def _day(self, conn: Connection, now: dt.datetime) -> str:
        """Today's queue day; a new day starts only on a clock we believe, and never goes back."""
        computed = business_day(now, self.rules.day_starts).isoformat()
        stored = conn.execute(select(db.meta.c.value).where(db.meta.c.key == "day")).scalar()
        if stored is None or (computed > stored and (self.rules.clock == "trust" or self.clock.synchronised())):
            if stored is not None:
                log.info("queue day %s -> %s: numbering restarts", stored, computed)
            conn.execute(db.meta.delete().where(db.meta.c.key == "day"))
            conn.execute(insert(db.meta).values(key="day", value=computed))
            return computed
        if computed > stored:
            log.warning("the clock says %s but is not synchronised: queue day stays %s", computed, stored)
        return stored

    def today(self) -> str:
        with self.engine.begin() as conn:
            return self._day(conn, self.clock.now())

    # ---- issuing ------------------------------------------------------------------------

    def service(self, code) -> Service:
        if not isinstance(code, str) or code not in self.services:
            raise QueueError("unknown_service", f"no ticket service with code {str(code)[:20]!r}", 422, "service")
        return self.services[code]

    def closed_reason(self, conn: Connection, svc: Service, day: str, now: dt.datetime) -> dict | None:
        if closed := hours_closed(svc, now):
            return closed
        issued = conn.execute(select(db.sequences.c.last).where(
            db.sequences.c.day == day, db.sequences.c.service == svc.code)).scalar() or 0
        if issued >= svc.daily_limit:
            return {"reason": "limit", "limit": svc.daily_limit}
        return None

    def issue_request(self, service, idempotency_key, card: "CardSummary | None" = None,
                      kiosk: str | None = None):
        """A checked IssueRequest (QueueError 422 naming the bad field)."""
        from tickets.issuing import IssueRequest

        if not isinstance(idempotency_key, str) or not 8 <= len(idempotency_key) <= 100:
            raise QueueError("bad_request", "idempotency_key must be a string of 8 to 100 characters", 422,
                             "idempotency_key")
        return IssueRequest(self.service(service).code, idempotency_key, card, kiosk)

    def issue(self, service, idempotency_key, card: CardSummary | None = None, kiosk: str | None = None) -> dict:
        """Issue one ticket now (the HTTP API batches concurrent ones through tickets.issuing)."""
        from tickets.issuing import issue_many

        result = issue_many(self, [self.issue_request(service, idempotency_key, card, kiosk)])[0]
        if isinstance(result, QueueError):
            raise result
        return result

    # ---- reading ------------------------------------------------------------------------

    def get(self, ticket_id: str) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(select(T).where(T.c.id == ticket_id)).first()
            if row is None:
                raise QueueError("not_found", "no such ticket", 404)
            return self._ticket_json(conn, row)

    def _ahead(self, conn: Connection, row) -> int:
        if row.state != "waiting":
            return 0
        return conn.execute(select(func.count()).select_from(T).where(
            T.c.day == row.day, T.c.service == row.service, T.c.state == "waiting",
            # the order call_next uses: priority first, then place in the queue, then number
            or_(T.c.priority > row.priority,
                and_(T.c.priority == row.priority, tuple_(T.c.queued_at, T.c.number) < tuple_(row.queued_at, row.number))),
        )).scalar_one()

    def _ticket_json(self, conn: Connection, row, staff: bool = False) -> dict:
        svc = self.services.get(row.service)
        ahead = self._ahead(conn, row)
        out = {
            "id": row.id, "number": row.number, "service": row.service,
            "service_name": svc.name if svc else row.service, "state": row.state, "ahead": ahead,
            "issued_at": row.issued_at, "priority": bool(row.priority), "counter": row.counter,
            "day": row.day, "printed": bool(row.printed), "transferred_to": row.transferred_to,
        }
        if row.state == "waiting" and svc is not None:
            from tickets.estimate import estimated_minutes

            out["wait_minutes"] = estimated_minutes(conn, self, svc, row.day, ahead)
        if staff:
            out.update(name_masked=row.name_masked, age_band=row.age_band, recalls=row.recalls,
                       called_at=row.called_at, rating=row.rating)
        return out

    # ---- state changes ------------------------------------------------------------------

    def _set_state(self, conn: Connection, row, new: str, event: dict | None = None, **fields):
        if new not in TRANSITIONS.get(row.state, ()):
            raise QueueError("bad_state", f"ticket {row.number} is {row.state}: cannot become {new}", 409,
                             state=row.state)
        conn.execute(update(T).where(T.c.id == row.id).values(state=new, **fields))
        log.info("ticket %s: %s -> %s%s", row.number, row.state, new,
                 f" at {fields['counter']}" if fields.get("counter") else "")
        if event is not None:
            self._event(conn, event.pop("type"), {"id": row.id, "number": row.number, "service": row.service, **event})

    def _event(self, conn: Connection, kind: str, data: dict, audience: str = "public") -> None:
        conn.execute(insert(db.events).values(at=iso(self.clock.now()), type=kind, audience=audience,
                                              data=json.dumps(data, ensure_ascii=False)))

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()

    def _row(self, conn: Connection, ticket_id) -> object:
        if not isinstance(ticket_id, str):
            raise QueueError("not_found", "no such ticket", 404)
        row = conn.execute(select(T).where(T.c.id == ticket_id)).first()
        if row is None:
            raise QueueError("not_found", "no such ticket", 404)
        return row

    def counter_services(self, counter: str) -> list[str]:
        codes = [s.code for s in self.services.values() if counter in s.windows]
        if not codes:
            raise QueueError("unknown_counter", f"no service is handled at window {counter[:40]!r}", 404, "counter")
        return codes

    def current(self, conn: Connection, counter: str):
        return conn.execute(select(T).where(T.c.counter == counter, T.c.state.in_(("called", "serving")))
                            .order_by(T.c.called_at.desc())).first()

    def last_finished(self, counter: str) -> dict | None:
        """Today's ticket the window finished last (done), for the rating screen facing residents."""
        self.counter_services(counter)
        with self.engine.begin() as conn:
            day = self._day(conn, self.clock.now())
            row = conn.execute(select(T).where(T.c.day == day, T.c.counter == counter, T.c.state == "done")
                               .order_by(T.c.finished_at.desc()).limit(1)).first()
        if row is None:
            return None
        svc = self.services.get(row.service)
        return {"id": row.id, "number": row.number, "service": row.service,
                "service_name": svc.name if svc else row.service, "finished_at": row.finished_at,
                "rating": row.rating}

    def call_next(self, counter: str, user: str | None = None) -> dict | None:
        """Finish the window's current ticket (done) and call the next: priority first, then in order."""
        codes = self.counter_services(counter)
        now = self.clock.now()
        with self.engine.begin() as conn:
            paused = conn.execute(select(db.counters.c.paused).where(db.counters.c.name == counter)).scalar()
            if paused:
                raise QueueError("counter_paused", f"window {counter} is paused: resume it first", 409)
            day = self._day(conn, now)
            cur = self.current(conn, counter)
            if cur is not None:
                self._set_state(conn, cur, "done", {"type": "done", "counter": counter}, finished_at=iso(now))
            nxt = conn.execute(select(T).where(T.c.day == day, T.c.service.in_(codes), T.c.state == "waiting")
                               .order_by(T.c.priority.desc(), T.c.queued_at, T.c.number).limit(1)).first()
            if nxt is None:
                result = None
            else:
                self._set_state(conn, nxt, "called", {"type": "call", "counter": counter, "recall": False,
                                                      "at": iso(now)}, counter=counter, called_at=iso(now))
                result = self._ticket_json(conn, self._row(conn, nxt.id), staff=True)
        self._notify()
        return result

    def recall(self, counter: str) -> dict:
        self.counter_services(counter)
        now = self.clock.now()
        with self.engine.begin() as conn:
            cur = self.current(conn, counter)
            if cur is None or cur.state != "called":
                raise QueueError("nothing_to_recall", f"window {counter} has no called ticket to recall", 409)
            self._set_state(conn, cur, "called", {"type": "call", "counter": counter, "recall": True, "at": iso(now)},
                            recalls=cur.recalls + 1)
            result = self._ticket_json(conn, self._row(conn, cur.id), staff=True)
        self._notify()
        return result

    def act(self, ticket_id: str, action: str, counter: str | None = None, to_service: str | None = None) -> dict:
        """done / no-show / start / cancel / transfer of one ticket."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = self._row(conn, ticket_id)
            if action == "start":
                self._set_state(conn, row, "serving", None, serving_at=iso(now))
            elif action == "done":
                self._set_state(conn, row, "done", {"type": "done", "counter": row.counter}, finished_at=iso(now))
            elif action == "no-show":
                self._set_state(conn, row, "no_show", {"type": "no_show", "counter": row.counter},
                                finished_at=iso(now))
            elif action == "cancel":
                self._set_state(conn, row, "cancelled", {"type": "cancelled"}, finished_at=iso(now))
            elif action == "transfer":
                target = self.service(to_service)
                if target.code == row.service:
                    raise QueueError("bad_request", "the ticket already waits for this service", 422, "service")
                new_id_ = new_id()
                self._set_state(conn, row, "transferred", {"type": "transfer", "to": target.code},
                                finished_at=iso(now), transferred_to=new_id_)
                conn.execute(insert(T).values(
                    id=new_id_, day=row.day, issued_service=row.issued_service, seq=row.seq, number=row.number,
                    service=target.code, state="waiting", priority=row.priority, age_band=row.age_band,
                    name_masked=row.name_masked, kiosk=row.kiosk, idempotency_key=None, queued_at=row.queued_at,
                    issued_at=row.issued_at, recalls=0, transferred_from=row.id, printed=row.printed))
                row = self._row(conn, new_id_)
            else:
                raise QueueError("bad_request", f"unknown action {action[:20]!r}", 404)
            result = self._ticket_json(conn, self._row(conn, row.id), staff=True)
        self._notify()
        return result

    def mark_printed(self, ticket_id: str) -> dict:
        with self.engine.begin() as conn:
            row = self._row(conn, ticket_id)
            conn.execute(update(T).where(T.c.id == row.id).values(printed=True))
            return self._ticket_json(conn, self._row(conn, row.id))

    def pause(self, counter: str, paused: bool, user: str | None = None) -> dict:
        self.counter_services(counter)
        now = iso(self.clock.now())
        with self.engine.begin() as conn:
            conn.execute(db.counters.insert().prefix_with("OR IGNORE").values(
                name=counter, paused=False, user=user, updated_at=now))
            conn.execute(update(db.counters).where(db.counters.c.name == counter).values(
                paused=paused, user=user, updated_at=now))
            self._event(conn, "counter", {"counter": counter, "paused": paused})
            log.info("window %s %s by %s", counter, "paused" if paused else "open", user)
        self._notify()
        return {"counter": counter, "paused": paused}

    def rate(self, ticket_id: str, level, reason) -> dict:
        if type(level) is not int or not 1 <= level <= 5:
            raise QueueError("bad_request", "level must be 1 (非常不满意) to 5 (非常满意)", 422, "level")
        reason = (reason or "").strip() if isinstance(reason, str) or reason is None else None
        if reason is None or len(reason) > 500:
            raise QueueError("bad_request", "reason must be text of at most 500 characters", 422, "reason")
        if level <= 2 and not reason:
            raise QueueError("reason_required", "a reason is required for 不满意 and 非常不满意", 422, "reason")
        with self.engine.begin() as conn:
            row = self._row(conn, ticket_id)
            if row.state not in ("done", "serving", "called"):
                raise QueueError("bad_state", f"ticket {row.number} has not been served yet", 409)
            if row.rating is not None:
                raise QueueError("already_rated", f"ticket {row.number} has been rated already", 409)
            conn.execute(update(T).where(T.c.id == row.id).values(rating=level, rating_reason=reason or None))
            self._event(conn, "rating", {"number": row.number, "counter": row.counter, "level": level}, "staff")
        self._notify()
        return {"id": row.id, "rating": level}
