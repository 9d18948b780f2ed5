from __future__ import annotations

import copy
import string
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.model import (
    Agency,
    Counter,
    NumberingRule,
    Office,
    OfficeConfig,
    OpeningHours,
    PrioritySettings,
    Service,
    WorkProfile,
)
from core.office_file import (
    MAX_FEATURED,
    MAX_NUMBER_WIDTH,
    KioskSettings,
    OfficeFile,
    OfficeFileError,
    OfficerSpec,
    dumps_office,
    load_office,
    loads_office,
    parse_office,
)
from core.routing import POLICIES
from core.toml_table import toml_key, toml_string

# CONTRACT.md's example verbatim, then the agency and service B its counter refers to.
EXAMPLE = """
[office]
code = "udn"                       # [a-z0-9-]+
name_th = "ศูนย์บริการร่วม จังหวัดอุดรธานี"
name_en = "Udon Thani One-Stop Service Centre"
timezone = "Asia/Bangkok"          # default
hours = "08:30-16:30"              # optional

[[agencies]]
code = "dopa"
name_th = "สำนักทะเบียนอำเภอเมือง"
name_en = "District Registration Office"

[[services]]
code = "A"                         # one or two capital letters; the ticket prefix
agency = "dopa"
name_th = "ทะเบียนราษฎร์"
name_en = "Civil registration"
target_wait_min = 15               # service standard (SLA)
daily_quota = 400                  # optional

[[counters]]
code = "1"
name_th = "ช่องบริการ 1"
name_en = "Counter 1"
services = { A = 3, B = 1 }        # work profile: service code -> weight

[[officers]]
username = "officer1"
password = "change-me"             # hashed on load, never stored in clear
counter = "1"

[priority]
classes = ["normal", "elderly", "disabled", "pregnant", "monk"]
max_priority_in_row = 2            # interleave: at most N priority calls in a row while normal wait

[[agencies]]
code = "dlt"
name_th = "สำนักงานขนส่งจังหวัด"
name_en = "Provincial Land Transport Office"

[[services]]
code = "B"
agency = "dlt"
name_th = "ใบอนุญาตขับรถ"
name_en = "Driving licences"
target_wait_min = 7.5
"""


def example_office() -> OfficeFile:
    dopa = Agency("dopa", "สำนักทะเบียนอำเภอเมือง", "District Registration Office")
    dlt = Agency("dlt", "สำนักงานขนส่งจังหวัด", "Provincial Land Transport Office")
    a = Service("A", "dopa", "ทะเบียนราษฎร์", "Civil registration", 15 * 60, daily_quota=400)
    b = Service("B", "dlt", "ใบอนุญาตขับรถ", "Driving licences", 450)
    office = Office(
        "udn",
        "ศูนย์บริการร่วม จังหวัดอุดรธานี",
        "Udon Thani One-Stop Service Centre",
        hours=OpeningHours.parse("08:30-16:30"),
    )
    config = OfficeConfig(office, {"dopa": dopa, "dlt": dlt}, {"A": a, "B": b})
    counter = Counter("udn", "1", "ช่องบริการ 1", "Counter 1", WorkProfile({"A": 3, "B": 1}))
    return OfficeFile(config, (counter,), (OfficerSpec("officer1", "1", password="change-me"),))


def test_the_contract_example_loads() -> None:
    loaded = loads_office(EXAMPLE)

    assert loaded == example_office()
    assert loaded.config.policy == "weighted"
    assert loaded.config.priority == PrioritySettings()
    assert loaded.config.services["A"].numbering == NumberingRule()


def test_a_file_on_disk_loads(tmp_path: Path) -> None:
    path = tmp_path / "udn.toml"
    path.write_text(EXAMPLE, encoding="utf-8")

    assert load_office(path) == example_office()


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "udn.toml"
    path.write_text(EXAMPLE, encoding="utf-8-sig")

    assert load_office(path) == example_office()


def test_the_extension_keys_load() -> None:
    text = (
        (
            EXAMPLE.replace(
                'hours = "08:30-16:30"',
                'hours = "08:30-16:30"\npolicy = "fifo"\ntransfer_keeps_place = false',
            )
            .replace(
                "target_wait_min = 7.5",
                "target_wait_min = 7.5\nopen = false\ndefault_service_min = 2.5\n"
                "number_width = 4\nnumber_start = 100\nnumber_end = 1999\ndaily_quota = 0",
            )
            .replace(
                "max_priority_in_row = 2",
                "weights = { elderly = 3, monk = 5 }\n"
                "long_wait_guard = false\nlong_wait_guard_at = 0.5\n"
                'names = { monk = ["พระภิกษุสงฆ์และสามเณร", "Monks and novices"] }',
            )
        )
        + '\n[[officers]]\nusername = "boss"\nrole = "admin"\npassword_hash = "'
        + HASH
        + '"\n'
    )

    loaded = loads_office(text)

    assert (loaded.config.policy, loaded.config.transfer_keeps_place) == ("fifo", False)
    b = loaded.config.services["B"]
    assert (b.open, b.default_service_s, b.daily_quota) == (False, 150, 0)
    assert b.numbering == NumberingRule(width=4, start=100, end=1999)
    assert dict(loaded.config.priority.weights) == {"elderly": 3, "monk": 5}
    assert loaded.config.priority.long_wait_guard is False
    assert loaded.config.priority.long_wait_guard_at == 0.5
    assert loaded.config.priority.name("monk") == ("พระภิกษุสงฆ์และสามเณร", "Monks and novices")
    assert loaded.config.priority.name("elderly") == ("ผู้สูงอายุ", "Elderly")
    assert loaded.officers[1] == OfficerSpec("boss", None, "admin", password_hash=HASH)
    assert loads_office(dumps_office(loaded)) == loaded


# ---- writing ----------------------------------------------------------------------------------


def test_the_example_round_trips() -> None:
    office = loads_office(EXAMPLE)

    assert loads_office(dumps_office(office)) == office
    assert "target_wait_min = 15\n" in dumps_office(office)
    assert "target_wait_min = 7.5\n" in dumps_office(office)


def test_awkward_text_survives_a_round_trip() -> None:
    awkward = 'ช่อง "๑" \\ C:\\queue\nบรรทัดสอง\ttab \x00\x1f\x7f 🙏 ไทย'
    office = example_office()
    agency = Agency("dopa", awkward, awkward)
    config = OfficeConfig(
        Office("udn", awkward, "Udon", timezone="Asia/Bangkok"),
        {"dopa": agency, "dlt": office.config.agencies["dlt"]},
        dict(office.config.services),
        priority=PrioritySettings(
            classes=("normal", awkward), weights={awkward: 4}, names={awkward: (awkward, awkward)}
        ),
    )
    officer = OfficerSpec("a.b_c-d", "1", password_hash=HASH)
    tricky = OfficeFile(config, office.counters, (officer,))

    text = dumps_office(tricky)

    assert loads_office(text) == tricky
    assert "ช่อง" in text  # Thai stays readable in the file, not \u escapes
    assert "password_hash" in text and "password =" not in text


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_any_string_is_written_as_toml_that_reads_back(text: str) -> None:
    assert tomllib.loads(f"{toml_key(text)} = {toml_string(text)}") == {text: text}


_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)
# Codes and usernames by the admin pages' rules (they end up in URLs).
_CODE = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=4)
_USERNAME = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=4)
# A password hash as swq makes it (the only kind a file may carry).
HASH = "scrypt:32768:8:1$abcdefghijklmnop$" + "0123456789abcdef" * 8


@st.composite
def offices(draw: st.DrawFn) -> OfficeFile:
    agency_codes = draw(st.lists(_CODE, min_size=1, max_size=3, unique=True))
    agencies = {c: Agency(c, draw(_TEXT), draw(_TEXT)) for c in agency_codes}
    service_codes = draw(
        st.lists(st.from_regex(r"[A-Z]{1,2}", fullmatch=True), min_size=1, max_size=3, unique=True)
    )
    services = {c: draw(services_of(c, agency_codes)) for c in service_codes}
    office = Office(
        draw(st.from_regex(r"[a-z0-9-]{1,6}", fullmatch=True)),
        draw(_TEXT),
        draw(_TEXT),
        timezone=draw(st.sampled_from(["Asia/Bangkok", "UTC", "Europe/London"])),
        hours=draw(
            st.none()
            | st.sampled_from(["08:30-16:30", "7:00-12:05", "00:00-23:59"]).map(OpeningHours.parse)
        ),
    )
    config = OfficeConfig(
        office,
        agencies,
        services,
        priority=draw(priorities()),
        policy=draw(st.sampled_from(sorted(POLICIES))),
        transfer_keeps_place=draw(st.booleans()),
    )
    counter_codes = draw(st.lists(_CODE, max_size=3, unique=True))
    counters = tuple(
        Counter(
            office.code,
            code,
            draw(_TEXT),
            draw(_TEXT),
            WorkProfile(
                draw(st.dictionaries(st.sampled_from(service_codes), st.integers(1, 9), min_size=1))
            ),
        )
        for code in counter_codes
    )
    usernames = draw(st.lists(_USERNAME, max_size=3, unique=True))
    officers = tuple(draw(officers_of(name, counter_codes)) for name in usernames)
    return OfficeFile(config, counters, officers)


@st.composite
def services_of(draw: st.DrawFn, code: str, agency_codes: list[str]) -> Service:
    start = draw(st.integers(0, 50))
    return Service(
        code,
        draw(st.sampled_from(agency_codes)),
        draw(_TEXT),
        draw(_TEXT),
        target_wait_s=draw(st.integers(1, 4 * 3600)),
        daily_quota=draw(st.none() | st.integers(0, 2000)),
        numbering=NumberingRule(
            width=draw(st.integers(1, MAX_NUMBER_WIDTH)),
            start=start,
            end=draw(st.none() | st.integers(start, start + 999)),
        ),
        default_service_s=draw(st.integers(1, 3600)),
        open=draw(st.booleans()),
    )


@st.composite
def priorities(draw: st.DrawFn) -> PrioritySettings:
    classes = draw(st.lists(_TEXT, min_size=1, max_size=4, unique=True))
    return PrioritySettings(
        classes=tuple(classes),
        weights=draw(st.dictionaries(st.sampled_from(classes), st.integers(-3, 9))),
        max_priority_in_row=draw(st.integers(0, 5)),
        long_wait_guard=draw(st.booleans()),
        long_wait_guard_at=draw(st.floats(0.0, 1.0, exclude_min=True)),
        names=draw(
            st.dictionaries(
                st.sampled_from(classes),
                st.tuples(_TEXT, _TEXT).filter(lambda pair: all(p.strip() for p in pair)),
            )
        ),
    )


@st.composite
def officers_of(draw: st.DrawFn, username: str, counter_codes: list[str]) -> OfficerSpec:
    role = draw(st.sampled_from(["officer", "admin"] if counter_codes else ["admin"]))
    counter = draw(st.sampled_from(counter_codes)) if counter_codes else None
    if role == "admin" and draw(st.booleans()):
        counter = None
    secret = draw(_CODE)
    if draw(st.booleans()):
        return OfficerSpec(username, counter, role, password=secret)
    return OfficerSpec(username, counter, role, password_hash=HASH)


@settings(max_examples=50)
@given(offices())
def test_any_office_round_trips(office: OfficeFile) -> None:
    assert loads_office(dumps_office(office)) == office


# ---- refusals ---------------------------------------------------------------------------------


def refusal(text: str) -> OfficeFileError:
    with pytest.raises(OfficeFileError) as refused:
        loads_office(text, "udn.toml")
    return refused.value


def edited(old: str, new: str) -> str:
    text = EXAMPLE.replace(old, new, 1)
    assert text != EXAMPLE, f"{old!r} is not in the example"
    return text


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        # unknown keys
        ("[office]", "seed = 1\n[office]", "seed"),
        ('timezone = "Asia/Bangkok"', 'timezone = "Asia/Bangkok"\nzone = 7', "office.zone"),
        ('code = "A"', 'code = "A"\ncolour = "red"', "services[0].colour"),
        ('code = "dopa"', 'code = "dopa"\nphone = "042"', "agencies[0].phone"),
        ('code = "1"', 'code = "1"\nfloor = 2', "counters[0].floor"),
        ('username = "officer1"', 'username = "officer1"\npin = 1234', "officers[0].pin"),
        ("max_priority_in_row = 2", "max_priority_in_row = 2\nvip = true", "priority.vip"),
        # missing keys
        ('name_en = "Civil registration"', "", "services[0].name_en"),
        ("target_wait_min = 15", "", "services[0].target_wait_min"),
        ('code = "udn"', "", "office.code"),
        ('username = "officer1"', "", "officers[0].username"),
        ("services = { A = 3, B = 1 }", "", "counters[0].services"),
        # wrong types
        ("target_wait_min = 15", 'target_wait_min = "15"', "services[0].target_wait_min"),
        ("daily_quota = 400", "daily_quota = 4.5", "services[0].daily_quota"),
        ("daily_quota = 400", "daily_quota = true", "services[0].daily_quota"),
        ("services = { A = 3,", "services = { A = 1.5,", "counters[0].services.A"),
        ('code = "1"', "code = 1", "counters[0].code"),
        ('"monk"]', '"monk", 7]', "priority.classes"),
        ('name_th = "ทะเบียนราษฎร์"', 'name_th = ["ทะเบียนราษฎร์"]', "services[0].name_th"),
        ('hours = "08:30-16:30"', "hours = 08:30:00", "office.hours"),
        ("[office]", "office = 3\n[x]", "office"),
        # values out of range
        ("daily_quota = 400", "daily_quota = 99999999999999999999", "services[0].daily_quota"),
        ("daily_quota = 400", "daily_quota = -1", "services[0].daily_quota"),
        ("target_wait_min = 15", "target_wait_min = 0", "services[0].target_wait_min"),
        ("target_wait_min = 15", "target_wait_min = nan", "services[0].target_wait_min"),
        ("target_wait_min = 15", "target_wait_min = 1e308", "services[0].target_wait_min"),
        (
            "target_wait_min = 15",
            "target_wait_min = 15\nnumber_width = 9",
            "services[0].number_width",
        ),
        (
            "target_wait_min = 15",
            "target_wait_min = 15\nnumber_width = 0",
            "services[0].number_width",
        ),
        ("target_wait_min = 15", "target_wait_min = 15\nnumber_end = 0", "services[0].number_end"),
        ("services = { A = 3,", "services = { A = 0,", "counters[0].services.A"),
        ("services = { A = 3, B = 1 }", "services = {}", "counters[0].services"),
        # references to nothing
        ('agency = "dopa"', 'agency = "police"', "services[0].agency"),
        ("services = { A = 3,", "services = { Z = 3,", "counters[0].services.Z"),
        ('counter = "1"', 'counter = "9"', "officers[0].counter"),
        # repeats
        ('code = "B"', 'code = "A"', "services[1].code"),
        ('code = "dlt"', 'code = "dopa"', "agencies[1].code"),
        (
            "[[officers]]",
            '[[counters]]\ncode = "1"\nname_th = ""\nname_en = ""\nservices = { A = 1 }'
            "\n\n[[officers]]",
            "counters[1].code",
        ),
        (
            'counter = "1"',
            'counter = "1"\n[[officers]]\nusername = "officer1"\npassword = "x"\ncounter = "1"',
            "officers[1].username",
        ),
        # bad values
        ('hours = "08:30-16:30"', 'hours = "08:30-25:00"', "office.hours"),
        ('hours = "08:30-16:30"', 'hours = "16:30-08:30"', "office.hours"),
        ('hours = "08:30-16:30"', 'hours = "all day"', "office.hours"),
        ('code = "A"', 'code = "a1"', "services[0].code"),
        ('code = "A"', 'code = "ABC"', "services[0].code"),
        ('code = "udn"', 'code = "UDN"', "office.code"),
        ('code = "1"', 'code = " "', "counters[0].code"),
        ('code = "dopa"', 'code = ""', "agencies[0].code"),
        ('timezone = "Asia/Bangkok"', 'timezone = "Asia/Udon"', "office.timezone"),
        ('timezone = "Asia/Bangkok"', 'timezone = "Asia"', "office.timezone"),
        ('timezone = "Asia/Bangkok"', 'timezone = "../../etc/passwd"', "office.timezone"),
        (
            'timezone = "Asia/Bangkok"',
            'timezone = "Asia/Bangkok"\npolicy = "random"',
            "office.policy",
        ),
        # officers
        (
            'password = "change-me"',
            'password = "change-me"\npassword_hash = "x"',
            "officers[0].password",
        ),
        ('password = "change-me"', "", "officers[0].password"),
        ('password = "change-me"', 'password = ""', "officers[0].password"),
        ('password = "change-me"', 'password_hash = ""', "officers[0].password_hash"),
        ('counter = "1"', "", "officers[0].counter"),
        ('counter = "1"', 'counter = "1"\nrole = "boss"', "officers[0].role"),
        ('username = "officer1"', 'username = ""', "officers[0].username"),
        # priority settings the model refuses are named by their table
        ("max_priority_in_row = 2", "max_priority_in_row = -1", "priority"),
        ('"monk"]', '"monk", "normal"]', "priority"),
        ("max_priority_in_row = 2", "weights = { vip = 9 }", "priority"),
        ("max_priority_in_row = 2", "long_wait_guard_at = 1.5", "priority"),
        ("max_priority_in_row = 2", 'names = { vip = ["วีไอพี", "VIP"] }', "priority"),
        ("max_priority_in_row = 2", 'names = { monk = ["พระ"] }', "priority.names.monk"),
        ("max_priority_in_row = 2", 'names = { monk = ["พระ", " "] }', "priority"),
        ("max_priority_in_row = 2", "names = { monk = 3 }", "priority.names.monk"),
    ],
)
def test_a_bad_file_is_refused_by_key(old: str, new: str, key: str) -> None:
    refused = refusal(edited(old, new))

    assert f"udn.toml: key {key}: " in refused.message_en
    assert f"udn.toml: คีย์ {key}: " in refused.message_th
    assert refused.key == key


def test_an_unknown_key_is_named_with_the_keys_that_are_known() -> None:
    refused = refusal(edited('code = "A"', 'code = "A"\ncolour = "red"\nsize = 3'))

    assert refused.key == "services[0].colour"
    assert "target_wait_min" in refused.problem_en  # what the user may have meant
    assert "services[0].size" in refused.message_en  # the second unknown key is named as well


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("office", None),
        ("agencies", None),
        ("services", None),
        ("agencies", []),
        ("services", []),
        ("agencies", {"code": "dopa", "name_th": "", "name_en": ""}),
        ("counters", "1"),
        ("priority", ["normal"]),
    ],
)
def test_a_missing_or_misshapen_section_is_refused(key: str, value: Any) -> None:
    doc = tomllib.loads(EXAMPLE)
    if value is None:
        del doc[key]
    else:
        doc[key] = value

    with pytest.raises(OfficeFileError) as refused:
        parse_office(doc)

    assert refused.value.key == key


def test_bad_toml_is_refused_with_its_line() -> None:
    refused = refusal(EXAMPLE.replace("[priority]", "[priority"))

    assert "not valid TOML" in refused.message_en and "(at line " in refused.message_en
    assert "ไม่ใช่ไฟล์ TOML" in refused.message_th


def test_deeply_nested_toml_is_refused() -> None:
    assert "nested too deeply" in refusal("a = " + "[" * 5000).message_en


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "cannot read"), (b"name_th = '\xe0\xb8'\n", "not UTF-8"), ("dir", "cannot read")],
)
def test_unreadable_files_are_refused(tmp_path: Path, content: Any, problem: str) -> None:
    path = tmp_path / "udn.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "dir":
        path.mkdir()

    with pytest.raises(OfficeFileError) as refused:
        load_office(path)

    assert problem in refused.value.message_en
    assert str(path) in refused.value.message_en


# ---- nothing but OfficeFileError, whatever the file says -------------------------------------

KEYS = sorted(
    {"office", "agencies", "services", "counters", "officers", "priority", "weights"}
    | {"code", "name_th", "name_en", "timezone", "hours", "policy", "agency", "target_wait_min"}
    | {"daily_quota", "open", "default_service_min", "number_width", "number_start", "number_end"}
    | {"username", "password", "password_hash", "counter", "role", "classes", "A", "B", "1"}
    | {"max_priority_in_row", "long_wait_guard", "long_wait_guard_at", "transfer_keeps_place"}
    | {"names", "weights"}
)
SCALARS = (
    st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["A", "B", "dopa", "1", "admin", "08:30-16:30", "Asia", "fifo", "normal"])
    | st.dates()
    | st.times()
)
TOML_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=10,
)


def _containers(node: Any) -> list[Any]:
    """Every dict and list inside a parsed document, the document first."""
    found = [node]
    children = node.values() if isinstance(node, dict) else node
    for child in children:
        if isinstance(child, dict | list):
            found += _containers(child)
    return found


@st.composite
def damaged_examples(draw: st.DrawFn) -> dict[str, Any]:
    """The example with a few values replaced, removed or added anywhere in it."""
    doc = copy.deepcopy(tomllib.loads(EXAMPLE))
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(_containers(doc)))
        if isinstance(node, list):
            if node and draw(st.booleans()):
                node[draw(st.integers(0, len(node) - 1))] = draw(TOML_VALUES)
            else:
                node.append(draw(TOML_VALUES))
        elif node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node)))
            if draw(st.booleans()):
                del node[key]
            else:
                node[key] = draw(TOML_VALUES)
        else:
            node[draw(st.sampled_from(KEYS))] = draw(TOML_VALUES)
    return doc


@settings(max_examples=300)
@given(damaged_examples())
def test_a_damaged_file_is_refused_cleanly_or_loads(doc: dict[str, Any]) -> None:
    try:
        office = parse_office(doc)
    except OfficeFileError as exc:
        assert exc.key or exc.problem_en
    else:
        assert loads_office(dumps_office(office)) == office


@settings(max_examples=100)
@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), TOML_VALUES, max_size=5))
def test_any_document_is_refused_cleanly(doc: dict[str, Any]) -> None:
    with pytest.raises(OfficeFileError):
        parse_office(doc)


@settings(max_examples=100)
@given(st.text(alphabet=st.sampled_from(list("[]{}=\"'.,=#\n abc1AB-:\\")), max_size=60))
def test_any_text_is_refused_cleanly(text: str) -> None:
    with pytest.raises(OfficeFileError):
        loads_office(text)


PROVINCE = '\n[province]\ncode = "isan"\nname_th = "ภาคอีสาน"\nname_en = "North-East"\n'
PROVINCE_ADMIN = (
    '\n[[officers]]\nusername = "boss"\nrole = "admin"\npassword = "x"\nprovince_admin = true\n'
)


def test_a_province_and_its_admin_round_trip() -> None:
    office = loads_office(EXAMPLE + PROVINCE_ADMIN + PROVINCE)

    assert office.province is not None and office.province.code == "isan"
    assert [o.province_admin for o in office.officers][-1] is True
    assert loads_office(dumps_office(office)) == office


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (EXAMPLE + PROVINCE_ADMIN, "officers[1].province_admin"),
        (
            EXAMPLE + PROVINCE_ADMIN.replace('"admin"', '"officer"\ncounter = "1"') + PROVINCE,
            "officers[1].province_admin",
        ),
        (EXAMPLE + PROVINCE.replace('"isan"', '"Isan!"'), "province.code"),
    ],
)
def test_a_bad_province_is_refused_by_key(text: str, key: str) -> None:
    assert refusal(text).key == key


KIOSK = '\n[kiosk]\nservices = ["B", "A"]\nask_extra_services = true\nfeatured = ["B"]\n'


def test_the_kiosk_buttons_and_featured_services_round_trip() -> None:
    office = loads_office(EXAMPLE + KIOSK)

    assert office.kiosk == KioskSettings(("B", "A"), True, True, ("B",))
    assert loads_office(dumps_office(office)) == office
    assert loads_office(EXAMPLE).kiosk is None  # an older file: the stored layout stays


@pytest.mark.parametrize(
    ("kiosk", "key", "says"),
    [
        ('featured = ["Z"]', "kiosk.featured[0]", "Z"),
        ('services = ["A"]\nfeatured = ["B"]', "kiosk.featured", "not in the kiosk's services"),
        ('featured = ["A", "A"]', "kiosk.featured[1]", "repeats"),
        (f"featured = {['A'] * (MAX_FEATURED + 1)}".replace("'", '"'), "kiosk.featured", "at most"),
        ("featurd = []", "kiosk.featurd", ""),
    ],
)
def test_bad_kiosk_buttons_are_refused_by_key(kiosk: str, key: str, says: str) -> None:
    refused = refusal(EXAMPLE + "\n[kiosk]\n" + kiosk + "\n")
    assert refused.key == key
    assert says in refused.message_en and refused.message_th
