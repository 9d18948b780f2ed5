"""Generated catalogues from 1 to 80 services over 1 to 20 agencies, with long real Thai service
names, in the real Kivy kiosk at three screen sizes, in Thai, English and large text: every
screen a citizen can reach is walked, and any text larger than its widget, labels over each
other, letters below the minimum, a button smaller than 15 mm or a Thai line broken inside a
word fails the test. One kiosk process per screen size renders all the cases in turn.

Tiles keep their size on every screen; a larger screen only holds more of them, so what a tile
shows is checked in full at 1280x800. The other screens walk the cases where the number of tiles
a page holds changes what the kiosk shows first (agencies or services, agencies on one page or
more): the portrait screen in every mode (its header and buttons are narrower), the widest in
the two modes that set the tile size.

Screenshots of a few cases go to build/screenshots/kiosk-*.png for people to look at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.office_file import MAX_FEATURED
from tests.kiosk.catalogue import catalogue
from tests.kiosk.test_ticket import SCREENSHOTS
from tests.kiosk.window import KioskProcess

SERVICES = (1, 6, 20, 40, 60, 80)
AGENCIES = (1, 3, 8, 15, 20)
CASES = [(s, a) for s in SERVICES for a in AGENCIES if a <= s]
# with the most featured services the admin may choose, spread over the agencies
FEATURED = [(60, 15), (20, 1), (6, 3)]
MODES = [("th", False), ("en", False), ("th", True)]
SHOWN = {"s6-a3", "s60-a15", "s60-a15-featured"}
# The priority and extras questions and the result screen, for a few catalogues (they depend
# on the chosen service's name and its agency's size, not on the number of agencies)
QUESTIONS = {"s6-a3", "s20-a1", "s60-a15", "s80-a20"}
NOWHERE = "http://127.0.0.1:9"  # no server: the catalogues come from files
# Each number of services with one agency, with a page of agencies and with the most.
SPREAD = [(s, a) for s, a in CASES if a in (1, 8, max(x for x in AGENCIES if x <= s))]
WIDE_MODES = [("th", False), ("th", True)]
SCREENS = [
    ((1280, 800), CASES, MODES),
    ((1920, 1080), SPREAD, WIDE_MODES),
    ((1080, 1920), SPREAD, MODES),
]


@pytest.mark.timeout(400)  # some 200 screens; one process, a window resized once
@pytest.mark.parametrize(
    ("size", "grid", "modes"), SCREENS, ids=[f"{w}x{h}" for (w, h), _, _ in SCREENS]
)
def test_every_catalogue_fits_the_screen(
    size: tuple[int, int],
    grid: list[tuple[int, int]],
    modes: list[tuple[str, bool]],
    tmp_path: Path,
) -> None:
    width, height = size
    cases = []
    for services, agencies in grid:
        office, docs = catalogue(services, agencies)
        name = f"s{services}-a{agencies}"
        cases.append(
            {"name": name, "office": office, "services": docs, "questions": name in QUESTIONS}
        )
    for services, agencies in FEATURED:
        office, docs = catalogue(services, agencies)
        step = services // MAX_FEATURED
        office["kiosk"]["featured"] = [docs[i * step]["code"] for i in range(MAX_FEATURED)]
        name = f"s{services}-a{agencies}-featured"
        cases.append({"name": name, "office": office, "services": docs, "questions": False})
    spec_path = tmp_path / "sweep.json"
    spec_path.write_text(
        json.dumps(
            {
                "cases": cases,
                "modes": modes,
                "shots": sorted(SHOWN),
                "size": f"{width}x{height}",
                "folder": str(SCREENSHOTS),
            },
            ensure_ascii=False,
        )
    )
    first = tmp_path / "first.json"
    first.write_text(json.dumps({"office": cases[0]["office"], "services": cases[0]["services"]}))
    kiosk = KioskProcess(NOWHERE, "no-token", None, tmp_path, size=(width, height))
    try:
        kiosk.send(f"catalogue {first}")
        answer = kiosk.send(f"sweep {spec_path}", timeout_s=360)
    finally:
        kiosk.close()
    assert answer["faults"] == [], "\n".join(answer["faults"][:40])
    # every case in every mode: its home page, and the questions and result for some
    questions = sum(f"s{s}-a{a}" in QUESTIONS for s, a in grid)
    assert answer["checked"] >= (len(grid) + len(FEATURED) + 3 * questions) * len(modes)
    shown = sum(f"s{s}-a{a}" in SHOWN for s, a in grid) + sum(
        f"s{s}-a{a}-featured" in SHOWN for s, a in FEATURED
    )
    assert len(answer["screenshots"]) >= shown * len(modes)
