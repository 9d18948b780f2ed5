"""Generated catalogues from 1 to 80 services over 1 to 20 agencies, with long real Thai service
names, in the real Kivy kiosk at three screen sizes, in Thai, English and large text: every
screen a citizen can reach is walked, and any text larger than its widget, labels over each
other, letters below the minimum, a button smaller than 15 mm or a Thai line broken inside a
word fails the test. One kiosk process per screen size renders all the cases in turn.

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


@pytest.mark.timeout(400)  # some 200 screens; one process, a window resized once
@pytest.mark.parametrize(
    ("width", "height"),
    [(1280, 800), (1920, 1080), (1080, 1920)],
    ids=["1280x800", "1920x1080", "1080x1920"],
)
def test_every_catalogue_fits_the_screen(width: int, height: int, tmp_path: Path) -> None:
    cases = []
    for services, agencies in CASES:
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
                "modes": MODES,
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
    assert answer["checked"] >= (len(CASES) + len(FEATURED) + 3 * len(QUESTIONS)) * len(MODES)
    assert len(answer["screenshots"]) >= len(SHOWN) * len(MODES)
