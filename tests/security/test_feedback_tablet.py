"""Finding 11: the counter tablet is a device with a token, strangers cannot rate a counter's
last visit, and a display token never learns a ticket's status key."""

from __future__ import annotations

import requests

from tests.security.conftest import Target, client


def _served_ticket(target: Target) -> str:
    office = target.office
    issued = requests.post(
        f"{target.url}/api/v1/tickets",
        json={"service": "B"},
        headers=office.auth("kiosk2"),
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    ticket = issued.json()["id"]
    call = requests.post(
        f"{target.url}/api/v1/counters/2/call",
        json={"ticket_id": ticket, "reason": "test"},
        headers=office.auth("officer2"),
        timeout=10,
    )
    assert call.status_code == 200, call.text
    done = requests.post(
        f"{target.url}/api/v1/tickets/{ticket}/done",
        json={},
        headers=office.auth("officer2"),
        timeout=10,
    )
    assert done.status_code == 200, done.text
    return ticket


def test_only_a_set_up_tablet_rates_the_counters_last_visit(target: Target) -> None:
    ticket = _served_ticket(target)
    stranger = client()
    assert stranger.get(f"{target.url}/feedback/2", timeout=10).status_code == 401
    rated = stranger.post(
        f"{target.url}/feedback/2", data={"ticket_id": ticket, "rating": "1"}, timeout=10
    )
    assert rated.status_code == 401
    kiosk = stranger.get(
        f"{target.url}/feedback/2?token={target.office.tokens['kiosk']}", timeout=10
    )
    assert kiosk.status_code == 401

    tablet = client()
    set_up = tablet.get(
        f"{target.url}/feedback/2?token={target.office.tokens['display']}",
        timeout=10,
        allow_redirects=False,
    )
    assert set_up.status_code == 302 and "token" not in set_up.headers["Location"]
    cookie = set_up.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/feedback" in cookie
    page = tablet.get(f"{target.url}/feedback/2", timeout=10)
    assert page.status_code == 200 and ticket in page.text
    thanks = tablet.post(
        f"{target.url}/feedback/2",
        data={"ticket_id": ticket, "rating": "5"},
        timeout=10,
        allow_redirects=False,
    )
    assert thanks.status_code == 302


def test_display_tokens_see_no_status_key(target: Target) -> None:
    office = target.office
    issued = requests.post(
        f"{target.url}/api/v1/tickets", json={"service": "B"}, headers=office.auth("kiosk2")
    ).json()
    key_url = issued["status_url"]
    assert "key=" in key_url
    shown = requests.get(
        f"{target.url}/api/v1/tickets/{issued['id']}", headers=office.auth("display"), timeout=10
    ).json()
    assert "key" not in shown["status_url"] and key_url.split("key=")[1] not in str(shown)
    admin = requests.get(
        f"{target.url}/api/v1/tickets/{issued['id']}", headers=office.auth("admin"), timeout=10
    ).json()
    assert admin["status_url"] == key_url
