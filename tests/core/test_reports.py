"""Reports from hand-written records, against figures worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.reports import (
    CounterInfo,
    CounterStep,
    NamedItem,
    Rating,
    ReportInput,
    ServiceInfo,
    TicketStep,
    Visit,
    build_report,
    date_range_label,
    flat_rows,
    local_window,
    require_range,
    summarise,
    thai_date,
)

BKK = ZoneInfo("Asia/Bangkok")
DAY = date(2026, 11, 26)


def at(hhmm: str, day: date = DAY) -> datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=BKK)


SERVICES = [
    ServiceInfo("A", "ทะเบียนราษฎร์", "Civil registration", agency="dopa", target_wait_s=900),
    ServiceInfo("B", "บัตรประจำตัวประชาชน", "ID card", agency="dopa", target_wait_s=1200),
    ServiceInfo("C", "ยื่นภาษี", "Tax filing", agency="rd", target_wait_s=1800),
]
AGENCIES = [
    NamedItem("dopa", "สำนักทะเบียนอำเภอเมือง", "District Registration Office"),
    NamedItem("rd", "สำนักงานสรรพากรพื้นที่", "Revenue Department"),
]
COUNTERS = [
    CounterInfo("1", "ช่องบริการ 1", "Counter 1", officers=("somchai",)),
    CounterInfo("2", "ช่องบริการ 2", "Counter 2"),
]


def scripted_day(now: datetime | None = None) -> ReportInput:
    """The day tests/server/test_reports.py plays through the real server:

    T1 A 08:00, called at 1 08:05 (wait 300), serving 08:06, done 08:16 [A] (service 600)
    T2 A 08:10, called at 1 08:30 (wait 1200, over A's 900), done 08:40 [A, B] (service 600)
    T3 B 08:20, called at 2 08:25 (wait 300), no-show 08:27
    T4 B 08:40, called at 2 08:50 (wait 600), transferred to C 09:00, called at 2 09:10
       (wait 600 from the transfer), done 09:30 [C] (service 1200)
    T5 C 09:05, cancelled waiting at 09:45 (2400 s, past C's 1800: a miss)
    T6 A 09:15, never called; the day close cancels it at 17:00 (a miss too)
    Counter 1 pauses 09:00-09:20 (ประชุม); counter 2 pauses at 11:00 (พักกลางวัน) for good.
    Ratings: T1 5 (A, counter 1), T4 3 (C, counter 2).
    """
    visits = [
        Visit("T1", DAY, "A", at("08:00")),
        Visit("T2", DAY, "A", at("08:10")),
        Visit("T3", DAY, "B", at("08:20")),
        Visit("T4", DAY, "B", at("08:40")),
        Visit("T5", DAY, "C", at("09:05")),
        Visit("T6", DAY, "A", at("09:15"), closed_by_day_close=True),
    ]
    steps = [
        TicketStep("T1", "ticket.issued", at("08:00"), "A"),
        TicketStep("T1", "ticket.called", at("08:05"), "A", "1"),
        TicketStep("T1", "ticket.serving", at("08:06"), "A", "1"),
        TicketStep("T2", "ticket.issued", at("08:10"), "A"),
        TicketStep("T1", "ticket.done", at("08:16"), "A", "1", transactions=("A",)),
        TicketStep("T3", "ticket.issued", at("08:20"), "B"),
        TicketStep("T3", "ticket.called", at("08:25"), "B", "2"),
        TicketStep("T3", "ticket.no_show", at("08:27"), "B", "2"),
        TicketStep("T2", "ticket.called", at("08:30"), "A", "1"),
        TicketStep("T2", "ticket.done", at("08:40"), "A", "1", transactions=("A", "B")),
        TicketStep("T4", "ticket.issued", at("08:40"), "B"),
        TicketStep("T4", "ticket.called", at("08:50"), "B", "2"),
        TicketStep(
            "T4", "ticket.transferred", at("09:00"), "C", from_service="B", from_counter="2"
        ),
        TicketStep("T5", "ticket.issued", at("09:05"), "C"),
        TicketStep("T4", "ticket.called", at("09:10"), "C", "2"),
        TicketStep("T6", "ticket.issued", at("09:15"), "A"),
        TicketStep("T4", "ticket.done", at("09:30"), "C", "2", transactions=("C",)),
        TicketStep("T5", "ticket.cancelled", at("09:45"), "C"),
        TicketStep("T6", "ticket.cancelled", at("17:00"), "A"),
    ]
    counter_steps = [
        CounterStep("1", "counter.paused", at("09:00"), "ประชุม"),
        CounterStep("1", "counter.resumed", at("09:20")),
        CounterStep("2", "counter.paused", at("11:00"), "พักกลางวัน"),
    ]
    return ReportInput(
        office=NamedItem("udn", "ศูนย์บริการร่วม จังหวัดอุดรธานี", "Udon Thani"),
        timezone=BKK,
        first=DAY,
        last=DAY,
        agencies=AGENCIES,
        services=SERVICES,
        counters=COUNTERS,
        visits=visits,
        steps=steps,
        counter_steps=counter_steps,
        ratings=[Rating("T1", "A", "1", 5), Rating("T4", "C", "2", 3)],
        now=now or at("18:00"),
    )


def test_totals_of_the_scripted_day() -> None:
    totals = build_report(scripted_day()).totals
    assert (totals.visits, totals.calls, totals.served) == (6, 5, 3)
    assert (totals.no_shows, totals.cancelled, totals.closed_unserved) == (1, 2, 1)
    assert (totals.transfers, totals.transactions) == (1, 4)
    # waits 300, 1200, 300, 600, 600: mean 600, median 600, p90 = 5th of 5 = 1200
    assert totals.wait.count == 5
    assert (totals.wait.mean_s, totals.wait.median_s) == (600.0, 600.0)
    assert (totals.wait.p90_s, totals.wait.max_s) == (1200, 1200)
    # within: T1, T3, T4 twice = 4; of 5 calls + T5 and T6 abandoned past their targets = 7
    assert (totals.within_target.count, totals.within_target.of) == (4, 7)
    assert totals.within_target.share == round(4 / 7, 4)
    # service 600, 600, 1200 (T6's close adds none)
    assert totals.service_time.count == 3
    assert (totals.service_time.mean_s, totals.service_time.median_s) == (800.0, 600.0)
    assert (totals.service_time.p90_s, totals.service_time.max_s) == (1200, 1200)
    assert (totals.feedback.count, totals.feedback.mean) == (2, 4.0)
    assert totals.feedback.ratings == [0, 0, 1, 0, 1]


def test_services_and_agencies() -> None:
    report = build_report(scripted_day())
    a, b, c = report.services
    assert (a.code, a.target_wait_s) == ("A", 900)
    assert (a.figures.visits, a.figures.calls, a.figures.served) == (3, 2, 2)
    assert a.figures.wait.max_s == 1200
    assert (a.figures.within_target.count, a.figures.within_target.of) == (1, 3)
    assert a.figures.transactions == 2  # T1's A and T2's A
    assert (a.figures.cancelled, a.figures.closed_unserved) == (1, 1)
    assert a.figures.feedback.mean == 5.0
    assert (b.figures.visits, b.figures.calls, b.figures.served) == (2, 2, 0)
    assert (b.figures.no_shows, b.figures.transfers, b.figures.transactions) == (1, 1, 1)
    assert (b.figures.within_target.count, b.figures.within_target.of) == (2, 2)
    assert b.figures.wait.mean_s == 450.0
    assert (c.figures.visits, c.figures.calls, c.figures.served, c.figures.cancelled) == (
        1,
        1,
        1,
        1,
    )
    assert (c.figures.within_target.count, c.figures.within_target.of) == (1, 2)
    assert c.figures.service_time.max_s == 1200
    assert c.figures.feedback.ratings == [0, 0, 1, 0, 0]
    dopa, rd = report.agencies
    assert (dopa.figures.visits, dopa.figures.calls, dopa.figures.transactions) == (5, 4, 3)
    assert (dopa.figures.within_target.count, dopa.figures.within_target.of) == (3, 5)
    assert (rd.figures.visits, rd.figures.served) == (1, 1)


def test_counters_their_use_and_officers() -> None:
    report = build_report(scripted_day())
    one, two = report.counters
    assert (one.figures.visits, one.figures.calls, one.figures.served) == (2, 2, 2)
    assert one.figures.transactions == 3
    # busy 08:05-08:16 + 08:30-08:40 = 660 + 600; span 08:05-09:20 = 4500 less the 1200 pause
    assert (one.use.busy_s, one.use.available_s, one.use.paused_s) == (1260, 3300, 1200)
    assert one.use.utilisation == round(1260 / 3300, 4)
    assert [(p.reason, p.count, p.seconds) for p in one.use.pauses] == [("ประชุม", 1, 1200)]
    assert (two.figures.visits, two.figures.calls, two.figures.served) == (2, 3, 1)
    assert (two.figures.no_shows, two.figures.transfers) == (1, 1)
    # busy 120 + 600 + 1200; span 08:25-11:00; the last pause runs to `now` (18:00)
    assert (two.use.busy_s, two.use.available_s, two.use.paused_s) == (1920, 9300, 25200)
    assert two.use.utilisation == round(1920 / 9300, 4)
    (officer,) = report.officers
    assert (officer.username, officer.counters) == ("somchai", ["1"])
    assert officer.figures == one.figures and officer.use == one.use


def test_an_unended_pause_stops_at_the_end_of_its_day() -> None:
    report = build_report(scripted_day(now=at("08:00", DAY + timedelta(days=2))))
    assert report.counters[1].use.paused_s == 13 * 3600  # 11:00 to midnight


def test_arrivals_per_hour_with_the_first_wait() -> None:
    hours = build_report(scripted_day()).hours
    assert [(h.hour, h.arrivals, h.mean_wait_s) for h in hours] == [(8, 4, 600.0), (9, 2, None)]


def test_a_visit_across_midnight_belongs_to_its_issue_day() -> None:
    night = date(2026, 11, 26)
    late = Visit("N1", night, "A", at("23:50", night))
    steps = [
        TicketStep("N1", "ticket.issued", at("23:50", night), "A"),
        TicketStep("N1", "ticket.called", at("00:10", night + timedelta(days=1)), "A", "1"),
        TicketStep("N1", "ticket.done", at("00:20", night + timedelta(days=1)), "A", "1"),
    ]
    data = scripted_day()
    data = ReportInput(
        **{**data.__dict__, "visits": [late], "steps": steps, "counter_steps": [], "ratings": []}
    )
    report = build_report(data)
    assert report.totals.wait.max_s == 1200
    assert report.totals.service_time.max_s == 600
    assert [(h.hour, h.arrivals) for h in report.hours] == [(23, 1)]
    assert report.counters[0].use.busy_s == 600


def test_summaries_of_few_values() -> None:
    assert summarise([]).mean_s is None
    one = summarise([42])
    assert (one.count, one.mean_s, one.median_s, one.p90_s, one.max_s) == (1, 42.0, 42.0, 42, 42)
    ten = summarise(list(range(10, 110, 10)))  # 10..100: the 9th is the nearest-rank p90
    assert (ten.median_s, ten.p90_s) == (55.0, 90)


def test_thai_dates_are_buddhist_era() -> None:
    assert thai_date(date(2026, 11, 26)) == "26 พ.ย. 2569"
    assert thai_date(date(2027, 1, 1)) == "1 ม.ค. 2570"
    assert date_range_label(date(2026, 11, 26), date(2026, 12, 2), "th") == (
        "26 พ.ย. 2569 - 2 ธ.ค. 2569"
    )
    assert date_range_label(date(2026, 11, 26), date(2026, 11, 26), "en") == "26 Nov 2026"


def test_local_window_is_the_offices_midnight() -> None:
    start, end = local_window(DAY, DAY, BKK)
    assert start.isoformat() == "2026-11-26T00:00:00+07:00"
    assert (end - start).total_seconds() == 86400


def test_ranges_are_checked() -> None:
    require_range(DAY, DAY)
    with pytest.raises(ValueError, match="before it starts"):
        require_range(DAY, DAY - timedelta(days=1))
    with pytest.raises(ValueError, match="at most 366 days"):
        require_range(DAY, DAY + timedelta(days=366))


def test_flat_rows_have_one_shape() -> None:
    rows = flat_rows(build_report(scripted_day()))
    assert len({tuple(row) for row in rows}) == 1
    sections = [row["section"] for row in rows]
    assert sections.count("service") == 3 and sections.count("hour") == 2
    counter = next(row for row in rows if row["section"] == "counter" and row["key"] == "1")
    assert (counter["busy_s"], counter["officers"]) == (1260, "somchai")
    assert counter["pauses"] == "ประชุม: 1 / 1200 s"
