"""The kiosk tests reuse the server tests' fixtures: a fresh SQLite file, the test office and
server processes that are stopped whatever happens."""

from tests.server.conftest import servers, sqlite_template, sqlite_url

__all__ = ["servers", "sqlite_template", "sqlite_url"]
