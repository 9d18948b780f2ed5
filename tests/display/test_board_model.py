"""The board model on its own: events in, what the board shows out."""

from __future__ import annotations

from typing import Any

import pytest

from display.board_model import BoardModel, Call


def board_doc(last_event_id: int, calls: list[tuple[str, str]] = (), **numbers: str) -> dict:
    return {
        "last_event_id": last_event_id,
        "office_name_th": "ศูนย์บริการร่วม",
        "office_name_en": "One-Stop Centre",
        "calls": [
            {"ticket_id": f"t-{n}", "number": n, "counter": c, "service": n[0], "called_at": ""}
            for n, c in calls
        ],
        "counters": [
            {
                "code": code,
                "name": f"ช่องบริการ {code}",
                "name_en": f"Counter {code}",
                "status": "open",
                "number": numbers.get(f"c{code}"),
            }
            for code in ("1", "2", "3")
        ],
    }


def called(number: str, counter: str, recall: bool = False) -> tuple[str, dict[str, Any]]:
    data = {
        "ticket_id": f"t-{number}",
        "number": number,
        "counter": counter,
        "service": number[0],
        "at": "2026-11-26T10:00:00+07:00",
    }
    return ("ticket.recalled" if recall else "ticket.called"), data


def numbers(model: BoardModel) -> dict[str, str | None]:
    return {c.code: c.number for c in model.state().counters}


@pytest.fixture
def model() -> BoardModel:
    board = BoardModel(history=4)
    board.resync(board_doc(10))
    return board


def test_a_call_is_the_newest_and_sits_at_its_counter(model: BoardModel) -> None:
    call = model.apply(11, *called("A001", "1"))
    assert isinstance(call, Call)
    assert (call.number, call.counter, call.recall) == ("A001", "1", False)
    state = model.state()
    assert state.newest is not None and state.newest.number == "A001"
    assert numbers(model) == {"1": "A001", "2": None, "3": None}
    assert state.last_event_id == 11


def test_a_recall_moves_the_call_to_the_top_once_and_is_announced_again(model: BoardModel) -> None:
    model.apply(11, *called("A001", "1"))
    model.apply(12, *called("B001", "2"))
    again = model.apply(13, *called("A001", "1", recall=True))
    assert again is not None and again.recall
    assert [c.number for c in model.state().calls] == ["A001", "B001"]


def test_done_no_show_and_cancel_clear_the_counter_but_keep_the_call_listed(
    model: BoardModel,
) -> None:
    model.apply(11, *called("A001", "1"))
    model.apply(12, *called("A002", "2"))
    model.apply(13, *called("A003", "3"))
    assert model.apply(14, "ticket.done", {"number": "A001", "counter": "1"}) is None
    model.apply(15, "ticket.no_show", {"number": "A002", "counter": "2"})
    model.apply(16, "ticket.cancelled", {"number": "A003", "counter": "3"})
    assert numbers(model) == {"1": None, "2": None, "3": None}
    assert [c.number for c in model.state().calls] == ["A003", "A002", "A001"]


def test_an_undone_no_show_puts_the_number_back_without_a_new_call(model: BoardModel) -> None:
    model.apply(11, *called("A001", "1"))
    model.apply(12, "ticket.no_show", {"number": "A001", "counter": "1"})
    undone = {"number": "A001", "counter": "1"}
    assert model.apply(13, "ticket.no_show_undone", undone) is None  # nothing to announce
    assert numbers(model)["1"] == "A001"
    assert [c.number for c in model.state().calls] == ["A001"]


def test_a_done_for_an_older_ticket_leaves_the_counters_new_call(model: BoardModel) -> None:
    model.apply(11, *called("A001", "1"))
    model.apply(12, *called("A002", "1"))
    model.apply(13, "ticket.done", {"number": "A001", "counter": "1"})
    assert numbers(model)["1"] == "A002"


def test_transfer_clears_the_old_counter_and_the_next_call_shows_the_new_one(
    model: BoardModel,
) -> None:
    model.apply(11, *called("A001", "1"))
    model.apply(
        12,
        "ticket.transferred",
        {"number": "A001", "from_counter": "1", "to_counter": "3", "service": "B"},
    )
    assert numbers(model)["1"] is None
    model.apply(13, *called("A001", "3"))
    assert numbers(model) == {"1": None, "2": None, "3": "A001"}
    assert [c.number for c in model.state().calls] == ["A001"]


def test_counter_pause_and_resume(model: BoardModel) -> None:
    model.apply(11, "counter.paused", {"counter": "2", "reason": "lunch"})
    assert {c.code: c.status for c in model.state().counters}["2"] == "paused"
    model.apply(12, "counter.resumed", {"counter": "2"})
    assert {c.code: c.status for c in model.state().counters}["2"] == "open"


def test_replayed_and_duplicate_events_are_taken_once(model: BoardModel) -> None:
    assert model.apply(11, *called("A001", "1")) is not None
    assert model.apply(11, *called("A001", "1")) is None
    assert model.apply(9, *called("Z009", "2")) is None
    assert [c.number for c in model.state().calls] == ["A001"]


def test_history_is_bounded_however_many_calls(model: BoardModel) -> None:
    for i in range(1, 1001):
        model.apply(10 + i, *called(f"A{i:04d}", str(i % 3 + 1)))
    assert [c.number for c in model.state().calls] == ["A1000", "A0999", "A0998", "A0997"]
    assert len(model.state().counters) == 3


def test_resync_after_an_outage_replaces_the_state_and_replayed_calls_only_announce(
    model: BoardModel,
) -> None:
    model.apply(11, *called("A001", "1"))
    # Outage: events 12..14 happened; the stream replays them after the new board document.
    assert model.resync(board_doc(14, [("B001", "2"), ("A001", "1")], c1=None, c2="B001"))
    assert numbers(model) == {"1": None, "2": "B001", "3": None}
    replayed = model.apply(12, *called("B001", "2"))
    assert replayed is not None and replayed.number == "B001"  # said, though already shown
    assert model.apply(13, "ticket.done", {"number": "A001", "counter": "1"}) is None
    assert model.apply(14, "counter.paused", {"counter": "3"}) is None
    assert {c.code: c.status for c in model.state().counters}["3"] == "open"  # from the doc
    model.apply(15, *called("A002", "3"))
    assert numbers(model) == {"1": None, "2": "B001", "3": "A002"}
    assert [c.number for c in model.state().calls] == ["A002", "B001", "A001"]


def test_a_board_document_older_than_the_events_taken_is_ignored(model: BoardModel) -> None:
    model.apply(11, *called("A001", "1"))
    assert not model.resync(board_doc(10))
    assert numbers(model)["1"] == "A001"


def test_events_keep_their_order(model: BoardModel) -> None:
    for event_id, number, counter in ((11, "A001", "1"), (12, "B001", "2"), (13, "A002", "3")):
        model.apply(event_id, *called(number, counter))
    assert [c.number for c in model.state().calls] == ["A002", "B001", "A001"]
    assert model.state().newest.number == "A002"


def test_the_version_changes_only_when_something_shows(model: BoardModel) -> None:
    before = model.version
    model.apply(11, "ticket.issued", {"number": "A001"})
    assert model.version == before
    model.apply(12, *called("A001", "1"))
    assert model.version == before + 1
