"""`swq office load` on hypothesis-made office files: the valid test office with mutations
(wrong types, unknown and missing keys, bad references, repeated codes, odd Unicode, huge
numbers, broken TOML) loaded over a database that already holds the office and its tickets.

Whatever the file, the command exits 0 or 1 without a traceback; a refusal says what is wrong
and leaves the database as it was; a file that loads, loaded again, changes nothing."""

from __future__ import annotations

import copy
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.office_file import load_office
from core.toml_table import toml_key, toml_value
from queue_server import create_app
from queue_server.cli import main
from queue_server.db.engine import make_engine
from queue_server.db.schema import metadata
from tests.server.conftest import OFFICE_FILE, load_test_office

BASE: dict[str, Any] = tomllib.loads(OFFICE_FILE.read_text(encoding="utf-8"))
ARRAYS = ("agencies", "services", "counters", "officers")
# Keys the loader knows but the base file leaves out: setting them explores more of it.
OPTIONAL = {
    "office": ["hours", "policy", "transfer_keeps_place", "timezone"],
    "services": [
        "daily_quota",
        "open",
        "default_service_min",
        "number_width",
        "number_start",
        "number_end",
    ],
    "officers": ["role", "password_hash", "counter"],
    "priority": ["weights", "long_wait_guard", "long_wait_guard_at", "max_priority_in_row"],
}
CODES = ["A", "B", "C", "D", "E", "ZZ", "a", "1", "2", "3", "9", "dopa", "rd", "udn", "", " "]
ODD_TEXT = [
    "",
    " ",
    "\t\n",
    "\x00",
    "\x7f",
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\ufeff",
    "e\u0301",  # combining accent
    "๐๘:๓๐-๑๖:๓๐",  # Thai digits
    "08:30-16:30",
    "16:30-08:30",
    "25:00-26:00",
    "Asia/Bangkok",
    "Asia",
    "../../etc/passwd",
    "x" * 5000,
    "ศูนย์บริการ",
    "weighted",
    "\U0001f600",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path of the base document, tables and leaves alike."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _optional_paths() -> Iterator[tuple[Any, ...]]:
    for section, keys in OPTIONAL.items():
        if section in ARRAYS:
            for i in range(len(BASE[section])):
                yield from ((section, i, key) for key in keys)
        else:
            yield from ((section, key) for key in keys)
    for i in range(len(BASE["counters"])):
        yield from (("counters", i, "services", code) for code in ("A", "C", "D", "E", "a"))


PATHS = sorted(set(_paths(BASE)) | set(_optional_paths()), key=repr)


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _get_or_none(path: tuple[Any, ...]) -> Any:
    try:
        return _get(BASE, path)
    except (KeyError, IndexError):
        return None


TABLE_PATHS = [p for p in [(), *_paths(BASE)] if isinstance(_get(BASE, p), dict)]

scalars = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0001, 0.5, 1e308, -0.0]),
    st.booleans(),
    st.sampled_from(CODES),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(CODES[:6]) | st.text(max_size=5), inner, max_size=3),
    ),
    max_leaves=6,
)


@dataclass(frozen=True)
class Mutation:
    kind: str
    path: tuple[Any, ...]
    value: Any = None

    def apply(self, doc: dict[str, Any]) -> None:
        *parent_path, last = self.path
        try:
            parent = _get(doc, tuple(parent_path))
            if self.kind == "set":
                if isinstance(parent, list) and last >= len(parent):
                    parent.append(self.value)
                else:
                    parent[last] = self.value
            elif self.kind == "delete":
                del parent[last]
            elif self.kind == "repeat":  # a list item twice: repeated codes
                parent[last].append(copy.deepcopy(parent[last][self.value % len(parent[last])]))
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            pass  # an earlier mutation removed or retyped the place; nothing to do


def _same_kind(path: tuple[Any, ...]) -> st.SearchStrategy[Mutation]:
    """A value of the type the base file has there: mostly loads, and exercises updating."""
    try:
        old = _get(BASE, path)
    except (KeyError, IndexError):
        old = 1
    if isinstance(old, bool):
        new: st.SearchStrategy[Any] = st.booleans()
    elif isinstance(old, int):
        new = st.integers(min_value=-1, max_value=10**6) | st.sampled_from([2**63 - 1, 2**63])
    elif isinstance(old, str):
        new = st.text(max_size=30) | st.sampled_from(ODD_TEXT) | st.sampled_from(CODES)
    else:
        new = values
    return st.builds(Mutation, st.just("set"), st.just(path), new)


LEAVES = [p for p in PATHS if not isinstance(_get_or_none(p), dict | list)]

mutations = st.one_of(
    st.sampled_from(LEAVES).flatmap(_same_kind),
    st.sampled_from(LEAVES).flatmap(_same_kind),
    st.sampled_from(LEAVES).flatmap(_same_kind),
    st.builds(Mutation, st.just("set"), st.sampled_from(PATHS), values),
    st.builds(Mutation, st.just("delete"), st.sampled_from(PATHS)),
    st.builds(
        Mutation,
        st.just("set"),
        st.tuples(st.sampled_from(TABLE_PATHS), st.text(min_size=1, max_size=12)).map(
            lambda p: (*p[0], p[1])
        ),
        values,
    ),
    st.builds(Mutation, st.just("repeat"), st.sampled_from([(a,) for a in ARRAYS]), st.integers()),
    st.builds(Mutation, st.just("delete"), st.sampled_from([("services", 2), ("services", 3)])),
    st.builds(Mutation, st.just("delete"), st.sampled_from([("counters", 0), ("counters", 2)])),
)


def _dumps(doc: dict[str, Any]) -> str:
    """TOML for a mutated document: top-level tables and arrays of tables as sections,
    everything else inline (dates and datetimes too, which toml_value does not write)."""

    def value(v: Any) -> str:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{toml_key(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return toml_value(v)

    plain = {k: v for k, v in doc.items() if not _is_section(v)}
    lines = [f"{toml_key(k)} = {value(v)}" for k, v in plain.items()]
    for key, section in doc.items():
        if isinstance(section, dict):
            lines.append(f"[{toml_key(key)}]")
            lines += [f"{toml_key(k)} = {value(v)}" for k, v in section.items()]
        elif _is_section(section):
            for item in section:
                lines.append(f"[[{toml_key(key)}]]")
                lines += [f"{toml_key(k)} = {value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _is_section(v: Any) -> bool:
    return isinstance(v, dict) or (
        isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)
    )


@st.composite
def office_files(draw: st.DrawFn) -> bytes:
    doc = copy.deepcopy(BASE)
    for mutation in draw(st.lists(mutations, min_size=1, max_size=3)):
        mutation.apply(doc)
    data = _dumps(doc).encode("utf-8")
    damage = draw(st.sampled_from(["none"] * 12 + ["truncate", "bytes", "bom", "duplicate"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "duplicate":  # a key given twice: TOML itself refuses it
        data += b"[office]\ncode = 'udn'\n"
    return data


# ---- the database the files are loaded over ---------------------------------------------------


@dataclass
class Setup:
    url: str
    db: Path
    pristine: Path
    dump: str
    rows: dict[str, list[tuple[Any, ...]]]


def _swq(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: 'untouched' means exactly that."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = {
            table.name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return rows


def _dump(url: str, office: str = "udn") -> str:
    result = _swq("office", "dump", "--office", office, "--db", url)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


@pytest.fixture
def setup(sqlite_url: str, tmp_path: Path) -> Iterator[Setup]:
    office = load_test_office(sqlite_url)
    app = create_app({"DATABASE_URL": sqlite_url, "TESTING": True})
    client = app.test_client()
    for service in ("A", "B", "C"):  # C waits: removing service C must be refused
        response = client.post(
            "/api/v1/tickets", json={"service": service}, headers=office.auth("kiosk")
        )
        assert response.status_code == 201, response.json
    # counter 1 holds a ticket: removing counter 1 must be refused
    assert (
        client.post("/api/v1/counters/1/next", headers=office.auth("officer1")).status_code == 200
    )
    ext = app.extensions["swq"]
    ext.hub.stop()
    ext.hub.join()
    ext.db.dispose()
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    pristine = tmp_path / "pristine.db"
    shutil.copy(db, pristine)
    yield Setup(sqlite_url, db, pristine, _dump(sqlite_url), _rows(sqlite_url))


def _restore(setup: Setup) -> None:
    for suffix in ("-wal", "-shm"):
        setup.db.with_name(setup.db.name + suffix).unlink(missing_ok=True)
    shutil.copy(setup.pristine, setup.db)


REFUSALS = ("still have tickets", "hold a ticket")


def test_office_load_never_crashes_and_refusals_change_nothing(
    setup: Setup, tmp_path: Path
) -> None:
    path = tmp_path / "office.toml"
    seen = {"loaded": 0, "refused": 0}

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=office_files())
    def run(data: bytes) -> None:
        _restore(setup)
        path.write_bytes(data)
        result = _swq("office", "load", str(path), "--db", setup.url)
        shown = f"file:\n{data.decode('utf-8', 'replace')}\noutput:\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            shown,
            result.exc_info,
        )
        assert result.exit_code in (0, 1), shown
        assert "Traceback" not in result.output, shown
        if result.exit_code == 1:
            seen["refused"] += 1
            message = result.stderr.strip()
            assert message.startswith("Error:") and len(message) > len("Error:"), shown
            # A file refusal names the file and the key (or that the file is not TOML/UTF-8);
            # a refusal from the database names what still holds tickets.
            assert (
                str(path) in message
                and ("key " in message or "TOML" in message or "UTF-8" in message)
            ) or any(r in message for r in REFUSALS), shown
            assert _dump(setup.url) == setup.dump, shown
            assert _rows(setup.url) == setup.rows, shown
        else:
            seen["loaded"] += 1
            assert any(said in result.stderr for said in ("created", "updated", "unchanged")), shown
            again = _swq("office", "load", str(path), "--db", setup.url)
            assert again.exit_code == 0, (shown, again.output)
            assert "unchanged" in again.stderr, (shown, again.output)
            dumped = tmp_path / "dumped.toml"
            # A changed office code makes a second office: dump the one the file names.
            code = load_office(path).config.office.code
            dumped.write_text(_dump(setup.url, code), encoding="utf-8")
            # What was stored dumps to a file that loads back as the same office.
            back = _swq("office", "load", str(dumped), "--db", setup.url)
            assert back.exit_code == 0 and "unchanged" in back.stderr, (shown, back.output)

    run()
    # Both outcomes must have been exercised, or the mutations are too tame or too wild.
    assert seen["loaded"] > 0 and seen["refused"] > 0, seen
