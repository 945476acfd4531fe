"""Balance of a working group's membership: by side (EU, Kazakhstan, other) and by EESC group
(I Employers, II Workers, III Civil Society Organisations), as the EESC's platforms aim for a
balanced composition.

The rule that calls a group unbalanced is here and nowhere else (``RULE``, stated on the
secretariat's dashboard from ``rule_text``): a group with members is unbalanced when the EU
side or the Kazakhstan side has less than ``SIDE_MIN_SHARE`` of its member organisations, or
when one of the EESC groups I, II and III has less than ``EESC_MIN_SHARE`` (none at all
included). Counts are of active memberships of organisations the viewer may see
(visibility.py, through ``services._member_clause``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.models import Organisation
from ..core.vocabulary import EESC_GROUP_LABELS, SIDE_LABELS, EESCGroup, Side
from ..extensions import db
from .models import Membership
from .services import SIDE_ORDER, _member_clause

# The rule.
SIDE_MIN_SHARE = Fraction(1, 3)
BALANCED_SIDES = (Side.EU, Side.KAZAKHSTAN)
EESC_MIN_SHARE = Fraction(1, 10)
BALANCED_EESC_GROUPS = (EESCGroup.I, EESCGroup.II, EESCGroup.III)
EESC_ORDER = (EESCGroup.I, EESCGroup.II, EESCGroup.III, EESCGroup.NONE)


def rule_text() -> str:
    """The rule, as the secretariat reads it."""
    return _(
        "A working group with members is unbalanced when the EU side or the Kazakhstan side "
        "has less than %(side)s of its member organisations, or when one of the EESC groups "
        "I (Employers), II (Workers) and III (Civil Society Organisations) has less than "
        "%(eesc)s of them (or none).",
        side=format_percent(float(SIDE_MIN_SHARE), "#,##0%"),
        eesc=format_percent(float(EESC_MIN_SHARE), "#,##0%"),
    )


@dataclass
class Balance:
    """A group's active member organisations by side and by EESC group."""

    cells: dict[tuple[Side, EESCGroup], int] = field(default_factory=dict)

    def count(self, side: Side | None = None, eesc: EESCGroup | None = None) -> int:
        return sum(
            n
            for (s, g), n in self.cells.items()
            if (side is None or s == side) and (eesc is None or g == eesc)
        )

    @property
    def total(self) -> int:
        return self.count()

    def rows(self) -> list[tuple[str, list[int], int]]:
        """(side label, count per EESC group in EESC_ORDER, total) per side, in SIDE_ORDER."""
        return [
            (
                str(SIDE_LABELS[side]),
                [self.count(side, g) for g in EESC_ORDER],
                self.count(side),
            )
            for side in SIDE_ORDER
        ]

    def column_totals(self) -> list[int]:
        return [self.count(eesc=g) for g in EESC_ORDER]

    def problems(self) -> list[str]:
        """Why the group is unbalanced under the rule; empty when it is balanced or has no
        members."""
        total = self.total
        if not total:
            return []
        found = []
        for side in BALANCED_SIDES:
            n = self.count(side)
            if Fraction(n, total) < SIDE_MIN_SHARE:
                found.append(
                    _(
                        "%(side)s side: %(n)s of %(total)s member organisations",
                        side=SIDE_LABELS[side],
                        n=n,
                        total=total,
                    )
                )
        for group in BALANCED_EESC_GROUPS:
            n = self.count(eesc=group)
            if Fraction(n, total) < EESC_MIN_SHARE:
                found.append(
                    _(
                        "%(group)s: %(n)s of %(total)s member organisations",
                        group=EESC_GROUP_LABELS[group],
                        n=n,
                        total=total,
                    )
                )
        return found

    @property
    def unbalanced(self) -> bool:
        return bool(self.problems())


def of_members(members) -> Balance:
    """The balance of a list of member organisations already read (a group's page)."""
    balance = Balance()
    for org in members:
        key = (Side(org.side), EESCGroup(org.eesc_group))
        balance.cells[key] = balance.cells.get(key, 0) + 1
    return balance


def eesc_headers() -> list[str]:
    return [str(EESC_GROUP_LABELS[g]) for g in EESC_ORDER]


def of_groups(group_ids: list[int], viewer) -> dict[int, Balance]:
    """The balance of each group, as the viewer may see its members, in one query."""
    found = {gid: Balance() for gid in group_ids}
    if not group_ids:
        return found
    rows = db.session.execute(
        select(
            Membership.group_id,
            Organisation.side,
            Organisation.eesc_group,
            func.count(Membership.id),
        )
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.group_id.in_(group_ids), _member_clause(viewer))
        .group_by(Membership.group_id, Organisation.side, Organisation.eesc_group)
    )
    for group_id, side, eesc, n in rows:
        found[group_id].cells[(Side(side), EESCGroup(eesc))] = n
    return found
