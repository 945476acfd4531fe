"""Who works on what, where: the working groups (the Action Plan's priorities) by country and by
Kazakhstan's region, with the number of member organisations in each cell, as a table shaded as
a heat-map (every number written, a legend; no information by colour alone). Each number links
to the directory filtered to its cell.

The counts come from groups/presence.py (as the read API's ``/api/v1/map`` gives them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.vocabulary import KAZAKHSTAN, country_name, region_choices
from ..groups import presence
from . import bp

# Heat-map levels: 0 (none), then four levels by the share of the table's highest number.
LEVELS = 4


@dataclass
class Cell:
    count: int
    level: int
    url: str | None
    label: str


@dataclass
class Matrix:
    """Rows (code, name) × the groups, with a cell each."""

    caption: str
    row_header: str
    rows: list[tuple[str, str, list[Cell]]] = field(default_factory=list)
    highest: int = 0


def level_of(n: int, highest: int) -> int:
    """0 for none; else 1..LEVELS by the share of the highest number (rounded up)."""
    if n <= 0 or highest <= 0:
        return 0
    return max(1, min(LEVELS, -(-n * LEVELS // highest)))


def legend(highest: int) -> list[tuple[int, str]]:
    """(level, the numbers it stands for) of each level that can occur."""
    found = [(0, _("none"))]
    if highest <= 0:
        return found
    low = 1
    for level in range(1, LEVELS + 1):
        high = highest * level // LEVELS
        if high >= low:
            found.append((level, str(low) if low == high else f"{low}–{high}"))
            low = high + 1
    return found


def _matrix(groups, rows, counts, caption, row_header, link) -> Matrix:
    highest = max(counts.values(), default=0)
    matrix = Matrix(caption, row_header, highest=highest)
    for code, name in rows:
        cells = []
        for group in groups:
            n = counts.get((group.id, code), 0)
            cells.append(
                Cell(
                    n,
                    level_of(n, highest),
                    link(group, code) if n else None,
                    _(
                        "%(n)s member organisations of “%(group)s” in %(place)s",
                        n=n,
                        group=group.title,
                        place=name,
                    ),
                )
            )
        matrix.rows.append((code, name, cells))
    return matrix


@bp.get("/map")
def map():  # noqa: A001 - the endpoint's name is directory.map
    viewer = current_user
    groups = presence.current_groups()
    codes, by_country = presence.by_country(viewer)
    countries = _matrix(
        groups,
        [(c, country_name(c)) for c in codes],
        by_country,
        _("Member organisations of each working group, by country"),
        _("Country"),
        lambda group, code: url_for(
            "directory.index", kind="organisation", group=group.slug, country=code
        ),
    )
    by_region = presence.by_region(viewer)
    regions = _matrix(
        groups,
        region_choices(),
        by_region,
        _("Member organisations in Kazakhstan of each working group, by region"),
        _("Region or city"),
        lambda group, code: url_for(
            "directory.index",
            kind="organisation",
            group=group.slug,
            country=KAZAKHSTAN,
            region=code,
        ),
    )
    return render_template(
        "directory/map.html",
        groups=groups,
        matrices=[("countries", countries), ("regions", regions)],
        legend=legend,
    )
