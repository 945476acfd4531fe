"""Secretariat console: the dashboard, counts at a glance as charts, tables and CSV files.

Every figure comes from a GROUP BY query, so the page makes the same few SQL statements
however many organisations there are.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, abort, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import case, func, select

from .. import charts
from ..auth.decorators import secretariat_required
from ..core.models import Organisation
from ..core.vocabulary import (
    SIDE_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    OrganisationStatus,
    OrganisationType,
    Side,
    country_name,
)
from ..database import utcnow
from ..extensions import db
from ..groups import balance
from ..groups.models import Membership, MembershipStatus, WorkingGroup
from ..opportunities.models import OUTCOME_LABELS, Opportunity, Outcome
from . import bp

WEEKS = 12
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Figure:
    """One set of counts: drawn as a chart, laid out as a table, downloadable as CSV."""

    name: str
    title: str
    description: str
    chart: str  # "bar" or "column"
    headers: list[str]
    rows: list[list]  # table rows: a label, then the counts
    chart_rows: list[tuple[str, int]]
    csv_headers: list[str]
    csv_rows: list[list] = field(default_factory=list)
    wide: bool = False  # a table too wide to sit beside its chart goes under it

    def svg(self) -> Markup:
        draw = charts.column_chart if self.chart == "column" else charts.bar_chart
        return draw(
            self.title,
            self.chart_rows,
            chart_id=f"chart-{self.name}",
            description=self.description,
        )


def _organisation_counts() -> list[tuple[str, str, str, str, int]]:
    """(side, country, type, status, count): one statement for four figures."""
    return [
        (str(side), country, str(kind), str(status), n)
        for side, country, kind, status, n in db.session.execute(
            select(
                Organisation.side,
                Organisation.country,
                Organisation.type,
                Organisation.status,
                func.count(),
            ).group_by(
                Organisation.side, Organisation.country, Organisation.type, Organisation.status
            )
        )
    ]


def _sum_by(counts, index: int) -> Counter:
    totals: Counter = Counter()
    for row in counts:
        totals[row[index]] += row[-1]
    return totals


def _coded_figure(name, title, description, csv_headers: list[str], rows) -> Figure:
    """A bar chart of (code, label, count) rows: the page shows the labels, the CSV the codes
    too; ``csv_headers`` name the three columns."""
    return Figure(
        name=name,
        title=title,
        description=description,
        chart="bar",
        headers=csv_headers[1:],
        rows=[[label, n] for _code, label, n in rows],
        chart_rows=[(label, n) for _code, label, n in rows],
        csv_headers=csv_headers,
        csv_rows=[[code, label, n] for code, label, n in rows],
    )


def _fixed_figure(name, title, description, heading, totals, labels) -> Figure:
    rows = [(code.value, str(label), totals.get(code.value, 0)) for code, label in labels.items()]
    return _coded_figure(name, title, description, [_("Code"), heading, _("Organisations")], rows)


def _by_country(counts) -> Figure:
    totals = _sum_by(counts, 1)
    rows = sorted(
        ((code, country_name(code), n) for code, n in totals.items()),
        key=lambda row: (-row[2], row[1]),
    )
    return _coded_figure(
        "organisations-by-country",
        _("Organisations by country"),
        _("Registered organisations of every status, by country, most first."),
        [_("Country code"), _("Country"), _("Organisations")],
        rows,
    )


def _memberships_by_group() -> Figure:
    """Active memberships of each group, by the member organisation's side."""
    groups = list(db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.priority)))
    counts = {
        (group_id, str(side)): n
        for group_id, side, n in db.session.execute(
            select(Membership.group_id, Organisation.side, func.count())
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(Membership.status == MembershipStatus.ACTIVE)
            .group_by(Membership.group_id, Organisation.side)
        )
    }
    sides = list(Side)
    rows, chart_rows, csv_rows = [], [], []
    for group in groups:
        title = group.title
        if group.archived_at is not None:
            title = _("%(title)s (archived)", title=title)
        per_side = [counts.get((group.id, side.value), 0) for side in sides]
        label = _("Priority %(n)s: %(title)s", n=group.priority, title=title)
        rows.append([label, *per_side, sum(per_side)])
        csv_rows.append([group.slug, group.priority, title, *per_side, sum(per_side)])
        for side, n in zip(sides, per_side, strict=True):
            if side != Side.OTHER or n:
                chart_rows.append(
                    (f"{_('Priority %(n)s', n=group.priority)} – {SIDE_LABELS[side]}", n)
                )
    return Figure(
        name="memberships-by-group",
        title=_("Active memberships per working group, by side"),
        description=_("Organisations that are active members of each working group, by side."),
        chart="bar",
        headers=[_("Working group"), *(str(SIDE_LABELS[s]) for s in sides), _("Total")],
        rows=rows,
        chart_rows=chart_rows,
        csv_headers=[
            _("Short name"),
            _("Priority"),
            _("Working group"),
            *(str(SIDE_LABELS[s]) for s in sides),
            _("Total"),
        ],
        csv_rows=csv_rows,
        wide=True,
    )


def _week_starts(today: date) -> list[date]:
    """The Mondays of the last WEEKS weeks, oldest first, this week included."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def _registrations_by_week(now: datetime) -> Figure:
    """Organisations registered in each of the last WEEKS weeks (UTC), empty weeks included."""
    starts = _week_starts(now.date())
    bounds = [datetime.combine(day, time.min, tzinfo=UTC) for day in starts]
    week = case(
        *[(Organisation.created_at >= bound, i) for i, bound in reversed(list(enumerate(bounds)))],
        else_=-1,
    ).label("week")
    recent = select(week).where(Organisation.created_at >= bounds[0]).subquery()
    counts = dict(
        db.session.execute(select(recent.c.week, func.count()).group_by(recent.c.week)).all()
    )
    rows = [(day, counts.get(i, 0)) for i, day in enumerate(starts)]
    return Figure(
        name="registrations-by-week",
        title=_("Registrations per week"),
        description=_(
            "Organisations registered in each of the last %(n)s weeks, weeks starting on Monday.",
            n=WEEKS,
        ),
        chart="column",
        headers=[_("Week starting"), _("Organisations")],
        rows=[[format_date(day, "medium"), n] for day, n in rows],
        chart_rows=[(format_date(day, "d MMM"), n) for day, n in rows],
        csv_headers=[_("Week starting"), _("Organisations")],
        csv_rows=[[day.isoformat(), n] for day, n in rows],
    )


def _partner_search_outcomes(now: datetime) -> Figure:
    """Partner search posts: those open, and those closed, by outcome."""
    closed = dict(
        db.session.execute(
            select(Opportunity.outcome, func.count())
            .where(Opportunity.closed_at.is_not(None))
            .group_by(Opportunity.outcome)
        ).all()
    )
    still_open = db.session.scalar(
        select(func.count())
        .select_from(Opportunity)
        .where(Opportunity.closed_at.is_(None), Opportunity.deadline >= now.date())
    )
    rows = [("open", _("Open"), still_open or 0)] + [
        (outcome.value, str(OUTCOME_LABELS[outcome]), closed.get(outcome, 0)) for outcome in Outcome
    ]
    return _coded_figure(
        "partner-search-outcomes",
        _("Partner search posts by outcome"),
        _(
            "Posts open now, and closed posts by the outcome their organisation gave "
            "(or closed at their deadline)."
        ),
        [_("Code"), _("Outcome"), _("Posts")],
        rows,
    )


def figures(now: datetime | None = None) -> dict[str, Figure]:
    """Every figure of the dashboard, by name, in the order the page shows them."""
    counts = _organisation_counts()
    shown = [
        _fixed_figure(
            "organisations-by-side",
            _("Organisations by side"),
            _("Registered organisations of every status, by side."),
            _("Side"),
            _sum_by(counts, 0),
            SIDE_LABELS,
        ),
        _by_country(counts),
        _fixed_figure(
            "organisations-by-type",
            _("Organisations by type"),
            _("Registered organisations of every status, by type of organisation."),
            _("Type of organisation"),
            _sum_by(counts, 2),
            {t: TYPE_LABELS[t] for t in OrganisationType},
        ),
        _fixed_figure(
            "organisations-by-status",
            _("Organisations by status"),
            _("Registered organisations by verification status."),
            _("Status"),
            _sum_by(counts, 3),
            {s: STATUS_LABELS[s] for s in OrganisationStatus},
        ),
        _memberships_by_group(),
        _registrations_by_week(now or utcnow()),
        _partner_search_outcomes(now or utcnow()),
    ]
    return {figure.name: figure for figure in shown}


def totals(shown: dict[str, Figure]) -> dict[str, int]:
    """The headline numbers, taken from the figures (no more queries)."""
    by_status = {row[0]: row[-1] for row in shown["organisations-by-status"].csv_rows}
    return {
        "organisations": sum(by_status.values()),
        "verified": by_status.get(OrganisationStatus.VERIFIED.value, 0),
        "pending": by_status.get(OrganisationStatus.PENDING.value, 0),
        "memberships": sum(row[-1] for row in shown["memberships-by-group"].rows),
    }


def csv_safe(value) -> str | int:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(figure: Figure) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_safe(str(h)) for h in figure.csv_headers])
    for row in figure.csv_rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def group_balances(viewer) -> list[tuple[WorkingGroup, balance.Balance]]:
    """Every current working group with the balance of its membership (groups/balance.py)."""
    groups = list(
        db.session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.archived_at.is_(None))
            .order_by(WorkingGroup.priority, WorkingGroup.id)
        )
    )
    found = balance.of_groups([g.id for g in groups], viewer)
    return [(g, found[g.id]) for g in groups]


@bp.get("/dashboard")
@secretariat_required
def dashboard():
    shown = figures()
    balances = group_balances(current_user)
    return render_template(
        "admin/dashboard.html",
        figures=list(shown.values()),
        totals=totals(shown),
        balances=balances,
        unbalanced=[(g, b) for g, b in balances if b.unbalanced],
        balance_rule=balance.rule_text(),
    )


@bp.get("/dashboard/<name>.csv")
@secretariat_required
def dashboard_csv(name: str):
    figure = figures().get(name)
    if figure is None:
        abort(404)
    stamp = utcnow().date().isoformat()
    return Response(
        "\ufeff" + to_csv(figure),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{figure.name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
