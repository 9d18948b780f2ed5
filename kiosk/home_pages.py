"""Which tiles the home screen shows, a page at a time, for any catalogue.

The screen holds `page_size` tiles at a readable size (the app works it out from the window and
the text size). A catalogue that fits shows every service at once; a larger one with several
agencies shows the agencies first, then the chosen agency's services; whatever does not fit goes
on further pages behind big "next page" buttons, never in a small scrolling list.

The admin's featured services come first: in a catalogue that needs more than one screen they
have a first screen of their own, big tiles with one more tile that leads to every service (the
catalogue); in one that fits, they are the first tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiosk.office import AgencyGroup

# A home tile is at least this big (width, height): room for a long Thai name on three lines,
# the other language and the waiting line at readable sizes.
TILE_PX = (380, 210)
LARGE_TILE_PX = (560, 230)
# Heights of what the home page shows around its tiles (see home.kv).
HOME_CHROME_PX = 16 * 2 + 8 * 3 + 96 + 64 + 96


def tiles_per_page(width: float, height: float, large: bool) -> tuple[int, int]:
    """Columns and rows of home tiles that fit the window at a readable size."""
    tile_w, tile_h = LARGE_TILE_PX if large else TILE_PX
    cols = max(1, int((width - 32) // tile_w))
    rows = max(1, int((height - HOME_CHROME_PX) // tile_h))
    return cols, rows


class TileKind(StrEnum):
    SERVICE = "service"
    AGENCY = "agency"
    CATALOGUE = "catalogue"  # from the featured services to every service


CATALOGUE_CODE = "*"  # the catalogue tile's code (service and agency codes have no "*")


@dataclass(frozen=True)
class Tile:
    kind: TileKind
    code: str  # a service code, or an agency code


@dataclass(frozen=True)
class HomePage:
    tiles: tuple[Tile, ...]
    page: int  # from 0
    pages: int
    agency: AgencyGroup | None  # the agency whose services these are, when chosen first
    featured: bool = False  # the featured services' first screen


def pages_needed(count: int, page_size: int) -> int:
    return max(1, -(-count // max(1, page_size)))


def agencies_first(groups: Sequence[AgencyGroup], page_size: int) -> bool:
    """Whether the citizen picks an agency before a service: only when the services do not fit
    on one screen and there is more than one agency to pick."""
    services = sum(len(g.services) for g in groups)
    return len(groups) > 1 and services > max(1, page_size)


def shown_featured(groups: Sequence[AgencyGroup], featured: Sequence[str]) -> list[str]:
    """The featured services this kiosk shows, in the admin's order."""
    shown = {s.code for g in groups for s in g.services}
    return [code for code in featured if code in shown]


def featured_first(groups: Sequence[AgencyGroup], featured: Sequence[str], page_size: int) -> bool:
    """Whether the first screen is the featured services and the way to every service: only
    when every service does not fit on one screen."""
    services = sum(len(g.services) for g in groups)
    return bool(shown_featured(groups, featured)) and services > max(1, page_size)


def home_page(
    groups: Sequence[AgencyGroup],
    page_size: int,
    agency: str | None,
    page: int,
    featured: Sequence[str] = (),
    catalogue: bool = False,
) -> HomePage:
    """The tiles of one page; `catalogue`: the citizen has gone past the featured services. An
    unknown agency (gone from the catalogue since it was chosen) and a page past the end fall
    back to what exists."""
    size = max(1, page_size)
    if not catalogue and featured_first(groups, featured, page_size):
        # every page of featured services keeps the way to the others as its last tile
        per_page = max(1, size - 1)
        tops = shown_featured(groups, featured)
        pages = pages_needed(len(tops), per_page)
        page = min(max(0, page), pages - 1)
        tiles = [Tile(TileKind.SERVICE, c) for c in tops[page * per_page : (page + 1) * per_page]]
        tiles.append(Tile(TileKind.CATALOGUE, CATALOGUE_CODE))
        return HomePage(tuple(tiles), page, pages, None, featured=True)
    chosen = next((g for g in groups if g.agency == agency), None)
    if chosen is not None and agencies_first(groups, page_size):
        tiles = [Tile(TileKind.SERVICE, s.code) for s in chosen.services]
    elif agencies_first(groups, page_size):
        chosen = None
        tiles = [Tile(TileKind.AGENCY, g.agency) for g in groups]
    else:
        chosen = None
        # featured first when everything fits one screen; in the catalogue, the admin's order
        tops = [] if catalogue else shown_featured(groups, featured)
        tiles = [Tile(TileKind.SERVICE, c) for c in tops]
        tiles += [
            Tile(TileKind.SERVICE, s.code) for g in groups for s in g.services if s.code not in tops
        ]
    pages = pages_needed(len(tiles), size)
    page = min(max(0, page), pages - 1)
    return HomePage(tuple(tiles[page * size : (page + 1) * size]), page, pages, chosen)
