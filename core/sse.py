"""Server-Sent Events framing, both ways, without I/O (WHATWG HTML "event stream" parsing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.codec import event_to_json
from core.events import Event


@dataclass(frozen=True)
class ServerSentEvent:
    id: str | None
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def encode(event_id: int, event: Event, tz: Any = None) -> bytes:
    data = json.dumps(event_to_json(event, tz), ensure_ascii=False, separators=(",", ":"))
    return encode_data(event_id, event.type, data)


def encode_data(event_id: int, event_type: str, data: str) -> bytes:
    """A message whose data is already JSON text (one line: JSON text has no raw newlines)."""
    return f"id: {event_id}\nevent: {event_type}\ndata: {data}\n\n".encode()


def encode_event(event_type: str, data: Any) -> bytes:
    """A message without an id (it moves no client's Last-Event-ID)."""
    return f"event: {event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def encode_retry(milliseconds: int) -> bytes:
    return f"retry: {milliseconds}\n\n".encode()


def encode_comment(text: str = "keep-alive") -> bytes:
    return f": {text}\n\n".encode()


class SSEDecoder:
    """Feed bytes as they arrive; get complete events. `last_event_id` survives for reconnects."""

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event = ""
        self.last_event_id: str | None = None
        self.retry_ms: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        self._buffer += chunk
        return list(self._lines())

    def _lines(self) -> Iterator[ServerSentEvent]:
        while True:
            cut = self._next_line_end()
            if cut is None:
                return
            end, width = cut
            line = self._buffer[:end].decode("utf-8", errors="replace")
            self._buffer = self._buffer[end + width :]
            event = self._line(line)
            if event is not None:
                yield event

    def _next_line_end(self) -> tuple[int, int] | None:
        for i, byte in enumerate(self._buffer):
            if byte == 0x0A:
                return i, 1
            if byte == 0x0D:
                if i + 1 == len(self._buffer):
                    return None  # a CR at the end may be the first half of CRLF
                return i, 2 if self._buffer[i + 1] == 0x0A else 1
        return None

    def _line(self, line: str) -> ServerSentEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(self.last_event_id, event or "message", "\n".join(data))
