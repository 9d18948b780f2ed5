"""The contract's wire format: ticket JSON, event data and SSE framing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import events as ev
from core import services
from core.codec import CodecError, event_from_json, event_to_json, ticket_from_json, ticket_to_json
from core.memory import MemoryUnitOfWork
from core.sse import SSEDecoder, encode, encode_comment
from tests.core.conftest import Issue
from tests.core.office import BANGKOK, at

CONTRACT_TICKET_KEYS = {
    "id",
    "number",
    "service",
    "priority",
    "status",
    "transactions",
    "people_ahead",
    "estimated_wait_s",
    "issued_at",
    "called_at",
    "counter",
    "status_url",
}
# Our extensions beside the contract's keys: [soonest, latest] seconds of the wait, or null.
TICKET_KEYS = CONTRACT_TICKET_KEYS | {"estimated_wait_range_s"}


def test_ticket_json_has_the_contract_fields_and_round_trips(
    uow: MemoryUnitOfWork, issue: Issue
) -> None:
    ticket = issue("A", at(0), extra_services=["B"])
    services.call_next(uow, office="udn", counter="1", now=at(2))
    doc = ticket_to_json(
        ticket,
        people_ahead=0,
        estimated_wait_s=0,
        status_url="/t/t1?key=k",
        tz=BANGKOK,
        wait_range_s=(0, 120),
    )
    assert set(doc) == TICKET_KEYS
    assert doc["issued_at"] == "2026-11-25T08:30:00+07:00"
    assert doc["transactions"] == [{"service": "A", "done": False}, {"service": "B", "done": False}]
    view = ticket_from_json(json.loads(json.dumps(doc)))
    assert (view.number, view.status.value, view.counter) == ("A001", "called", "1")
    assert view.called_at == at(2)
    assert view.estimated_wait_range_s == (0, 120)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"status": "lost"}, "status"),
        ({"people_ahead": "3"}, "people_ahead"),
        ({"people_ahead": True}, "people_ahead"),
        ({"issued_at": "2026-11-25T08:30:00"}, "no UTC offset"),
        ({"issued_at": "yesterday"}, "issued_at"),
        ({"transactions": [1]}, "transactions"),
        ({"estimated_wait_range_s": [60]}, "estimated_wait_range_s"),
        ({"estimated_wait_range_s": [60, "2"]}, "estimated_wait_range_s"),
    ],
)
def test_malformed_ticket_json_names_the_field(change: dict[str, object], complaint: str) -> None:
    doc = {
        "id": "t1",
        "number": "A001",
        "service": "A",
        "priority": "normal",
        "status": "waiting",
        "transactions": [],
        "people_ahead": 0,
        "estimated_wait_s": None,
        "issued_at": "2026-11-25T08:30:00+07:00",
        "called_at": None,
        "counter": None,
        "status_url": "/t/t1?key=k",
    }
    ticket_from_json(doc)
    with pytest.raises(CodecError, match=complaint):
        ticket_from_json({**doc, **change})
    missing = dict(doc)
    del missing["number"]
    with pytest.raises(CodecError, match="number: missing"):
        ticket_from_json(missing)


def test_every_event_of_a_day_round_trips(uow: MemoryUnitOfWork, issue: Issue) -> None:
    ticket = issue("A", at(0), extra_services=["B"])
    services.call_next(uow, office="udn", counter="1", now=at(1))
    services.recall(uow, office="udn", counter="1", now=at(2))
    services.transfer(uow, office="udn", ticket_id=ticket.id, now=at(3), to_counter="2")
    services.call_next(uow, office="udn", counter="2", now=at(4))
    services.start_serving(uow, office="udn", ticket_id=ticket.id, now=at(5))
    services.finish(uow, office="udn", ticket_id=ticket.id, now=at(6), transactions=["A", "B"])
    services.pause_counter(uow, office="udn", counter="1", reason="พักเที่ยง", now=at(7))
    for _, event in uow.events_after(0):
        data = json.loads(json.dumps(event_to_json(event, BANGKOK), ensure_ascii=False))
        assert event_from_json(event.type, data) == event


def test_called_event_has_what_a_board_needs(uow: MemoryUnitOfWork, issue: Issue) -> None:
    issue("A", at(0))
    services.call_next(uow, office="udn", counter="1", now=at(1))
    _, called = uow.events_after(0)[-1]
    data = event_to_json(called)
    assert {"number", "counter", "service", "ticket_id"} <= set(data)


def test_unknown_or_broken_events_are_refused() -> None:
    with pytest.raises(CodecError, match="unknown event type"):
        event_from_json("ticket.teleported", {})
    with pytest.raises(CodecError, match="counter: missing"):
        event_from_json("counter.paused", {"office": "udn", "at": "2026-11-25T08:30:00+07:00"})
    with pytest.raises(CodecError, match="data must be an object"):
        event_from_json("counter.paused", [])


def sample_event(office: str = "udn") -> ev.TicketCalled:
    return ev.TicketCalled(
        office=office,
        at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
        ticket_id="t1",
        number="A001",
        service="A",
        priority="normal",
        counter="3",
    )


def test_sse_frame_is_id_event_data() -> None:
    frame = encode(7, sample_event(), BANGKOK).decode()
    lines = frame.split("\n")
    assert lines[:2] == ["id: 7", "event: ticket.called"]
    assert lines[2].startswith("data: {") and frame.endswith("\n\n")
    assert encode_comment() == b": keep-alive\n\n"


def test_sse_decoder_handles_split_chunks_comments_and_line_endings() -> None:
    stream = (
        encode_comment()
        + encode(1, sample_event())
        + b"retry: 2000\r\n"
        + b'id: 2\r\nevent: counter.paused\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'
    )
    decoder = SSEDecoder()
    got = []
    for i in range(len(stream)):
        got += decoder.feed(stream[i : i + 1])
    assert [(e.id, e.event) for e in got] == [("1", "ticket.called"), ("2", "counter.paused")]
    assert got[1].data == '{"a":\n1}'
    assert decoder.last_event_id == "2" and decoder.retry_ms == 2000
    assert event_from_json(got[0].event, got[0].json()) == sample_event()


def test_sse_decoder_keeps_an_event_without_trailing_blank_line_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 5\ndata: x\n") == []
    assert decoder.last_event_id == "5"
    assert [e.data for e in decoder.feed(b"\n")] == ["x"]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_sse_round_trips_any_office_text(reason: str) -> None:
    event = ev.CounterPaused(
        office="udn", at=datetime(2026, 11, 25, tzinfo=UTC), counter="1", reason=reason
    )
    (decoded,) = SSEDecoder().feed(encode(3, event))
    assert event_from_json(decoded.event, decoded.json()) == event
