"""Finding 10: an office file may carry only password hashes as swq makes them and codes by the
admin pages' rules, and a stored hash of another kind never costs a sign-in anything."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.office_file import OfficeFileError, loads_office
from queue_server.auth import hash_password, password_matches
from queue_server.db.engine import make_engine
from tests.security.conftest import Target, client, csrf_of
from tests.server.conftest import OFFICE_FILE

BASE = OFFICE_FILE.read_text()
OFFICER = '\n[[officers]]\nusername = "{name}"\ncounter = "1"\npassword_hash = "{hash}"\n'
GOOD_HASH = hash_password("a good one")


@pytest.mark.parametrize(
    "password_hash",
    [
        "md5$$5f4dcc3b5aa765d61d8327deb882cf99",
        "scrypt:1048576:8:1$abcdefghijklmnop$" + "0" * 128,  # 1 GiB, seconds per sign-in
        "pbkdf2:sha256:1000000000$abcdefghijklmnop$" + "0" * 64,
        "scrypt:32768:8:1$abcdefghijklmnop$" + "0" * 128 + "\n",
    ],
)
def test_foreign_password_hashes_are_refused(password_hash: str) -> None:
    text = BASE + OFFICER.format(name="extra", hash=password_hash.replace("\n", "\\n"))
    with pytest.raises(OfficeFileError) as refused:
        loads_office(text)
    assert "password_hash" in str(refused.value)


def test_swqs_own_hash_loads() -> None:
    office = loads_office(BASE + OFFICER.format(name="extra", hash=GOOD_HASH))
    assert office.officers[-1].password_hash == GOOD_HASH


COUNTER = '\n[[counters]]\ncode = "{code}"\nname_th = "x"\nname_en = "x"\nservices = {{ A = 1 }}\n'
AGENCY = '\n[[agencies]]\ncode = "{code}"\nname_th = "x"\nname_en = "x"\n'


@pytest.mark.parametrize(
    "extra",
    [
        COUNTER.format(code="6/../../admin"),
        COUNTER.format(code="1?x=%2F"),
        AGENCY.format(code="do pa"),
        OFFICER.format(name="..", hash=GOOD_HASH),
        OFFICER.format(name="som/chai", hash=GOOD_HASH),
    ],
)
def test_codes_follow_the_admin_pages_rules(extra: str) -> None:
    loads_office(BASE + COUNTER.format(code="fine-1_2") + AGENCY.format(code="fine"))
    with pytest.raises(OfficeFileError):
        loads_office(BASE + extra)


def test_a_stored_foreign_hash_never_signs_in(target: Target, tmp_path: Path) -> None:
    """A row from before these rules (or written by hand) is refused like a wrong password."""
    assert not password_matches("md5$$5f4dcc3b5aa765d61d8327deb882cf99", "password")
    engine = make_engine(target.database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (office, username, password_hash, role, counter)"
                " VALUES (:o, 'legacy', :h, 'officer', '1')"
            ),
            {"o": target.office.code, "h": "scrypt:1048576:8:1$abcdefghijklmnop$" + "0" * 128},
        )
    engine.dispose()
    browser = client()
    csrf = csrf_of(browser.get(f"{target.url}/login", timeout=10).text)
    answer = browser.post(
        f"{target.url}/login",
        data={"username": "legacy", "password": "whatever", "csrf_token": csrf},
        timeout=10,
    )
    assert answer.status_code == 401
    admin, _ = target.sign_in()  # the admin pages still read the office, and can reset it
    assert admin.get(f"{target.url}/admin/users", timeout=10).status_code == 200
