"""The repository documents itself: no pointer outside the clone, every API route in the API
guide, every key of the shipped example office file in the office file reference, every setting
in the operations guide."""

from __future__ import annotations

import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from core.office_file import loads_office
from queue_server import create_app
from queue_server.cli import main
from queue_server.db.engine import make_engine
from queue_server.db.migrate import upgrade
from queue_server.settings import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
OUTSIDE = "../" + "shared"  # split, so this file does not find itself


def test_nothing_in_the_repository_points_outside_it() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    pointing = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.is_file() and OUTSIDE.encode() in path.read_bytes():
            pointing.append(name.decode())
    assert pointing == []


def test_every_openapi_route_is_in_the_api_guide(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'swq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    try:
        document = app.test_client().get("/api/v1/openapi.json").get_json()
    finally:
        app.extensions["swq"].hub.stop()
        app.extensions["swq"].db.dispose()
    guide = (DOCS / "api.md").read_text(encoding="utf-8")
    routes = [
        f"`{method.upper()} {path}`"
        for path, operations in document["paths"].items()
        for method in operations
    ]
    assert len(routes) > 20
    assert [route for route in routes if route not in guide] == []


def keys(table: Mapping[str, Any], table_name: str = "") -> Iterator[str]:
    """Every key of the file; a table inside a table as `priority.weights`. The keys of a
    counter's `services` and of `weights` are codes and class names, not keys to document."""
    for key, value in table.items():
        name = f"{table_name}.{key}" if table_name and isinstance(value, Mapping) else key
        yield name
        if isinstance(value, Mapping) and key not in ("services", "weights"):
            yield from keys(value, name)
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            for item in value:
                yield from keys(item)


def test_the_example_office_loads_and_the_reference_explains_each_of_its_keys() -> None:
    result = CliRunner().invoke(main, ["office", "example"])
    assert result.exit_code == 0
    example = result.output
    office = loads_office(example, "swq office example")
    assert office.config.office.hours is not None and office.officers and office.counters
    reference = (DOCS / "office-file.md").read_text(encoding="utf-8")
    documented = reference.replace("[[", "").replace("]]", "").replace("[", "").replace("]", "")
    missing = {key for key in keys(tomllib.loads(example)) if f"`{key}`" not in documented}
    assert missing == set()


def test_every_setting_is_in_the_operations_guide() -> None:
    guide = (DOCS / "operations.md").read_text(encoding="utf-8")
    assert [name for name in DEFAULTS if f"`{name}`" not in guide] == []
