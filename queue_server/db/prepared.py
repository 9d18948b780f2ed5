"""The hot path's statements, compiled once per database dialect and run as plain SQL.

SQLAlchemy Core sets up each execution anew: it looks the statement up in its compiled cache,
builds the parameters from the statement's bind objects and a context around them. For one
INSERT of an event that is about 100 us of CPU on the bench machine; the same SQL through
`Connection.exec_driver_sql`, with parameters converted here, about 40 (an issue runs seven
statements, a call and a finish ten between them: `bench/ticket_cost.py`). SQLAlchemy still
runs it: its transactions, events and errors (a lost connection, a locked database) are the same.

The price is what Core would do for a statement and this does not:
- no Python-side column defaults: every bind the SQL holds must be in the parameters;
- results come as the driver gives them, without the column types' result processing (a
  datetime would come back as SQLite's text): use it for statements that return plain numbers
  or strings, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        converted = [
            value if process is None else process(value)
            for value, process in zip(
                (values[name] for name in self.names), self.processors, strict=True
            )
        ]
        return (
            tuple(converted) if self.positional else dict(zip(self.names, converted, strict=True))
        )


class Prepared:
    """`statement` with the parameters `keys` (the columns an INSERT or UPDATE sets; none for
    a statement whose binds are all named in it), compiled for each dialect it meets."""

    def __init__(self, statement: sa.Executable, keys: Sequence[str] = ()) -> None:
        self._statement = statement
        self._keys = list(keys)
        self._by_dialect: dict[str, _Compiled] = {}

    def __call__(self, conn: sa.Connection, values: Mapping[str, Any]) -> sa.CursorResult[Any]:
        compiled = self._for(conn.dialect)
        return conn.exec_driver_sql(compiled.sql, compiled.parameters(values))

    def many(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement for all `rows` (the driver's executemany)."""
        compiled = self._for(conn.dialect)
        conn.exec_driver_sql(compiled.sql, [compiled.parameters(row) for row in rows])

    def _for(self, dialect: sa.Dialect) -> _Compiled:
        known = self._by_dialect.get(dialect.name)
        if known is not None:
            return known
        compiled = self._statement.compile(dialect=dialect, column_keys=self._keys or None)
        # A positional driver (SQLite's qmark) takes the values in the SQL's order, repeats
        # included; a named one (psycopg's pyformat) by name.
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        # The dialect's own form of each type (SQLite's DATETIME text, psycopg's JSON), as Core
        # would convert them.
        processors = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        made = _Compiled(compiled.string, names, processors, compiled.positional)
        self._by_dialect[dialect.name] = made
        return made
