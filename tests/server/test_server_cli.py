"""`swq db upgrade`, `swq office load/dump`, `swq token create`, `swq server` refusals."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from core.office_file import loads_office
from queue_server import create_app
from queue_server.cli import main
from queue_server.db.engine import make_engine
from queue_server.offices import read_office
from tests.server.conftest import OFFICE_FILE, count_rows


def swq(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def office_version(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version FROM offices")).scalar_one()
    engine.dispose()
    return int(version)


def test_db_upgrade_creates_the_schema_and_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    said = []
    for _ in range(2):
        code, _, err = swq("db", "upgrade", "--db", url)
        assert code == 0, err
        said.append(err)
    assert "created the database schema" in said[0]
    assert "already up to date" in said[1]
    assert count_rows(url, "tickets") == 0


def test_commands_on_a_database_without_schema_say_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    code, _, err = swq("office", "load", str(OFFICE_FILE), "--db", f"sqlite:///{missing}")
    assert code == 1 and "swq db upgrade" in err and "typo.db" in err
    assert not missing.exists()  # a typo in --db leaves no empty database behind
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = swq("office", "dump", "--db", f"sqlite:///{empty}")
    assert code == 1 and "swq db upgrade" in err


def test_office_load_twice_changes_nothing(database_url: str) -> None:
    code, _, err = swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    assert code == 0 and "created office udn" in err
    version = office_version(database_url)
    code, _, err = swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    assert code == 0 and "unchanged" in err
    assert office_version(database_url) == version
    assert count_rows(database_url, "counters") == 3
    assert count_rows(database_url, "users") == 1


def test_office_load_applies_changes(database_url: str, tmp_path: Path) -> None:
    swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    text = OFFICE_FILE.read_text(encoding="utf-8")
    changed = text.replace('name_en = "Counter 3"', 'name_en = "Counter three"')
    changed = (
        changed[: changed.index('[[counters]]\ncode = "2"')]
        + changed[changed.index('[[counters]]\ncode = "3"') :]
    )
    path = tmp_path / "changed.toml"
    path.write_text(changed, encoding="utf-8")
    code, _, err = swq("office", "load", str(path), "--db", database_url)
    assert code == 0, err
    engine = make_engine(database_url)
    with engine.connect() as conn:
        office = read_office(conn, "udn")
    engine.dispose()
    assert [c.code for c in office.counters] == ["1", "3"]
    assert office.counters[1].name_en == "Counter three"


def test_a_bad_office_file_changes_nothing_and_names_the_key(
    database_url: str, tmp_path: Path
) -> None:
    swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    _, before, _ = swq("office", "dump", "--db", database_url)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        OFFICE_FILE.read_text(encoding="utf-8").replace("target_wait_min = 20", "target_wait = 20"),
        encoding="utf-8",
    )
    code, _, err = swq("office", "load", str(bad), "--db", database_url)
    assert code == 1
    assert "services[1]" in err and "target_wait" in err
    missing = swq("office", "load", str(tmp_path / "nope.toml"), "--db", database_url)
    assert missing[0] == 1 and "nope.toml" in missing[2]
    _, after, _ = swq("office", "dump", "--db", database_url)
    assert after == before


def test_dump_round_trips_without_clear_passwords(database_url: str, tmp_path: Path) -> None:
    swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    code, text, err = swq("office", "dump", "--db", database_url)
    assert code == 0, err
    assert "change-me" not in text and "password_hash" in text
    dumped = loads_office(text)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert dumped == read_office(conn, "udn")
    engine.dispose()
    # Loading the dump back changes nothing.
    path = tmp_path / "dump.toml"
    path.write_text(text, encoding="utf-8")
    version = office_version(database_url)
    code, _, err = swq("office", "load", str(path), "--db", database_url)
    assert code == 0 and "unchanged" in err
    assert office_version(database_url) == version


def test_the_kiosk_buttons_load_reach_the_kiosk_dump_and_survive_an_older_file(
    database_url: str, tmp_path: Path
) -> None:
    kiosk = '\n[kiosk]\nservices = ["C", "A", "B"]\nfeatured = ["C", "B"]\n'
    path = tmp_path / "with-kiosk.toml"
    path.write_text(OFFICE_FILE.read_text(encoding="utf-8") + kiosk, encoding="utf-8")
    code, _, err = swq("office", "load", str(path), "--db", database_url)
    assert code == 0, err
    app = create_app({"DATABASE_URL": database_url})
    layout = app.test_client().get("/api/v1/office?office=udn").json["kiosk"]
    assert (layout["services"], layout["featured"]) == (["C", "A", "B"], ["C", "B"])
    app.extensions["swq"].db.dispose()
    _, dumped, _ = swq("office", "dump", "--db", database_url)
    assert 'featured = ["C", "B"]' in dumped
    assert swq("office", "load", str(path), "--db", database_url)[2].endswith("unchanged\n")
    # a file from before featured services (no [kiosk]) leaves the stored buttons alone
    code, _, err = swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    assert code == 0 and "unchanged" in err
    assert swq("office", "dump", "--db", database_url)[1] == dumped


def test_token_create_prints_a_working_token(database_url: str) -> None:
    swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    code, out, err = swq(
        "token", "create", "--role", "kiosk", "--name", "hall-1", "--db", database_url
    )
    assert code == 0, err
    token = out.strip()
    assert out == token + "\n" and token.startswith("swq_") and len(token) > 40
    app = create_app({"DATABASE_URL": database_url})
    issued = app.test_client().post(
        "/api/v1/tickets", json={"service": "A"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert issued.status_code == 201
    app.extensions["swq"].db.dispose()


def test_token_create_refusals(database_url: str) -> None:
    swq("office", "load", str(OFFICE_FILE), "--db", database_url)
    code, out, err = swq(
        "token", "create", "--role", "officer", "--name", "x", "--db", database_url
    )
    assert code == 1 and out == "" and "--counter" in err
    code, out, err = swq(
        "token",
        "create",
        "--role",
        "officer",
        "--name",
        "x",
        "--counter",
        "9",
        "--db",
        database_url,
    )
    assert code == 1 and out == "" and "'9'" in err
    code, _, err = swq(
        "token", "create", "--role", "kiosk", "--name", "x", "--office", "zz", "--db", database_url
    )
    assert code == 1 and "zz" in err
    assert count_rows(database_url, "tokens") == 0


def test_server_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    code, _, err = swq("server", "--db", f"sqlite:///{tmp_path}/s.db", "--workers", "2")
    assert code == 1 and "PostgreSQL" in err


def test_a_name_longer_than_its_column_is_refused_by_key(database_url: str, tmp_path: Path) -> None:
    long_name = "ศูนย์" * 50  # 250 characters; names hold 200
    path = tmp_path / "long.toml"
    path.write_text(
        OFFICE_FILE.read_text(encoding="utf-8").replace('"ยื่นภาษี"', f'"{long_name}"'),
        encoding="utf-8",
    )
    code, _, err = swq("office", "load", str(path), "--db", database_url)
    assert code == 1 and "services[C].name_th" in err and "200" in err
    assert count_rows(database_url, "offices") == 0
