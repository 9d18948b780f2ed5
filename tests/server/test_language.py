"""The page language a browser chose stays chosen, whatever else its pages ask meanwhile."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.server.conftest import Office
from tests.server.people import add_user, sign_in


def page_language(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_request_answered_after_the_switch_does_not_switch_back(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    add_user(database_url, office.code, "boss", "boss-pass-1", role="admin")
    sign_in(client, "boss", "boss-pass-1")
    assert page_language(client, "/console") == "th"
    before_switch = client.get_cookie("swq_session")
    assert before_switch is not None

    assert page_language(client, "/console?lang=en") == "en"
    # A fetch the page sent before the switch, answered after it: it carries the session as it
    # was, and the answer sends that session back, as every answer to a signed-in browser does.
    client.set_cookie("swq_session", before_switch.value)
    assert client.get("/console").headers.get("Set-Cookie", "").startswith("swq_session=")

    assert page_language(client, "/console") == "en"
    assert page_language(client, "/admin") == "en"
    assert page_language(client, "/console?lang=th") == "th"
    assert page_language(client, "/console") == "th"


def test_the_language_chosen_before_signing_in_is_kept(
    client: FlaskClient, office: Office, database_url: str
) -> None:
    add_user(database_url, office.code, "boss", "boss-pass-1", role="admin")
    assert page_language(client, "/login?lang=en") == "en"
    sign_in(client, "boss", "boss-pass-1")
    assert page_language(client, "/console") == "en"
