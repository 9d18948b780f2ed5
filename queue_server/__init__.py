"""The queue server: persistence, HTTP API, live event stream, status pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from queue_server.app import create_app as build

    return build(config)
