"""Findings 6 and 7: hostile input gets a clear 4xx, never a 500, and an oversized body is
refused before it is read."""

from __future__ import annotations

import socket

import requests

from tests.security.conftest import Target

NUL = "\x00"


def test_huge_and_deep_json_is_a_clear_400(target: Target) -> None:
    kiosk = target.office.auth("kiosk")
    huge_int = '{"service": "A", "extra_services": [], "priority": ' + "9" * 5000 + "}"
    deep = "[" * 100_000 + "]" * 100_000
    for body in (huge_int, deep, '{"service": "A", "n": 99999999999999999999}'):
        answer = requests.post(
            f"{target.url}/api/v1/tickets",
            data=body,
            headers={**kiosk, "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "bad_json"


def test_bad_last_event_id_is_a_clear_4xx(target: Target) -> None:
    for header in ("²", "1" * 30, "-1"):
        answer = requests.get(
            f"{target.url}/api/v1/events", headers={"Last-Event-ID": header}, timeout=10
        )
        assert answer.status_code == 400, (header, answer.text)
    answer = requests.get(f"{target.url}/api/v1/events?last_event_id={'9' * 30}", timeout=10)
    assert answer.status_code == 422


def test_nul_bytes_are_refused_everywhere(target: Target) -> None:
    office = target.office
    admin, csrf = target.sign_in()
    api = f"{target.url}/api/v1"
    answers = [
        requests.get(f"{api}/tickets/a{NUL}b", headers=office.auth("admin"), timeout=10),
        requests.get(f"{api}/tickets/a{NUL}b/status?key=k", timeout=10),
        requests.get(f"{api}/tickets/abc/status?key=k{NUL}", timeout=10),
        requests.get(f"{target.url}/t/a{NUL}b?key=k", timeout=10),
        requests.get(f"{target.url}/feedback/1{NUL}", timeout=10),
        requests.post(
            f"{api}/counters/1/pause",
            json={"reason": f"lunch{NUL}"},
            headers=office.auth("officer1"),
            timeout=10,
        ),
        requests.post(
            f"{api}/devices/heartbeat",
            json={"printer": "ok", "detail": f"x{NUL}"},
            headers=office.auth("kiosk"),
            timeout=10,
        ),
        requests.post(
            f"{target.url}/login",
            data={"username": f"boss{NUL}", "password": "x", "csrf_token": csrf},
            timeout=10,
        ),
        admin.post(
            f"{target.url}/admin/agencies",
            data={"code": f"x{NUL}", "name_th": "ก", "name_en": "x", "csrf_token": csrf},
            timeout=10,
        ),
        admin.get(f"{target.url}/admin/audit?actor=a{NUL}", timeout=10),
    ]
    for answer in answers:
        assert answer.status_code in (400, 404, 422), (answer.url, answer.status_code)


def test_out_of_range_numbers_in_admin_urls_are_4xx(target: Target) -> None:
    admin, csrf = target.sign_in()
    revoke = admin.post(
        f"{target.url}/admin/devices/tokens/{2**63}/revoke", data={"csrf_token": csrf}, timeout=10
    )
    assert revoke.status_code == 404
    audit = admin.get(f"{target.url}/admin/audit?before={'9' * 30}", timeout=10)
    assert audit.status_code == 200


def test_dollar_in_a_service_name_keeps_the_reports_page(target: Target) -> None:
    name = r"ค่าธรรมเนียม $\frac{$ บาท"  # TeX to matplotlib, unless labels are plain text
    admin, csrf = target.sign_in()
    form = {
        "csrf_token": csrf,
        "agency": "dopa",
        "name_th": name,
        "name_en": name,
        "target_wait_min": "20",
        "default_service_min": "5",
        "daily_quota": "",
        "open": "on",
        "number_width": "3",
        "number_start": "1",
        "number_end": "",
    }
    saved = admin.post(
        f"{target.url}/admin/services/D", data=form, timeout=10, allow_redirects=False
    )
    assert saved.status_code == 302, saved.text
    # A day with a visit to the service, so the page draws its charts with the name in them.
    issued = requests.post(
        f"{target.url}/api/v1/tickets",
        json={"service": "D", "priority": "normal", "extra_services": []},
        headers=target.office.auth("kiosk"),
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    called = requests.post(
        f"{target.url}/api/v1/counters/1/call",
        json={"ticket_id": issued.json()["id"], "reason": "test"},
        headers=target.office.auth("admin"),
        timeout=10,
    )
    assert called.status_code == 200, called.text
    report = admin.get(f"{target.url}/admin/reports", timeout=30)
    assert report.status_code == 200
    # The service-level chart labels the bar with the name as it is written.
    assert "\\frac{$ บาท</text>" in report.text


def test_an_oversized_body_is_refused_before_it_is_read(target: Target) -> None:
    """300 MB announced, 1 MB sent: the answer is 413 at once, without waiting for the rest."""
    with socket.create_connection(("127.0.0.1", target.server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 300000000\r\n\r\n" + b" " * 1_000_000
        )
        answer = sock.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "application/json" in answer
