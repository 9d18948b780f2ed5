"""Discrete-event simulation of an office day, run through the same core services as the server.

Typical use: `compare(builtin_scenario(), ["weighted", "fifo", "strict-priority"], seed=1)` and
`print(format_table(results))`.
"""

from core.simulation.engine import (
    NO_SHOW_AFTER_S,
    Visitor,
    compare,
    generate_visitors,
    simulate,
)
from core.simulation.report import GroupWaits, PolicyResult, format_table, nearest_rank
from core.simulation.scenario import (
    CounterSpec,
    LogNormal,
    Scenario,
    ScenarioError,
    ServiceSpec,
    builtin_scenario,
    load_scenario,
    loads_scenario,
    parse_scenario,
)

__all__ = [
    "NO_SHOW_AFTER_S",
    "CounterSpec",
    "GroupWaits",
    "LogNormal",
    "PolicyResult",
    "Scenario",
    "ScenarioError",
    "ServiceSpec",
    "Visitor",
    "builtin_scenario",
    "compare",
    "format_table",
    "generate_visitors",
    "load_scenario",
    "loads_scenario",
    "nearest_rank",
    "parse_scenario",
    "simulate",
]
