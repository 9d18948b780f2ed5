"""Which tiles the home screen shows, a page at a time, for any catalogue.

The screen holds `page_size` tiles at a readable size (the app works it out from the window and
the text size). A catalogue that fits shows every service at once; a larger one with several
agencies shows the agencies first, then the chosen agency's services; whatever does not fit goes
on further pages behind big "next page" buttons, never in a small scrolling list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiosk.office import AgencyGroup


class TileKind(StrEnum):
    SERVICE = "service"
    AGENCY = "agency"


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


def pages_needed(count: int, page_size: int) -> int:
    return max(1, -(-count // max(1, page_size)))


def agencies_first(groups: Sequence[AgencyGroup], page_size: int) -> bool:
    """Whether the citizen picks an agency before a service: only when the services do not fit
    on one screen and there is more than one agency to pick."""
    services = sum(len(g.services) for g in groups)
    return len(groups) > 1 and services > max(1, page_size)


def home_page(
    groups: Sequence[AgencyGroup], page_size: int, agency: str | None, page: int
) -> HomePage:
    """The tiles of one page. An unknown agency (gone from the catalogue since it was chosen)
    and a page past the end fall back to what exists."""
    chosen = next((g for g in groups if g.agency == agency), None)
    if chosen is not None and agencies_first(groups, page_size):
        tiles = [Tile(TileKind.SERVICE, s.code) for s in chosen.services]
    elif agencies_first(groups, page_size):
        chosen = None
        tiles = [Tile(TileKind.AGENCY, g.agency) for g in groups]
    else:
        chosen = None
        tiles = [Tile(TileKind.SERVICE, s.code) for g in groups for s in g.services]
    size = max(1, page_size)
    pages = pages_needed(len(tiles), size)
    page = min(max(0, page), pages - 1)
    return HomePage(tuple(tiles[page * size : (page + 1) * size]), page, pages, chosen)
