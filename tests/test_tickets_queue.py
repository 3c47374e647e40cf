"""The lobby queue's rules on a real SQLite file with a clock moved by hand: numbering, the daily
reset, limits, opening hours, priority, transfer, pause, idempotency, ratings, estimates."""
from __future__ import annotations

import datetime as dt

import pytest

from content.hours import HoursError, is_open, next_opening, parse_hours, parse_line
from content.schemas import CST
from tests.tickets_support import MORNING, make_queue
from tickets.estimate import snapshot
from tickets.queue import CardSummary, QueueError
from tickets.stats import day_stats, write_outbox


@pytest.fixture
def q(tmp_path):
    return make_queue(tmp_path / "tickets.sqlite")


def key(n) -> str:
    return f"kiosk-1-{n:06d}"


def test_numbers_are_per_service_contiguous_and_padded(q):
    got = [q.issue("A", key(i))["number"] for i in range(3)] + [q.issue("B", key(10))["number"]]
    assert got == ["A001", "A002", "A003", "B001"]


def test_same_idempotency_key_returns_the_same_ticket(q):
    first = q.issue("A", key(1))
    again = q.issue("A", key(1))
    assert again["id"] == first["id"] and again["number"] == "A001"
    assert q.issue("A", key(2))["number"] == "A002"
    with pytest.raises(QueueError) as err:
        q.issue("B", key(1))
    assert err.value.code == "idempotency_conflict"


@pytest.mark.parametrize("bad", [None, "", "short", 12345678, "x" * 101, ["k" * 10]])
def test_bad_idempotency_keys_are_refused(q, bad):
    with pytest.raises(QueueError) as err:
        q.issue("A", bad)
    assert err.value.field == "idempotency_key" and err.value.status == 422


@pytest.mark.parametrize("bad", [None, "Z", "a", "", 1, "AA"])
def test_unknown_services_are_refused(q, bad):
    with pytest.raises(QueueError) as err:
        q.issue(bad, key(1))
    assert err.value.code == "unknown_service"


def test_numbering_restarts_after_midnight_on_a_synchronised_clock(q):
    q.issue("A", key(1))
    q.issue("A", key(2))
    q.clock.advance(days=1)
    t = q.issue("A", key(3))
    assert (t["number"], t["day"]) == ("A001", "2026-12-02")


def test_a_new_day_waits_for_a_synchronised_clock_and_never_goes_back(tmp_path):
    q = make_queue(tmp_path / "t.sqlite", synchronised=False)
    q.issue("A", key(1))
    q.clock.advance(days=1)
    assert q.issue("A", key(2))["number"] == "A002"  # stale clock: same day goes on
    q.clock.synced = True
    assert q.issue("A", key(3))["number"] == "A001"  # synchronised: the new day starts
    q.clock.advance(days=-7)  # the clock jumps back a week: the day does not
    t = q.issue("A", key(4))
    assert (t["number"], t["day"]) == ("A002", "2026-12-02")


def test_day_starts_setting_moves_the_reset(tmp_path):
    q = make_queue(tmp_path / "t.sqlite", now=dt.datetime(2026, 12, 1, 2, 0, tzinfo=CST), day_starts="03:00")
    q.services = {c: s.__class__(s.code, s.name, s.windows, s.daily_limit, s.hours_text, (), s.sort)
                  for c, s in q.services.items()}
    assert q.issue("C", key(1))["day"] == "2026-11-30"
    q.clock.advance(hours=1, minutes=30)
    assert q.issue("C", key(2)) | {} and q.today() == "2026-12-01"


def test_daily_limit_closes_the_service_with_the_reason(tmp_path):
    q = make_queue(tmp_path / "t.sqlite", limit=2)
    q.issue("A", key(1))
    q.issue("A", key(2))
    with pytest.raises(QueueError) as err:
        q.issue("A", key(3))
    assert (err.value.code, err.value.detail["reason"], err.value.detail["limit"]) == ("service_closed", "limit", 2)
    services = {s["code"]: s for s in snapshot(q)["services"]}
    assert services["A"]["open"] is False and services["A"]["closed"]["reason"] == "limit"
    assert services["B"]["open"] is True


def test_closed_hours_say_when_the_service_opens(tmp_path):
    q = make_queue(tmp_path / "t.sqlite", now=dt.datetime(2026, 12, 1, 12, 30, tzinfo=CST))  # lunch
    with pytest.raises(QueueError) as err:
        q.issue("A", key(1))
    assert err.value.detail == {"reason": "hours", "opens_at": "2026-12-01T13:30:00.000+08:00"}
    assert q.issue("C", key(2))["number"] == "C001"  # C has no fixed hours
    q.clock.current = dt.datetime(2026, 12, 4, 18, 0, tzinfo=CST)  # Friday evening -> Monday
    with pytest.raises(QueueError) as err:
        q.issue("A", key(3))
    assert err.value.detail["opens_at"] == "2026-12-07T08:30:00.000+08:00"


def test_elderly_are_called_first_then_in_order(q):
    a1 = q.issue("A", key(1))
    q.clock.advance(minutes=1)
    a2 = q.issue("A", key(2), CardSummary("张*明", 75))
    q.clock.advance(minutes=1)
    a3 = q.issue("A", key(3), CardSummary("李*", 59))
    assert (a2["priority"], a3["priority"]) == (True, False)
    assert q.get(a1["id"])["ahead"] == 1 and q.get(a3["id"])["ahead"] == 2
    called = [q.call_next("1号窗口")["number"] for _ in range(3)]
    assert called == ["A002", "A001", "A003"]
    assert q.call_next("1号窗口") is None  # the last one is finished, nobody waits


def test_priority_threshold_is_a_setting(tmp_path):
    q = make_queue(tmp_path / "t.sqlite", priority_age=70)
    assert q.issue("A", key(1), CardSummary("张*明", 65))["priority"] is False
    assert q.issue("A", key(2), CardSummary("张*明", 70))["priority"] is True


def test_a_ticket_keeps_only_what_a_counter_needs(q):
    t = q.issue("A", key(1), CardSummary("张*明", 72))
    called = q.call_next("2号窗口")
    assert (called["id"], called["name_masked"], called["age_band"]) == (t["id"], "张*明", "70-79")
    with q.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM tickets").mappings().one()
    assert "age" not in row and "birth" not in str(dict(row))


@pytest.mark.parametrize("card", [{"name": "张三丰"}, {"age": -1}, {"age": 131}, {"age": "70"}, {"age": 70.0},
                                  {"age": True}, {"name_masked": "张三丰"}, {"name_masked": ""}, {"id_number": "1"}, []])
def test_impossible_card_summaries_are_refused(card):
    with pytest.raises(QueueError) as err:
        CardSummary.from_json(card)
    assert err.value.status == 422 and err.value.field.startswith("id_card")


def test_calling_next_finishes_the_current_ticket(q):
    q.issue("A", key(1))
    q.issue("A", key(2))
    first = q.call_next("1号窗口")
    q.clock.advance(minutes=4)
    second = q.call_next("1号窗口")
    assert q.get(first["id"])["state"] == "done" and second["number"] == "A002"


def test_windows_only_call_their_services(q):
    q.issue("A", key(1))
    b = q.issue("B", key(2))
    assert q.call_next("3号窗口")["id"] == b["id"]  # window 3 serves B and C, not A
    with pytest.raises(QueueError) as err:
        q.call_next("9号窗口")
    assert err.value.code == "unknown_counter"


def test_recall_no_show_done_and_illegal_moves(q):
    t = q.issue("A", key(1))
    with pytest.raises(QueueError):
        q.recall("1号窗口")  # nothing called yet
    q.call_next("1号窗口")
    assert q.recall("1号窗口")["recalls"] == 1
    assert q.act(t["id"], "no-show")["state"] == "no_show"
    for action in ("done", "no-show", "start", "transfer"):
        with pytest.raises(QueueError) as err:
            q.act(t["id"], action, to_service="B")
        assert err.value.code in ("bad_state",)
    with pytest.raises(QueueError):
        q.act("no-such-ticket", "done")


def test_transfer_keeps_the_number_and_the_place(q):
    t1 = q.issue("A", key(1))
    q.clock.advance(minutes=5)
    q.issue("B", key(2))
    q.call_next("1号窗口")
    moved = q.act(t1["id"], "transfer", to_service="B")
    assert (moved["number"], moved["service"], moved["state"]) == ("A001", "B", "waiting")
    assert q.get(t1["id"])["state"] == "transferred" and q.get(t1["id"])["transferred_to"] == moved["id"]
    assert q.call_next("3号窗口")["number"] == "A001"  # it queued before B001
    with pytest.raises(QueueError) as err:
        q.act(moved["id"], "transfer", to_service="Z")
    assert err.value.code == "unknown_service"


def test_pause_stops_calls_and_estimates(q):
    q.issue("B", key(1))
    q.pause("3号窗口", True, "li")
    with pytest.raises(QueueError) as err:
        q.call_next("3号窗口")
    assert err.value.code == "counter_paused"
    b = {s["code"]: s for s in snapshot(q)["services"]}["B"]
    assert b["wait_minutes"] is None  # its only window is paused
    q.pause("3号窗口", False, "li")
    assert q.call_next("3号窗口")["number"] == "B001"


def test_estimated_wait_uses_recent_service_times_and_open_windows(q):
    for i in range(6):
        q.issue("A", key(i))
    q.call_next("1号窗口")
    q.clock.advance(minutes=10)
    q.call_next("1号窗口")  # A001 took 10 minutes
    q.clock.advance(minutes=2)
    q.call_next("1号窗口")  # A002 took 2 minutes: mean 6
    a = {s["code"]: s for s in snapshot(q)["services"]}["A"]
    assert a["waiting"] == 3 and a["wait_minutes"] == 9  # 3 ahead x 6 min / 2 windows
    last = q.issue("A", key(99))
    assert last["ahead"] == 3 and last["wait_minutes"] == 9


def test_ratings_need_a_reason_when_low_and_count_once(q):
    t = q.issue("A", key(1))
    with pytest.raises(QueueError) as err:
        q.rate(t["id"], 5, "")
    assert err.value.code == "bad_state"  # not served yet
    q.call_next("1号窗口")
    q.act(t["id"], "done")
    for level, reason in [(0, "x"), (6, ""), ("5", ""), (True, ""), (2, ""), (1, "   "), (3, "x" * 501)]:
        with pytest.raises(QueueError):
            q.rate(t["id"], level, reason)
    assert q.rate(t["id"], 2, "等太久") == {"id": t["id"], "rating": 2}
    with pytest.raises(QueueError) as err:
        q.rate(t["id"], 5, "")
    assert err.value.code == "already_rated"


def test_day_figures_and_the_outbox(q, tmp_path):
    for i in range(3):
        q.issue("A", key(i))
    q.clock.advance(minutes=6)
    first = q.call_next("1号窗口")
    q.clock.advance(minutes=4)
    q.call_next("1号窗口")
    q.act(q.call_next("1号窗口")["id"], "no-show")
    q.rate(first["id"], 5, "")
    stats = day_stats(q, "2026-12-01")
    a = stats["services"]["A"]
    assert (a["issued"], a["served"], a["no_show"], a["waiting"]) == (3, 2, 1, 0)  # calling A003 finished A002
    assert a["service_mean_min"] == 2.0 and a["wait_mean_min"] == 8.7 and a["ratings"]["5"] == 1 and a["wait_p90_min"] == 10.0
    assert stats["windows"]["1号窗口"]["served"] == 2
    path = write_outbox(q, "2026-12-01", tmp_path / "outbox", "lobby-1")
    assert path.name == "stats-2026-12-01.json" and "lobby-1:queue:2026-12-01" in path.read_text()


# ---- opening hours -----------------------------------------------------------------------

def test_hours_parse_the_ways_staff_write_them():
    mon_fri = parse_line("周一至周五 8:30-12:00")
    assert mon_fri.days == frozenset(range(5)) and (mon_fri.start, mon_fri.end) == (dt.time(8, 30), dt.time(12))
    assert parse_line("周六 9:00-12:00").days == {5}
    assert parse_line("每天 9:00-17:00").days == frozenset(range(7))
    assert parse_line("工作日 13:30～17:00").days == frozenset(range(5))
    assert parse_line("周一、周三 9:00－11:00".replace("－", "-")).days == {0, 2}
    assert parse_line("星期六至星期日 9：00-11：00").days == {5, 6}


@pytest.mark.parametrize("bad", ["", "周一至周五", "8:30-12:00", "周八 8:30-12:00", "周五至周一 8:30-12:00",
                                 "周一 12:00-8:30", "周一 25:00-26:00", "周一 8:30-8:30", "abc 8:30-9:00"])
def test_hours_that_say_nothing_clear_are_refused(bad):
    with pytest.raises(HoursError):
        parse_line(bad)


def test_open_and_next_opening():
    periods = parse_hours(["周一至周五 8:30-12:00", "周一至周五 13:30-17:00"])
    tue = dt.datetime(2026, 12, 1, 12, 0, tzinfo=CST)
    assert not is_open(periods, tue) and is_open(periods, tue.replace(hour=9))
    assert next_opening(periods, tue) == tue.replace(hour=13, minute=30)
    assert next_opening([], tue) is None and is_open([], tue)


def test_begin_immediate_waits_for_another_process_lock_and_gives_up_at_the_busy_timeout(tmp_path, monkeypatch):
    import sqlite3
    import threading

    from tickets import db

    path = tmp_path / "lock.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # another worker process
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("CREATE TABLE t (x)")
    mine = sqlite3.connect(path, isolation_level=None)
    mine.execute(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, lambda: other.execute("COMMIT")).start()
    db.begin_immediate(mine)  # waits until the other commits, then holds the write lock
    assert mine.in_transaction
    mine.execute("COMMIT")
    assert mine.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS  # other statements keep it
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError):
        db.begin_immediate(mine)  # a lock never released: refused once the busy timeout has passed
    assert not mine.in_transaction
    other.execute("COMMIT")
    other.close()
    mine.close()


def test_content_check_names_opening_hours_the_queue_cannot_read():
    from pydantic import ValidationError

    from content.schemas import TicketService

    with pytest.raises(ValidationError) as err:
        TicketService(id="t-a", title="综合受理", code="A", name="综合受理", windows=["1号窗口"],
                      hours=["周一至周五 8:30-12:00", "上午 9点到12点"], updated_at=MORNING)
    assert "hours line 2" in str(err.value) and "周一至周五 8:30-12:00" in str(err.value)
