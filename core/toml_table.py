"""Reading and writing the TOML files people edit by hand (office files, simulation scenarios).

Reading goes through `TomlTable`: typed getters whose refusals name the exact key path, e.g.
`services[2].target_wait_min`, and a final check that rejects keys the loader did not ask for, so
a misspelt key is an error instead of a silently ignored setting. The standard library only reads
TOML, so the few writing primitives the office file needs live here too.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from os import PathLike
from typing import Any

from core.errors import InvalidRequest

# TOML integers are 64-bit; tomllib reads bigger ones, which a database column would refuse later.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

REQUIRED: Any = object()


class KeyPathError(InvalidRequest):
    """A refused file; `key` is the offending key path ('' when it is the file as a whole).

    A subclass of InvalidRequest, so the apps show it like any other refusal. Loaders subclass it
    so that callers can tell which kind of file was refused.
    """

    default_source = "file"

    def __init__(
        self, key: str, problem_en: str, problem_th: str, source: str | None = None
    ) -> None:
        source = source or self.default_source
        where_en = f"key {key}: " if key else ""
        where_th = f"คีย์ {key}: " if key else ""
        super().__init__(f"{source}: {where_en}{problem_en}", f"{source}: {where_th}{problem_th}")
        self.key = key
        self.problem_en = problem_en
        self.problem_th = problem_th
        self.source = source

    def under(self, prefix: str) -> KeyPathError:
        key = f"{prefix}.{self.key}" if prefix and self.key else prefix or self.key
        return type(self)(key, self.problem_en, self.problem_th, self.source)

    def renamed(self, key: str) -> KeyPathError:
        return type(self)(key, self.problem_en, self.problem_th, self.source)

    def from_source(self, source: str) -> KeyPathError:
        return type(self)(self.key, self.problem_en, self.problem_th, source)


@contextmanager
def at_path(path: str, error: type[KeyPathError] = KeyPathError) -> Iterator[None]:
    """Give refusals raised while building a value the key path of the table it came from.

    Values read from a TomlTable already carry their full path, so read them before the block:
    only the constructors' own refusals belong inside it.
    """
    try:
        yield
    except KeyPathError as exc:
        raise error(exc.key, exc.problem_en, exc.problem_th, exc.source).under(path) from None
    except InvalidRequest as exc:
        raise error(path, exc.message_en, exc.message_th) from None


class TomlTable:
    """One TOML table being read: typed getters that name the key path, and unknown-key checks."""

    def __init__(self, data: Any, path: str, error: type[KeyPathError] = KeyPathError) -> None:
        if not isinstance(data, dict):
            raise error(path, "must be a table", "ต้องเป็นตาราง")
        self.data: dict[str, Any] = data
        self.path = path
        self.error = error
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem_en: str, problem_th: str) -> KeyPathError:
        """The refusal of key `name` of this table, for the caller to raise."""
        return self.error(self.key(name), problem_en, problem_th)

    def raw(self, name: str, default: Any = REQUIRED) -> Any:
        self.used.add(name)
        if name in self.data:
            return self.data[name]
        if default is REQUIRED:
            raise self.fail(name, "is required", "จำเป็นต้องระบุ")
        return default

    def _typed(
        self, name: str, kinds: tuple[type, ...], label: tuple[str, str], default: Any
    ) -> Any:
        value = self.raw(name, default)
        if value is default and default is not REQUIRED:
            return value
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            en, th = label
            raise self.fail(name, f"must be {en}, got {value!r}", f"ต้องเป็น{th} แต่ได้ {value!r}")
        return value

    def get_str(self, name: str, default: Any = REQUIRED) -> Any:
        return self._typed(name, (str,), ("a string", "ข้อความ"), default)

    def get_int(self, name: str, default: Any = REQUIRED) -> Any:
        value = self._typed(name, (int,), ("an integer", "จำนวนเต็ม"), default)
        if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
            raise self.fail(name, "is out of range", "มีค่าเกินขอบเขต")
        return value

    def get_float(self, name: str, default: Any = REQUIRED) -> Any:
        value = self._typed(name, (int, float), ("a number", "ตัวเลข"), default)
        if value is None:
            return None
        try:
            return float(value)
        except OverflowError:
            raise self.fail(name, "is out of range", "มีค่าเกินขอบเขต") from None

    def get_bool(self, name: str, default: Any = REQUIRED) -> Any:
        return self._typed(name, (bool,), ("true or false", "true หรือ false"), default)

    def get_date(self, name: str, default: Any = REQUIRED) -> Any:
        value = self.raw(name, default)
        if type(value) is not date:
            raise self.fail(name, f"must be a date like 2024-06-03, got {value!r}", "ต้องเป็นวันที่")
        return value

    def get_str_list(self, name: str, default: Any = REQUIRED) -> Any:
        value = self.raw(name, default)
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise self.fail(name, "must be a list of strings", "ต้องเป็นรายการข้อความ")
        return value

    def table(self, name: str, required: bool = True) -> TomlTable | None:
        value = self.raw(name, REQUIRED if required else None)
        return None if value is None else TomlTable(value, self.key(name), self.error)

    def tables(self, name: str, required: bool = True) -> list[TomlTable]:
        value = self.raw(name, REQUIRED if required else [])
        if not isinstance(value, list):
            raise self.fail(
                name, f"must be an array of tables ([[{name}]])", "ต้องเป็นอาร์เรย์ของตาราง"
            )
        return [
            TomlTable(item, f"{self.key(name)}[{i}]", self.error) for i, item in enumerate(value)
        ]

    def numbers(self, kind: type) -> dict[str, Any]:
        """The whole table as name -> number (a work profile, a mix, an hourly profile)."""
        get = self.get_int if kind is int else self.get_float
        return {name: get(name) for name in self.data}

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used)) or "(none)"
            also = ", ".join(self.key(name) for name in unknown[1:])
            raise self.fail(
                unknown[0],
                f"unknown key; expected one of: {known}"
                + (f" (also unknown: {also})" if also else ""),
                f"ไม่รู้จักคีย์นี้; คีย์ที่ใช้ได้: {known}" + (f" (ไม่รู้จักเช่นกัน: {also})" if also else ""),
            )


def read_utf8(path: str | PathLike[str], error: type[KeyPathError] = KeyPathError) -> str:
    """The text of a file; a missing, unreadable or non-UTF-8 file is a refusal naming it."""
    source = str(path)
    try:
        # utf-8-sig: Windows Notepad may start a UTF-8 file with a byte-order mark.
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except OSError as exc:
        raise error(
            "", f"cannot read the file: {exc.strerror}", f"อ่านไฟล์ไม่ได้: {exc.strerror}", source
        ) from None
    except UnicodeDecodeError:
        raise error(
            "", "is not UTF-8 text", "ไม่ใช่ข้อความ UTF-8 (กรุณาบันทึกไฟล์เป็น UTF-8)", source
        ) from None


def loads_toml(text: str, source: str, error: type[KeyPathError] = KeyPathError) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error("", f"not valid TOML: {exc}", f"ไม่ใช่ไฟล์ TOML ที่ถูกต้อง: {exc}", source) from None
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively.
        raise error(
            "", "not valid TOML: nested too deeply", "ไม่ใช่ไฟล์ TOML ที่ถูกต้อง: ซ้อนกันลึกเกินไป", source
        ) from None


# ---- writing ----------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(text: str) -> str:
    """A TOML basic string; non-ASCII text such as Thai stays as it is (the file is UTF-8).

    Raises ValueError for a lone surrogate, which no TOML (or UTF-8) file can hold.
    """
    text.encode("utf-8")  # refuse a lone surrogate here rather than when the file is saved
    out = []
    for ch in text:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else toml_string(name)


def toml_value(value: Any) -> str:
    """A string, bool, integer, float, list or inline table as TOML."""
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()  # a TOML local date
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float; TOML spells inf/nan alike.
        return repr(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pairs = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_section(header: str, values: Mapping[str, Any]) -> str:
    """`[header]` (or `[[header]]` when given so) and its keys; None values are left out."""
    lines = [header]
    lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"
