"""The queue server's HTTP API, as the kiosk uses it (CONTRACT.md)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import requests

from core.codec import CodecError, TicketView, ticket_from_json
from kiosk.office import OfficeInfo, ServiceInfo, office_from_json, services_from_json

log = logging.getLogger(__name__)
# Connecting to a server on the LAN is quick or not at all; an answer may wait for a busy database.
TIMEOUT_S = (3.0, 10.0)
PNG = b"\x89PNG\r\n\x1a\n"


class ServerUnreachable(Exception):
    """No usable answer (network down, server restarting, 5xx, garbled reply): try again later."""


class Refused(Exception):
    """The server understood and said no (closed service, quota reached...): do not retry."""

    def __init__(self, status: int, code: str, message_en: str, message_th: str) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.code = code
        self.message_en = message_en
        self.message_th = message_th


class KioskApi:
    def __init__(self, server_url: str, token: str, office: str | None = None) -> None:
        self._root = server_url.rstrip("/")
        self._base = self._root + "/api/v1"
        self._logos: dict[str, bytes] = {}
        self._params = {"office": office} if office else {}
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(
                method, self._base + path, params=self._params, timeout=TIMEOUT_S, **kwargs
            )
        except requests.Timeout:
            raise ServerUnreachable(f"{method} {path}: no answer in time") from None
        except requests.ConnectionError:
            raise ServerUnreachable(f"{method} {path}: cannot connect to {self._base}") from None
        except requests.RequestException as exc:
            raise ServerUnreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ServerUnreachable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ServerUnreachable(f"not JSON: {response.text[:80]!r}") from None

    def office(self) -> OfficeInfo:
        try:
            office = office_from_json(self._json(self._call("GET", "/office")))
        except CodecError as exc:
            raise ServerUnreachable(f"office: {exc}") from None
        return replace(office, logo=self._logo(office.logo_url))

    def _logo(self, url: str | None) -> bytes | None:
        """The office's logo for the ticket; its address names its version, so it is fetched
        once per version. A logo that cannot be fetched just leaves the ticket without one."""
        if url is None:
            return None
        if url not in self._logos:
            try:
                response = self._session.get(self._root + url, timeout=TIMEOUT_S)
            except requests.RequestException as exc:
                log.warning("no logo for the ticket: %s", exc)
                return None
            if response.status_code != 200 or not response.content.startswith(PNG):
                log.warning("no logo for the ticket: HTTP %s", response.status_code)
                return None
            self._logos = {url: response.content}  # only the current version is kept
        return self._logos[url]

    def services(self) -> list[ServiceInfo]:
        try:
            return services_from_json(self._json(self._call("GET", "/services")))
        except CodecError as exc:
            raise ServerUnreachable(f"services: {exc}") from None

    def issue(
        self, service: str, priority: str | None, extra_services: list[str], key: str
    ) -> TicketView:
        body: dict[str, Any] = {"service": service, "extra_services": extra_services}
        if priority is not None:
            body["priority"] = priority
        response = self._call("POST", "/tickets", json=body, headers={"Idempotency-Key": key})
        try:
            return ticket_from_json(self._json(response))
        except CodecError as exc:
            raise ServerUnreachable(f"ticket: {exc}") from None

    def check_in(self, code: str) -> TicketView:
        """The ticket of the booking with this code (the same one if it was checked in before)."""
        response = self._call("POST", "/bookings/check-in", json={"code": code})
        try:
            return ticket_from_json(self._json(response))
        except CodecError as exc:
            raise ServerUnreachable(f"ticket: {exc}") from None

    def check_in_citizen(self, citizen_id: str) -> TicketView:
        """The ticket of today's booking made with this citizen ID (read from the ID card)."""
        response = self._call("POST", "/bookings/check-in", json={"citizen_id": citizen_id})
        try:
            return ticket_from_json(self._json(response))
        except CodecError as exc:
            raise ServerUnreachable(f"ticket: {exc}") from None

    def reprint(self, ticket_id: str) -> TicketView:
        """The same ticket again, to print once more; the server audits it."""
        response = self._call("POST", f"/tickets/{ticket_id}/reprint", json={})
        try:
            return ticket_from_json(self._json(response))
        except CodecError as exc:
            raise ServerUnreachable(f"ticket: {exc}") from None

    def heartbeat(self, printer: str, detail: str, version: str) -> bool:
        """Tells the server how this kiosk and its printer are; False when the server is too old
        to know heartbeats (404), which is no fault of the kiosk's."""
        try:
            self._call(
                "POST",
                "/devices/heartbeat",
                json={"printer": printer, "detail": detail[:200], "version": version},
            )
        except Refused as exc:
            if exc.status == 404:
                return False
            raise
        return True


def _refusal(response: requests.Response) -> Refused:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
        message_th = str(error.get("message_th") or message)
    except (ValueError, KeyError, TypeError):
        code, message, message_th = "http_error", response.reason or "", response.reason or ""
    return Refused(response.status_code, code, message, message_th)
