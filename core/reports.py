"""Reports of an office's days: what the tickets' events say about waits, service and counters.

Input is plain records (what the database or a test holds), output plain values; nothing here
reads a clock or a database. The definitions, which the README repeats for the people who read
the figures:

- A **visit** is a ticket, counted on its office-local issue day and in the service it was issued
  for, whatever happens to it after midnight.
- A **wait** runs from issue (or from a transfer, for the next leg) to the call that ends it;
  recalls do not end it. A ticket cancelled while waiting ended its wait unserved ("abandoned").
- **Within target**: waits called within the service's target wait, out of every call plus the
  abandoned waits that had already passed the target (one that left earlier is not counted
  against the office either way).
- **Service time** runs from the call (or from "serving", when the officer pressed it) to done.
- **Busy** time of a counter runs from each call to its ending (done, no-show, transfer, cancel);
  **available** time is the span from the counter's first to its last recorded action of the
  day less its pauses; utilisation is busy / available.
- A pause runs from `counter.paused` to the next resume, close or open; one never ended is
  counted to the end of its day (or to `now`, for today).
- What the daily close ended (tickets still open when the day was closed) counts as cancelled
  ("closed unserved") or served, but adds no service or busy time: nobody measured it.
- Percentiles are nearest-rank (always an observed value); the median of an even count is the
  mean of the middle two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from statistics import fmean, median

from core.simulation.report import nearest_rank

THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
BUDDHIST_ERA_OFFSET = 543
MAX_DAYS = 366


def thai_date(day: date) -> str:
    """26 พ.ย. 2569: day, abbreviated Thai month, Buddhist-era year, as Thai offices write it."""
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + BUDDHIST_ERA_OFFSET}"


def english_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def date_range_label(first: date, last: date, lang: str) -> str:
    show = thai_date if lang == "th" else english_date
    return show(first) if first == last else f"{show(first)} - {show(last)}"


def local_window(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants the office-local days first..last cover: [start of first, start of last+1)."""
    return (
        datetime.combine(first, time(), tz),
        datetime.combine(last + timedelta(days=1), time(), tz),
    )


# Input ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedItem:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class ServiceInfo(NamedItem):
    agency: str = ""
    target_wait_s: int = 900


@dataclass(frozen=True)
class CounterInfo(NamedItem):
    # The officer accounts assigned to the counter (users.counter) when the report is made.
    officers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Visit:
    ticket_id: str
    day: date  # office-local issue day
    service: str  # the service it was issued for
    issued_at: datetime
    closed_by_day_close: bool = False


@dataclass(frozen=True)
class TicketStep:
    """One ticket event. `service` is the ticket's service after it (a transfer: the new one)."""

    ticket_id: str
    kind: str
    at: datetime
    service: str
    counter: str | None = None
    from_service: str | None = None  # transfers
    from_counter: str | None = None  # transfers
    transactions: tuple[str, ...] = ()  # done: the services performed


@dataclass(frozen=True)
class CounterStep:
    counter: str
    kind: str  # counter.opened / paused / resumed / closed
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class Rating:
    ticket_id: str
    service: str
    counter: str | None
    rating: int


@dataclass(frozen=True)
class ReportInput:
    office: NamedItem
    timezone: tzinfo
    first: date
    last: date
    agencies: Sequence[NamedItem]
    services: Sequence[ServiceInfo]
    counters: Sequence[CounterInfo]
    visits: Sequence[Visit]
    steps: Sequence[TicketStep]  # in event order
    counter_steps: Sequence[CounterStep]  # in event order
    ratings: Sequence[Rating]
    now: datetime


# Output ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: int | None
    max_s: int | None


@dataclass(frozen=True)
class Share:
    count: int
    of: int
    share: float | None


@dataclass(frozen=True)
class Feedback:
    count: int
    mean: float | None
    ratings: list[int]  # how many of each rating, 1 to 5


@dataclass(frozen=True)
class Figures:
    visits: int
    calls: int
    served: int
    no_shows: int
    cancelled: int
    closed_unserved: int
    transfers: int
    transactions: int
    wait: Summary
    within_target: Share
    service_time: Summary
    feedback: Feedback


@dataclass(frozen=True)
class Pause:
    reason: str
    count: int
    seconds: int


@dataclass(frozen=True)
class Use:
    busy_s: int
    available_s: int
    utilisation: float | None
    paused_s: int
    pauses: list[Pause]


@dataclass(frozen=True)
class ServiceRow:
    code: str
    name_th: str
    name_en: str
    agency: str
    target_wait_s: int
    figures: Figures


@dataclass(frozen=True)
class GroupRow:
    code: str
    name_th: str
    name_en: str
    figures: Figures


@dataclass(frozen=True)
class CounterRow:
    code: str
    name_th: str
    name_en: str
    officers: list[str]
    figures: Figures
    use: Use


@dataclass(frozen=True)
class OfficerRow:
    username: str
    counters: list[str]
    figures: Figures
    use: Use


@dataclass(frozen=True)
class HourRow:
    hour: int
    arrivals: int
    mean_wait_s: float | None  # the first wait of the visits issued in that hour


@dataclass(frozen=True)
class DayRow:
    date: date
    figures: Figures


@dataclass(frozen=True)
class Report:
    office: NamedItem
    first: date
    last: date
    totals: Figures
    days: list[DayRow]
    agencies: list[GroupRow]
    services: list[ServiceRow]
    counters: list[CounterRow]
    officers: list[OfficerRow]
    hours: list[HourRow]


# Computation ----------------------------------------------------------------------------------


def summarise(values: Sequence[int]) -> Summary:
    if not values:
        return Summary(0, None, None, None, None)
    ordered = sorted(values)
    return Summary(
        len(ordered),
        round(fmean(ordered), 1),
        round(float(median(ordered)), 1),
        nearest_rank(ordered, 90),
        ordered[-1],
    )


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


@dataclass
class Tally:
    """Raw figures of one bucket (a service, a counter, a day...), merged for groups of them."""

    visits: int = 0
    calls: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    closed_unserved: int = 0
    transfers: int = 0
    transactions: int = 0
    waits: list[int] = field(default_factory=list)
    within: int = 0
    sla_base: int = 0
    service_times: list[int] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for name in (
            "visits",
            "calls",
            "served",
            "no_shows",
            "cancelled",
            "closed_unserved",
            "transfers",
            "transactions",
            "within",
            "sla_base",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waits += other.waits
        self.service_times += other.service_times
        self.ratings += other.ratings

    def figures(self) -> Figures:
        counts = [self.ratings.count(r) for r in range(1, 6)]
        return Figures(
            visits=self.visits,
            calls=self.calls,
            served=self.served,
            no_shows=self.no_shows,
            cancelled=self.cancelled,
            closed_unserved=self.closed_unserved,
            transfers=self.transfers,
            transactions=self.transactions,
            wait=summarise(self.waits),
            within_target=Share(
                self.within,
                self.sla_base,
                round(self.within / self.sla_base, 4) if self.sla_base else None,
            ),
            service_time=summarise(self.service_times),
            feedback=Feedback(
                len(self.ratings),
                round(fmean(self.ratings), 2) if self.ratings else None,
                counts,
            ),
        )


@dataclass
class CounterUse:
    busy_s: int = 0
    available_s: int = 0
    pauses: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def merge(self, other: CounterUse) -> None:
        self.busy_s += other.busy_s
        self.available_s += other.available_s
        for reason, spans in other.pauses.items():
            self.pauses[reason] += spans

    def use(self) -> Use:
        pauses = [
            Pause(reason, len(spans), sum(spans)) for reason, spans in sorted(self.pauses.items())
        ]
        return Use(
            busy_s=self.busy_s,
            available_s=self.available_s,
            utilisation=round(self.busy_s / self.available_s, 4) if self.available_s else None,
            paused_s=sum(p.seconds for p in pauses),
            pauses=pauses,
        )


@dataclass
class _Leg:
    """Where a ticket is in its replay."""

    service: str
    wait_from: datetime
    first_wait: bool = True
    called_at: datetime | None = None
    serving_at: datetime | None = None
    counter: str | None = None


class _Builder:
    def __init__(self, data: ReportInput) -> None:
        self.data = data
        self.tz = data.timezone
        self.targets = {s.code: s.target_wait_s for s in data.services}
        self.visits = {v.ticket_id: v for v in data.visits}
        self.by_service: dict[str, Tally] = defaultdict(Tally)
        self.by_counter: dict[str, Tally] = defaultdict(Tally)
        self.by_day: dict[date, Tally] = defaultdict(Tally)
        self.totals = Tally()
        # (counter, day) -> times of every action there, and the busy seconds
        self.activity: dict[tuple[str, date], list[datetime]] = defaultdict(list)
        self.busy: dict[tuple[str, date], int] = defaultdict(int)
        self.arrivals: dict[int, int] = defaultdict(int)
        self.first_waits: dict[int, list[int]] = defaultdict(list)
        self.counter_tickets: dict[str, set[str]] = defaultdict(set)

    def _tallies(self, visit: Visit, service: str | None, counter: str | None) -> list[Tally]:
        found = [self.totals, self.by_day[visit.day]]
        if service is not None:
            found.append(self.by_service[service])
        if counter is not None:
            found.append(self.by_counter[counter])
        return found

    def run(self) -> None:
        for visit in self.data.visits:
            for tally in self._tallies(visit, visit.service, None):
                tally.visits += 1
            self.arrivals[visit.issued_at.astimezone(self.tz).hour] += 1
        last_step = {step.ticket_id: i for i, step in enumerate(self.data.steps)}
        legs: dict[str, _Leg] = {}
        for i, step in enumerate(self.data.steps):
            visit = self.visits.get(step.ticket_id)
            if visit is None:
                continue
            leg = legs.get(step.ticket_id)
            if leg is None:
                leg = legs[step.ticket_id] = _Leg(step.service, visit.issued_at)
            closing = visit.closed_by_day_close and last_step[step.ticket_id] == i
            self._apply(visit, leg, step, closing)
        for rating in self.data.ratings:
            visit = self.visits.get(rating.ticket_id)
            if visit is not None:
                for tally in self._tallies(visit, rating.service, rating.counter):
                    tally.ratings.append(rating.rating)

    def _apply(self, visit: Visit, leg: _Leg, step: TicketStep, closing: bool) -> None:
        kind = step.kind
        if kind == "ticket.called":
            wait = _seconds(leg.wait_from, step.at)
            leg.called_at, leg.serving_at, leg.counter = step.at, None, step.counter
            if leg.first_wait:
                hour = visit.issued_at.astimezone(self.tz).hour
                self.first_waits[hour].append(wait)
                leg.first_wait = False
            within = wait <= self.targets.get(leg.service, wait)
            for tally in self._tallies(visit, leg.service, step.counter):
                tally.calls += 1
                tally.waits.append(wait)
                tally.sla_base += 1
                tally.within += within
            if step.counter is not None:
                self.counter_tickets[step.counter].add(visit.ticket_id)
                self.activity[(step.counter, visit.day)].append(step.at)
        elif kind == "ticket.serving":
            leg.serving_at = step.at
        elif kind == "ticket.done":
            started = leg.serving_at or leg.called_at
            for tally in self._tallies(visit, leg.service, leg.counter):
                tally.served += 1
                if not closing and started is not None:
                    tally.service_times.append(_seconds(started, step.at))
            for tally in self._tallies(visit, None, leg.counter):
                tally.transactions += len(step.transactions)
            for code in step.transactions:
                self.by_service[code].transactions += 1
            self._leave_counter(visit, leg, step, closing)
        elif kind == "ticket.no_show":
            for tally in self._tallies(visit, leg.service, leg.counter):
                tally.no_shows += 1
            self._leave_counter(visit, leg, step, closing)
        elif kind == "ticket.transferred":
            for tally in self._tallies(visit, step.from_service or leg.service, leg.counter):
                tally.transfers += 1
            self._leave_counter(visit, leg, step, closing)
            leg.service, leg.wait_from = step.service, step.at
        elif kind == "ticket.cancelled":
            waiting = leg.called_at is None
            for tally in self._tallies(visit, leg.service, leg.counter):
                tally.cancelled += 1
                tally.closed_unserved += closing
                if waiting and _seconds(leg.wait_from, step.at) > self.targets.get(leg.service, 0):
                    tally.sla_base += 1  # abandoned after the target: a miss
            self._leave_counter(visit, leg, step, closing)

    def _leave_counter(self, visit: Visit, leg: _Leg, step: TicketStep, closing: bool) -> None:
        if leg.counter is not None and leg.called_at is not None and not closing:
            self.busy[(leg.counter, visit.day)] += _seconds(leg.called_at, step.at)
            self.activity[(leg.counter, visit.day)].append(step.at)
        leg.called_at = leg.serving_at = None
        leg.counter = None

    def counter_use(self) -> dict[str, CounterUse]:
        uses: dict[str, CounterUse] = defaultdict(CounterUse)
        _, window_end = local_window(self.data.first, self.data.last, self.tz)
        paused: dict[str, tuple[datetime, str]] = {}
        spans: dict[tuple[str, date], list[tuple[datetime, datetime]]] = defaultdict(list)

        def end_pause(code: str, at: datetime) -> None:
            start, reason = paused.pop(code)
            day = start.astimezone(self.tz).date()
            spans[(code, day)].append((start, at))
            uses[code].pauses[reason or "-"].append(_seconds(start, at))

        for step in self.data.counter_steps:
            day = step.at.astimezone(self.tz).date()
            self.activity[(step.counter, day)].append(step.at)
            if step.counter in paused:
                end_pause(step.counter, step.at)
            if step.kind == "counter.paused":
                paused[step.counter] = (step.at, step.reason)
        for code in list(paused):
            start = paused[code][0]
            day = start.astimezone(self.tz).date()
            day_end = local_window(day, day, self.tz)[1]
            end_pause(code, max(start, min(day_end, window_end, self.data.now)))
        for (code, day), times in self.activity.items():
            first, last = min(times), max(times)
            inside = sum(
                _seconds(max(a, first), min(b, last))
                for a, b in spans.get((code, day), ())
                if min(b, last) > max(a, first)
            )
            uses[code].available_s += max(0, _seconds(first, last) - inside)
        for (code, _day), busy in self.busy.items():
            uses[code].busy_s += busy
        return uses


def build_report(data: ReportInput) -> Report:
    builder = _Builder(data)
    builder.run()
    uses = builder.counter_use()
    services = [
        ServiceRow(
            s.code,
            s.name_th,
            s.name_en,
            s.agency,
            s.target_wait_s,
            builder.by_service[s.code].figures(),
        )
        for s in data.services
    ]
    agencies = []
    for agency in data.agencies:
        tally = Tally()
        for s in data.services:
            if s.agency == agency.code:
                tally.merge(builder.by_service[s.code])
        agencies.append(GroupRow(agency.code, agency.name_th, agency.name_en, tally.figures()))
    counters = []
    officers: dict[str, tuple[list[str], Tally, CounterUse]] = {}
    for c in data.counters:
        tally = builder.by_counter[c.code]
        visits = len(builder.counter_tickets[c.code])
        tally.visits = visits
        counters.append(
            CounterRow(
                c.code, c.name_th, c.name_en, list(c.officers), tally.figures(), uses[c.code].use()
            )
        )
        for username in c.officers:
            mine = officers.setdefault(username, ([], Tally(), CounterUse()))
            mine[0].append(c.code)
            mine[1].merge(tally)
            mine[2].merge(uses[c.code])
    hours = sorted(builder.arrivals)
    return Report(
        office=data.office,
        first=data.first,
        last=data.last,
        totals=builder.totals.figures(),
        days=[DayRow(day, builder.by_day[day].figures()) for day in _days(data.first, data.last)],
        agencies=agencies,
        services=services,
        counters=counters,
        officers=[
            OfficerRow(name, codes, tally.figures(), use.use())
            for name, (codes, tally, use) in sorted(officers.items())
        ],
        hours=[
            HourRow(
                h,
                builder.arrivals.get(h, 0),
                round(fmean(builder.first_waits[h]), 1) if builder.first_waits.get(h) else None,
            )
            for h in (range(hours[0], hours[-1] + 1) if hours else ())
        ],
    )


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def require_range(first: date, last: date) -> None:
    """A report covers 1 to MAX_DAYS days, first before last; raises ValueError otherwise."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError(f"a report covers at most {MAX_DAYS} days")


def flat_rows(report: Report) -> list[dict[str, object]]:
    """Every row of the report as one flat table (CSV, spreadsheet): a `section` column says
    which part (total, day, agency, service, counter, officer, hour) the row belongs to."""
    rows: list[dict[str, object]] = [_flat("total", report.office.code, "", "", report.totals)]
    rows += [_flat("day", d.date.isoformat(), "", "", d.figures) for d in report.days]
    rows += [_flat("agency", a.code, a.name_th, a.name_en, a.figures) for a in report.agencies]
    rows += [
        {
            **_flat("service", s.code, s.name_th, s.name_en, s.figures),
            "target_wait_s": s.target_wait_s,
        }
        for s in report.services
    ]
    for c in report.counters:
        rows.append(
            {**_flat("counter", c.code, c.name_th, c.name_en, c.figures), **_use(c.use)}
            | {"officers": " ".join(c.officers)}
        )
    for o in report.officers:
        rows.append(
            {**_flat("officer", o.username, "", "", o.figures), **_use(o.use)}
            | {"counters": " ".join(o.counters)}
        )
    for h in report.hours:
        rows.append(
            {"section": "hour", "key": f"{h.hour:02d}", "arrivals": h.arrivals}
            | {"hour_mean_wait_s": h.mean_wait_s}
        )
    return [{column: row.get(column) for column in COLUMNS} for row in rows]


def _flat(section: str, key: str, name_th: str, name_en: str, f: Figures) -> dict[str, object]:
    return {
        "section": section,
        "key": key,
        "name_th": name_th,
        "name_en": name_en,
        "visits": f.visits,
        "calls": f.calls,
        "served": f.served,
        "no_shows": f.no_shows,
        "cancelled": f.cancelled,
        "closed_unserved": f.closed_unserved,
        "transfers": f.transfers,
        "transactions": f.transactions,
        "wait_mean_s": f.wait.mean_s,
        "wait_median_s": f.wait.median_s,
        "wait_p90_s": f.wait.p90_s,
        "wait_max_s": f.wait.max_s,
        "within_target": f.within_target.count,
        "within_target_of": f.within_target.of,
        "within_target_share": f.within_target.share,
        "service_mean_s": f.service_time.mean_s,
        "service_median_s": f.service_time.median_s,
        "service_p90_s": f.service_time.p90_s,
        "service_max_s": f.service_time.max_s,
        "feedback_count": f.feedback.count,
        "feedback_mean": f.feedback.mean,
        **{f"feedback_{r}": n for r, n in enumerate(f.feedback.ratings, start=1)},
    }


def _use(use: Use) -> dict[str, object]:
    return {
        "busy_s": use.busy_s,
        "available_s": use.available_s,
        "utilisation": use.utilisation,
        "paused_s": use.paused_s,
        "pauses": "; ".join(f"{p.reason}: {p.count} / {p.seconds} s" for p in use.pauses),
    }


COLUMNS: tuple[str, ...] = (
    *_flat("", "", "", "", Tally().figures()),
    "target_wait_s",
    "busy_s",
    "available_s",
    "utilisation",
    "paused_s",
    "pauses",
    "officers",
    "counters",
    "arrivals",
    "hour_mean_wait_s",
)


# Province: every office side by side -----------------------------------------------------------


@dataclass(frozen=True)
class OfficeLine:
    """One office's day(s) in a province report, or the province's total."""

    code: str
    name_th: str
    name_en: str
    visits: int
    served: int
    no_shows: int
    waits: int  # tickets called, whose wait is known
    wait_mean_s: float | None
    within_target: Share
    feedback_count: int
    feedback_mean: float | None


def office_line(report: Report) -> OfficeLine:
    f = report.totals
    return OfficeLine(
        report.office.code,
        report.office.name_th,
        report.office.name_en,
        f.visits,
        f.served,
        f.no_shows,
        f.wait.count,
        f.wait.mean_s,
        f.within_target,
        f.feedback.count,
        f.feedback.mean,
    )


def combined_use(uses: Sequence[Use]) -> Use:
    """Several counters' use as one: busy time over all their available time."""
    busy = sum(u.busy_s for u in uses)
    available = sum(u.available_s for u in uses)
    return Use(
        busy_s=busy,
        available_s=available,
        utilisation=round(busy / available, 4) if available else None,
        paused_s=sum(u.paused_s for u in uses),
        pauses=[],
    )


def province_total(lines: Sequence[OfficeLine], province: NamedItem) -> OfficeLine:
    """The offices added up: means weighted by how many each office's mean is of."""
    waits = sum(line.waits for line in lines)
    rated = sum(line.feedback_count for line in lines)
    within = sum(line.within_target.count for line in lines)
    of = sum(line.within_target.of for line in lines)
    return OfficeLine(
        province.code,
        province.name_th,
        province.name_en,
        sum(line.visits for line in lines),
        sum(line.served for line in lines),
        sum(line.no_shows for line in lines),
        waits,
        _weighted([(line.wait_mean_s, line.waits) for line in lines], waits),
        Share(within, of, within / of if of else None),
        rated,
        _weighted([(line.feedback_mean, line.feedback_count) for line in lines], rated),
    )


def _weighted(pairs: Iterable[tuple[float | None, int]], total: int) -> float | None:
    if not total:
        return None
    return sum(mean * n for mean, n in pairs if mean is not None) / total


PROVINCE_COLUMNS: tuple[str, ...] = (
    "section",
    "office",
    "name_th",
    "name_en",
    "visits",
    "served",
    "no_shows",
    "waits",
    "wait_mean_s",
    "within_target",
    "within_target_of",
    "within_target_share",
    "feedback_count",
    "feedback_mean",
)


def province_rows(lines: Sequence[OfficeLine], total: OfficeLine) -> list[dict[str, object]]:
    """Each office, then the total, as flat rows of PROVINCE_COLUMNS (CSV, spreadsheet)."""
    return [_province_row("office", line) for line in lines] + [_province_row("total", total)]


def _province_row(section: str, line: OfficeLine) -> dict[str, object]:
    return {
        "section": section,
        "office": line.code,
        "name_th": line.name_th,
        "name_en": line.name_en,
        "visits": line.visits,
        "served": line.served,
        "no_shows": line.no_shows,
        "waits": line.waits,
        "wait_mean_s": line.wait_mean_s,
        "within_target": line.within_target.count,
        "within_target_of": line.within_target.of,
        "within_target_share": line.within_target.share,
        "feedback_count": line.feedback_count,
        "feedback_mean": line.feedback_mean,
    }
