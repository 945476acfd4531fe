"""Where each working group's member organisations are: the number of them by a column of the
organisation (its country, Kazakhstan's region), as the map of who works on what, where
(directory/map.py) and the read API (``/api/v1/map``) show it.

Counts are of active memberships of organisations the viewer may see, whose memberships they
may see (visibility.py): a number never tells what the viewer may not see.
"""

from __future__ import annotations

from sqlalchemy import func, select

from .. import visibility
from ..core.models import Organisation
from ..core.vocabulary import EU_MEMBER_STATES, KAZAKHSTAN, country_name
from ..extensions import db
from .models import Membership, MembershipStatus, WorkingGroup


def current_groups() -> list[WorkingGroup]:
    """The working groups not archived, by priority."""
    return list(
        db.session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.archived_at.is_(None))
            .order_by(WorkingGroup.priority, WorkingGroup.id)
        )
    )


def counts(viewer, column, *where) -> dict[tuple[int, str], int]:
    """(group id, value of ``column``) -> number of member organisations the viewer may see."""
    rows = db.session.execute(
        select(Membership.group_id, column, func.count(func.distinct(Organisation.id)))
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            visibility.visible_organisations(viewer),
            visibility.visible_memberships(viewer),
            *where,
        )
        .group_by(Membership.group_id, column)
    )
    return {(group_id, value): n for group_id, value, n in rows}


def by_country(viewer) -> tuple[list[str], dict[tuple[int, str], int]]:
    """The countries to show (Kazakhstan, every EU member state: an empty row is a gap worth
    seeing, then any other country with members) and the counts by (group id, country)."""
    found = counts(viewer, Organisation.country)
    codes = [KAZAKHSTAN, *sorted(EU_MEMBER_STATES, key=country_name)]
    others = sorted({c for _g, c in found if c not in codes}, key=country_name)
    return [*codes, *others], found


def by_region(viewer) -> dict[tuple[int, str], int]:
    """The counts by (group id, Kazakhstan's region) of organisations that gave their region."""
    return counts(
        viewer,
        Organisation.region,
        Organisation.country == KAZAKHSTAN,
        Organisation.region.is_not(None),
    )
