"""The documents of the reports and feedback routes; the OpenAPI schemas come from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core import reports as r

# Dates a report may ask about: wide enough for any office, narrow enough that local midnights
# stay far from the ends of what a datetime can hold.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


class ReportQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    date: Annotated[date, Field(description="the first office-local day (YYYY-MM-DD)")]
    to: Annotated[date | None, Field(description="the last day of a range (default: `date`)")] = (
        None
    )
    office: str | None = None
    format: Annotated[
        Literal["json", "csv", "xlsx"] | None,
        Field(description="instead of the Accept header: json, csv or xlsx"),
    ] = None

    @field_validator("date", "to")
    @classmethod
    def _plausible(cls, value: date | None) -> date | None:
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValueError(f"dates run from {EARLIEST} to {LATEST}")
        return value


class ReportOffice(BaseModel):
    code: str
    name_th: str
    name_en: str
    timezone: str


class AppointmentRow(BaseModel):
    """One service's bookings of the report's days (queue_server.db.bookings.ServiceBookings)."""

    service: str
    name_th: str
    name_en: str
    booked: int  # made and not cancelled
    cancelled: int
    checked_in: int
    on_time: int  # early or within the grace period: appointment tickets
    late: int
    no_shows: int  # not checked in by the end of the grace period
    on_time_share: float | None  # on_time / checked_in


class ReportOut(BaseModel):
    office: ReportOffice
    first_day: date
    last_day: date
    label_th: str  # the range as Thai offices write it: 26 พ.ย. 2569
    label_en: str
    generated_at: datetime
    totals: r.Figures
    days: list[r.DayRow]
    agencies: list[r.GroupRow]
    services: list[r.ServiceRow]
    counters: list[r.CounterRow]
    officers: list[r.OfficerRow]
    hours: list[r.HourRow]
    appointments: list[AppointmentRow]


class FeedbackQuery(BaseModel):
    key: Annotated[str, Field(min_length=1, max_length=100)]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Annotated[int, Field(ge=1, le=5, description="1 (bad) to 5 (very good)")]
    comment: Annotated[str, Field(max_length=500)] = ""


class FeedbackOut(BaseModel):
    ticket_id: str
    number: str
    rating: int
    comment: str
    at: datetime
