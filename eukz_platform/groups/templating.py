"""Template filters and globals of the working groups (registered by ``templating.py``)."""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..charts import bar_chart
from ..core.vocabulary import SIDE_LABELS
from . import balance, services
from .announcements import linkify
from .meetings import local_time, zone_name
from .models import Meeting

TIME = "HH:mm"


def date_time_pattern() -> str:
    """A meeting's day and time as the reader's language writes them (a CLDR pattern)."""
    # Translators: a CLDR date pattern: EEEE weekday, d day, MMMM month, y year, HH:mm time.
    # Text between 'quotes' is written as is.
    return _("EEEE d MMMM y, HH:mm")


def linkify_text(text: str | None) -> Markup:
    """Plain text, escaped, with its web addresses as links."""
    return linkify(text)


def meeting_when(meeting: Meeting) -> str:
    """Start and end in the meeting's own time zone, with the zone's name and UTC offset."""
    starts = local_time(meeting.starts_at, meeting.timezone)
    ends = local_time(meeting.ends_at, meeting.timezone)
    date_time = date_time_pattern()
    end_format = TIME if starts.date() == ends.date() else date_time
    return _(
        "%(start)s – %(end)s, %(zone)s time (%(offset)s)",
        start=format_datetime(starts, date_time, rebase=False),
        end=format_datetime(ends, end_format, rebase=False),
        zone=zone_name(meeting.timezone),
        offset=format_datetime(starts, "ZZZZ", rebase=False),
    )


def organisation_memberships(org) -> list:
    """The organisation's memberships the current user may see (its profile page)."""
    return services.organisation_memberships(org, current_user)


def membership_status(status) -> tuple[str, str]:
    """The text of a membership state and the ECL label variant that goes with it."""
    return services.STATUS_LABELS[status], services.STATUS_VARIANTS[status]


def coordinator_role(coordinator) -> str:
    return str(services.COORDINATOR_LABELS.get(coordinator.side, _("Co-chair")))


def side_counts(counts: dict) -> list[tuple[str, int]]:
    """(side label, number) in the order EU, Kazakhstan, other."""
    return [(str(SIDE_LABELS[side]), counts.get(side, 0)) for side in services.SIDE_ORDER]


def side_chart(group, counts: dict) -> Markup:
    """A bar chart of the group's member organisations per side."""
    return bar_chart(
        _("Member organisations of “%(group)s” per side", group=group.title),
        side_counts(counts),
        chart_id=f"sides-{group.slug}",
        description=_("Number of member organisations from the EU, Kazakhstan and elsewhere."),
    )


def group_balance(members) -> balance.Balance:
    """The balance of a group's member organisations shown on its page."""
    return balance.of_members(members)
