"""Finding 9: every answer carries the security headers and names no server software, and the
pages still work under a Content-Security-Policy that allows no inline script."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from playwright.sync_api import Browser, Page

from tests.security.conftest import OFFICER, OFFICER_PASSWORD, Target, client


def _policy(answer: requests.Response) -> dict[str, str]:
    policy = answer.headers.get("Content-Security-Policy", "")
    directives = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in directives}


def test_every_answer_carries_the_security_headers(target: Target) -> None:
    browser = client()
    answers = [
        browser.get(f"{target.url}{path}", timeout=10)
        for path in ("/login", "/board", "/healthz", "/static/board.js", "/nowhere")
    ]
    answers.append(browser.post(f"{target.url}/api/v1/tickets", data=b"x" * 2_000_000, timeout=10))
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 413]
    for answer in answers:
        policy = _policy(answer)
        assert policy["script-src"] == "'self'", answer.url
        assert policy["frame-ancestors"] == "'none'"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        banner = answer.headers.get("Server", "")
        assert not re.search(r"gunicorn|werkzeug|python|\d", banner, re.IGNORECASE), banner


def _watch(page: Page) -> list[str]:
    """Messages the browser logs when the policy blocks something."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


def test_pages_run_their_scripts_under_the_policy(target: Target, browser: Browser) -> None:
    issued = requests.post(
        f"{target.url}/api/v1/tickets",
        json={"service": "B"},
        headers=target.office.auth("kiosk2"),
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    officer, _ = target.sign_in(OFFICER, OFFICER_PASSWORD)
    context = browser.new_context()
    host = urlsplit(target.url).hostname
    context.add_cookies(
        [
            {"name": c.name, "value": c.value or "", "domain": host, "path": "/"}
            for c in officer.cookies
        ]
    )
    page = context.new_page()
    blocked = _watch(page)

    page.goto(f"{target.url}/board")
    page.wait_for_selector("#clock:not(:empty)")  # (selectors: the policy forbids eval)

    page.goto(issued.json()["status_url"])
    page.wait_for_selector("#live:not(:empty)")

    page.goto(f"{target.url}/console")
    page.wait_for_selector("#queues tr")
    assert not blocked, blocked
    context.close()


def test_admin_removals_still_ask_first(target: Target, browser: Browser) -> None:
    admin, _ = target.sign_in()
    context = browser.new_context()
    host = urlsplit(target.url).hostname
    context.add_cookies(
        [
            {"name": c.name, "value": c.value or "", "domain": host, "path": "/"}
            for c in admin.cookies
        ]
    )
    page = context.new_page()
    blocked = _watch(page)
    asked: list[str] = []

    def decline(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", decline)
    page.goto(f"{target.url}/admin/agencies?lang=en")
    rows = page.locator("form[data-confirm] button").count()
    page.locator("form[data-confirm] button").first.click()
    page.wait_for_timeout(300)
    assert asked == ["Remove this agency?"]
    assert page.locator("form[data-confirm] button").count() == rows
    assert not blocked, blocked
    context.close()
