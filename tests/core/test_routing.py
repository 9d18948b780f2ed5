"""Each routing rule, with a case that fails if the rule is dropped."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

import pytest

from core.errors import InvalidRequest
from core.model import APPOINTMENT, PrioritySettings, WorkProfile
from core.routing import (
    POLICIES,
    FifoPolicy,
    QueueHead,
    RoutingContext,
    StrictPriorityPolicy,
    WeightedPolicy,
    get_policy,
    priority_streak,
)
from tests.core.office import at

NOW = at(60)
TARGETS = {"A": 900, "B": 900, "C": 1800}


def head(
    service: str, waited_min: float, priority: str = "normal", target: str | None = None
) -> QueueHead:
    queued: datetime = at(60 - waited_min)
    number = f"{service}{int(waited_min * 10):03d}"
    return QueueHead(service, priority, f"id-{number}-{priority}", number, queued, target)


def ctx(
    heads: Sequence[QueueHead],
    *,
    profile: dict[str, int] | None = None,
    recent: Sequence[str] = (),
    settings: PrioritySettings | None = None,
    counter: str = "1",
    service_s: dict[str, int] | None = None,
) -> RoutingContext:
    return RoutingContext(
        counter=counter,
        profile=WorkProfile(profile or {"A": 1, "B": 1}),
        heads=heads,
        priority=settings or PrioritySettings(max_priority_in_row=2),
        target_wait_s=TARGETS,
        recent_classes=recent,
        now=NOW,
        service_s=service_s or {},
    )


weighted = WeightedPolicy()


def test_nothing_waiting_or_nothing_in_profile_gives_none() -> None:
    assert weighted.choose(ctx([])) is None
    assert weighted.choose(ctx([head("C", 5)])) is None


def test_oldest_first_between_equal_services() -> None:
    old, new = head("A", 5), head("B", 3)
    assert weighted.choose(ctx([new, old])) == old


def test_ticket_transferred_to_this_counter_goes_first() -> None:
    mine = head("B", 0.5, target="1")
    old_priority = head("A", 10, "elderly")
    assert weighted.choose(ctx([old_priority, mine])) == mine
    assert StrictPriorityPolicy().choose(ctx([old_priority, mine])) == mine
    assert FifoPolicy().choose(ctx([old_priority, mine])) == mine


def test_ticket_transferred_to_another_counter_is_not_taken() -> None:
    theirs = head("A", 14, target="2")
    assert weighted.choose(ctx([theirs])) is None
    assert weighted.choose(ctx([theirs], counter="2")) == theirs


def test_transferred_ticket_may_be_of_a_service_outside_the_profile() -> None:
    sent = head("C", 1, target="1")
    assert weighted.choose(ctx([sent, head("A", 5)])) == sent


def test_priority_class_goes_before_normal() -> None:
    normal, elderly = head("A", 6), head("A", 1, "elderly")
    assert weighted.choose(ctx([normal, elderly])) == elderly


def test_interleave_calls_a_normal_ticket_after_max_priority_in_row() -> None:
    normal, elderly = head("A", 6), head("A", 1, "elderly")
    assert weighted.choose(ctx([normal, elderly], recent=["elderly"])) == elderly
    assert weighted.choose(ctx([normal, elderly], recent=["monk", "elderly"])) == normal
    assert weighted.choose(ctx([normal, elderly], recent=["elderly", "normal"])) == elderly


def test_interleave_does_not_hold_back_priority_when_no_normal_waits() -> None:
    elderly = head("A", 1, "elderly")
    assert weighted.choose(ctx([elderly], recent=["monk", "elderly", "elderly"])) == elderly


def test_interleave_limit_is_configurable() -> None:
    normal, elderly = head("A", 6), head("A", 1, "elderly")
    three = PrioritySettings(max_priority_in_row=3)
    assert weighted.choose(ctx([normal, elderly], recent=["monk", "elderly"], settings=three)) == (
        elderly
    )
    zero = PrioritySettings(max_priority_in_row=0)
    assert weighted.choose(ctx([normal, elderly], settings=zero)) == normal


def test_priority_streak_counts_back_to_the_last_normal_call() -> None:
    settings = PrioritySettings()
    assert priority_streak(["monk", "normal", "elderly", "pregnant"], settings) == 2
    assert priority_streak([], settings) == 0
    assert priority_streak(["elderly", "normal"], settings) == 0


def test_priority_is_a_head_start_not_absolute() -> None:
    # A priority ticket just issued is due at half the target (7.5 of 15 min): a normal ticket
    # that has waited more than the 7.5 minutes' difference goes first, one that has waited less
    # does not.
    monk_now = head("A", 0, "monk")
    assert weighted.choose(ctx([monk_now, head("A", 8)])) == head("A", 8)
    assert weighted.choose(ctx([monk_now, head("A", 7)])) == monk_now


def test_a_priority_tickets_wait_counts_more_the_longer_it_waits() -> None:
    # After 7 minutes a monk's head start alone would leave 7.5 - 7 = 0.5 minutes, but its wait
    # also counts 2.2 times against the whole target: 15 - 15.4 = -0.4, so it goes before a
    # normal ticket with 0.2 minutes left. After 6 minutes the head start decides (1.5 left
    # against 15 - 13.2 = 1.8), and a normal ticket with 1 minute left goes first.
    assert weighted.choose(ctx([head("A", 7, "monk"), head("A", 14.8)])) == head("A", 7, "monk")
    assert weighted.choose(ctx([head("A", 6, "monk"), head("A", 14)])) == head("A", 14)


def test_long_services_are_due_a_little_later() -> None:
    # A 5-minute case is due 3 x (3 - 1) = 6 minutes later than a 1-minute one (its credit is
    # capped at 20% of the target, 3 minutes): serving quick cases first keeps more in target.
    quick = head("A", 5)
    service_s = {"A": 60, "B": 300}
    assert weighted.choose(ctx([quick, head("B", 5)], service_s=service_s)) == quick
    assert weighted.choose(ctx([quick, head("B", 12)], service_s=service_s)) == head("B", 12)


def test_a_ticket_past_its_target_moves_up_at_a_quarter_of_its_lateness() -> None:
    # A has waited 17 of its 15 minutes: 2 minutes late, counted as half a minute, and two
    # minutes less: 1.5 minutes left. B with 3 minutes left comes after it, B with 1 before it.
    late = head("A", 17)
    assert weighted.choose(ctx([late, head("B", 12)])) == late
    assert weighted.choose(ctx([late, head("B", 14)])) == head("B", 14)
    # Four minutes later it has moved up one minute, not four: half a minute left.
    later = head("A", 21)
    assert weighted.choose(ctx([later, head("B", 14)])) == later
    assert weighted.choose(ctx([later, head("B", 14.8)])) == head("B", 14.8)


def test_an_appointment_past_its_service_target_is_not_put_back() -> None:
    # Checked in 16 minutes after its slot: 11 minutes past its 5-minute window, and past A's
    # 15-minute target, but an appointment is a promise to the minute and keeps its place: it
    # goes before a monk 8.1 minutes overdue (15 - 2.2 x 10.5), as it would not 4 minutes later.
    booked = QueueHead("A", APPOINTMENT, "id-appt", "A900", at(60 - 16))
    monk = head("A", 10.5, "monk")
    assert weighted.choose(ctx([monk, booked])) == booked


def test_work_profile_prefers_own_services_while_nobody_is_due_soon() -> None:
    # Both 15-minute services, nobody due within 10 minutes (A in 12, B in 11.5): the counter's
    # own service comes first by half a minute per weight above 1.
    heads = [head("A", 3), head("B", 3.5)]
    assert weighted.choose(ctx(heads, profile={"A": 3, "B": 1})) == head("A", 3)
    assert weighted.choose(ctx(heads, profile={"A": 1, "B": 3})) == head("B", 3.5)
    assert weighted.choose(ctx(heads, profile={"A": 1, "B": 1})) == head("B", 3.5)


def test_work_profile_helps_the_other_services_once_one_is_due_soon() -> None:
    # B is due in 8 minutes: the ticket due first goes first, whatever the weights.
    heads = [head("A", 6), head("B", 7)]
    assert weighted.choose(ctx(heads, profile={"A": 3, "B": 1})) == head("B", 7)


def test_long_wait_guard_puts_an_overdue_ticket_first() -> None:
    # B has waited 28 of its 15 minutes, close to twice the target; a monk who has waited 12
    # minutes is overdue by more (15 - 2.2 x 12 = -11.4 against 15 - 28 + 4 = -9), so without
    # the guard the monk would go first.
    overdue_normal = head("B", 28)
    waiting_priority = head("A", 12, "monk")
    heads = [waiting_priority, overdue_normal]
    assert weighted.choose(ctx(heads)) == overdue_normal
    unguarded = PrioritySettings(long_wait_guard=False)
    assert weighted.choose(ctx(heads, settings=unguarded)) == waiting_priority


def test_long_wait_guard_takes_the_most_overdue_relative_to_each_target() -> None:
    b_over_by_2 = head("B", 17)
    c_not_near_target = head("C", 23)
    a_over_by_5 = head("A", 20, "elderly")
    profile = {"A": 1, "B": 1, "C": 1}
    heads = [b_over_by_2, c_not_near_target, a_over_by_5]
    assert weighted.choose(ctx(heads, profile=profile)) == a_over_by_5


def test_long_wait_guard_counts_the_service_time_still_to_come() -> None:
    # The guard acts when waiting one more service would pass (1 + 0.8) x 15 = 27 minutes; the
    # monk (12 minutes waited, 11.4 overdue) goes first otherwise.
    late_b, monk = head("B", 25), head("A", 12, "monk")
    heads = [late_b, monk]
    assert weighted.choose(ctx(heads, service_s={"B": 180})) == late_b
    assert weighted.choose(ctx(heads, service_s={"B": 60})) == monk
    at_twice = PrioritySettings(long_wait_guard_at=1.0)
    assert weighted.choose(ctx(heads, settings=at_twice, service_s={"B": 180})) == monk


def test_guard_share_must_be_a_share() -> None:
    for bad in (0, 1.5, -0.2):
        with pytest.raises(InvalidRequest, match="long_wait_guard_at"):
            PrioritySettings(long_wait_guard_at=bad)


def test_strict_priority_never_interleaves() -> None:
    normal, elderly = head("A", 14), head("A", 1, "elderly")
    strict = StrictPriorityPolicy()
    assert strict.choose(ctx([normal, elderly], recent=["elderly"] * 5)) == elderly


def test_strict_priority_ranks_classes_by_weight() -> None:
    settings = PrioritySettings(weights={"monk": 5, "elderly": 2})
    monk, elderly = head("A", 0, "monk"), head("A", 10, "elderly")
    assert StrictPriorityPolicy().choose(ctx([monk, elderly], settings=settings)) == monk


def test_fifo_ignores_class_and_weight() -> None:
    old_normal, fresh_monk = head("B", 3), head("A", 1, "monk")
    fifo = FifoPolicy()
    assert fifo.choose(ctx([fresh_monk, old_normal], profile={"A": 9, "B": 1})) == old_normal


@pytest.mark.parametrize("policy", list(POLICIES.values()), ids=list(POLICIES))
def test_choice_does_not_depend_on_the_order_heads_come_in(policy: object) -> None:
    heads = [
        head("A", 3),
        head("B", 3),
        head("A", 3, "elderly"),
        head("B", 7, "monk"),
        head("A", 0, "pregnant"),
    ]
    choices = {
        policy.choose(ctx(list(order), recent=["elderly"]))  # type: ignore[attr-defined]
        for order in itertools.permutations(heads)
    }
    assert len(choices) == 1


def test_equal_scores_fall_back_to_queue_order() -> None:
    first = QueueHead("A", "normal", "t1", "A001", at(50))
    second = QueueHead("B", "normal", "t2", "B001", at(50))
    assert weighted.choose(ctx([second, first])) == first


def test_unknown_policy_is_refused_with_the_known_names() -> None:
    with pytest.raises(InvalidRequest, match="weighted"):
        get_policy("random")
    assert get_policy("fifo").name == "fifo"


def test_the_guard_acts_sooner_for_a_service_long_against_its_target() -> None:
    # C: 30 min target, 15 min cases. Its few counters are then often all busy with long cases,
    # so the guard counts 15 x (1 + 15/30) = 22.5 minutes until one frees up: it acts after
    # 54 - 22.5 = 31.5 minutes, not 39.
    profile, service_s = {"A": 1, "C": 1}, {"C": 900}
    monk = head("A", 0, "monk")
    waited_30 = ctx([monk, head("C", 30)], profile=profile, service_s=service_s)
    waited_32 = ctx([monk, head("C", 32)], profile=profile, service_s=service_s)
    assert weighted.choose(waited_30) == monk
    assert weighted.choose(waited_32) == head("C", 32)
