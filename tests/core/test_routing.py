"""Each routing rule, with a case that fails if the rule is dropped."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

import pytest

from core.errors import InvalidRequest
from core.model import PrioritySettings, WorkProfile
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
) -> RoutingContext:
    return RoutingContext(
        counter=counter,
        profile=WorkProfile(profile or {"A": 1, "B": 1}),
        heads=heads,
        priority=settings or PrioritySettings(max_priority_in_row=2),
        target_wait_s=TARGETS,
        recent_classes=recent,
        now=NOW,
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


def test_priority_classes_are_weighted_not_absolute() -> None:
    settings = PrioritySettings(weights={"monk": 3, "elderly": 2})
    monk_now, elderly_long = head("A", 0, "monk"), head("A", 10, "elderly")
    assert weighted.choose(ctx([monk_now, elderly_long], settings=settings)) == elderly_long
    monk_soon, elderly_soon = head("A", 1, "monk"), head("A", 1.5, "elderly")
    assert weighted.choose(ctx([monk_soon, elderly_soon], settings=settings)) == monk_soon


def test_work_profile_prefers_own_services() -> None:
    own, other = head("A", 2), head("B", 4)
    assert weighted.choose(ctx([own, other], profile={"A": 3, "B": 1})) == own


def test_work_profile_still_helps_with_other_services_that_wait_long() -> None:
    own, other = head("A", 1), head("B", 10)
    assert weighted.choose(ctx([own, other], profile={"A": 3, "B": 1})) == other


def test_long_wait_guard_puts_an_overdue_ticket_first() -> None:
    overdue_normal = head("B", 16)
    fresh_priority = head("A", 0.5, "monk")
    heads = [fresh_priority, overdue_normal]
    assert weighted.choose(ctx(heads, profile={"A": 9, "B": 1})) == overdue_normal
    unguarded = PrioritySettings(long_wait_guard=False)
    assert weighted.choose(ctx(heads, profile={"A": 9, "B": 1}, settings=unguarded)) == (
        fresh_priority
    )


def test_long_wait_guard_takes_the_most_overdue_relative_to_each_target() -> None:
    b_over_by_2 = head("B", 17)
    c_not_near_target = head("C", 23)
    a_over_by_5 = head("A", 20, "elderly")
    profile = {"A": 1, "B": 1, "C": 1}
    heads = [b_over_by_2, c_not_near_target, a_over_by_5]
    assert weighted.choose(ctx(heads, profile=profile)) == a_over_by_5


def test_long_wait_guard_acts_shortly_before_the_target() -> None:
    # Counter 1 prefers A threefold; B has waited 13 of its 15 minutes.
    nearly_late_b, fresh_a = head("B", 13), head("A", 5)
    heads = [nearly_late_b, fresh_a]
    assert weighted.choose(ctx(heads, profile={"A": 3, "B": 1})) == nearly_late_b
    at_target = PrioritySettings(long_wait_guard_at=1.0)
    assert weighted.choose(ctx(heads, profile={"A": 3, "B": 1}, settings=at_target)) == fresh_a


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
