"""Meetings of a working group: scheduled by its co-chairs, with registrations.

Times are entered in the meeting's own time zone, stored in UTC and shown in that zone
again. A meeting with a capacity keeps a waiting list: when it is full new registrations
wait, and when someone cancels the first one waiting moves up.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import get_timezone, get_timezone_location
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import audit, mailing
from ..auth.models import User
from ..core.models import Organisation
from ..core.vocabulary import OrganisationStatus
from ..database import locked, owned_or_404, utcnow
from ..errors import Conflict, DomainError, unique_or
from ..extensions import db
from ..links import site_url
from . import notifications
from .membership import NotAllowed, can_moderate, is_coordinator
from .models import (
    Meeting,
    MeetingMode,
    MeetingRegistration,
    Membership,
    MembershipStatus,
    RegistrationStatus,
    WorkingGroup,
)

logger = logging.getLogger(__name__)

# The zones offered when scheduling: the EU's capitals, Kazakhstan's zones and its
# neighbours in Central Asia, and UTC. Brussels first, the EESC's home.
TIMEZONES = (
    "Europe/Brussels",
    "Asia/Almaty",
    "Asia/Qostanay",
    "Asia/Aqtobe",
    "Asia/Aqtau",
    "Asia/Atyrau",
    "Asia/Oral",
    "Asia/Qyzylorda",
    "Asia/Bishkek",
    "Asia/Dushanbe",
    "Asia/Ashgabat",
    "Asia/Tashkent",
    "Europe/Amsterdam",
    "Europe/Athens",
    "Europe/Berlin",
    "Europe/Bratislava",
    "Europe/Bucharest",
    "Europe/Budapest",
    "Europe/Copenhagen",
    "Europe/Dublin",
    "Europe/Helsinki",
    "Europe/Lisbon",
    "Europe/Ljubljana",
    "Europe/Luxembourg",
    "Europe/Madrid",
    "Europe/Malta",
    "Europe/Paris",
    "Europe/Prague",
    "Europe/Riga",
    "Europe/Rome",
    "Europe/Sofia",
    "Europe/Stockholm",
    "Europe/Tallinn",
    "Europe/Vienna",
    "Europe/Vilnius",
    "Europe/Warsaw",
    "Europe/Zagreb",
    "Asia/Nicosia",
    "UTC",
)
DEFAULT_TIMEZONE = TIMEZONES[0]


class BadTimes(DomainError, status=422):
    """The meeting's start or end cannot be accepted."""


class MeetingInPast(BadTimes, field="starts_at"):
    """A meeting cannot be scheduled to start in the past."""

    message = _l("The meeting cannot start in the past.")


class EndsBeforeStart(BadTimes, field="ends_at"):
    """A meeting must end after it starts."""

    message = _l("The end must be after the start.")


class MeetingCancelled(Conflict, category="info"):
    """The meeting is cancelled: it cannot be changed."""

    message = _l("This meeting is cancelled and can no longer be changed.")


class RegistrationClosed(Conflict):
    """The meeting takes no registrations (cancelled, not open, or already started)."""

    message = _l("This meeting takes no registrations.")


class AlreadyRegistered(Conflict, category="info"):
    """The user is already registered or on the waiting list."""

    message = _l("You are already registered for this meeting.")


class NotRegistered(Conflict, category="info"):
    """The user has no registration to cancel."""

    message = _l("You are not registered for this meeting.")


def zone_name(timezone: str) -> str:
    """A time zone as the reader's language names its city ("Almaty", "Алматы"); UTC as is."""
    return get_timezone_location(
        get_timezone(timezone), locale=get_locale() or "en", return_city=True
    )


def timezone_choices() -> list[tuple[str, str]]:
    """(IANA name, its city's name) for the zones this system knows, in the order above."""
    known = available_timezones() | {"UTC"}
    return [(name, zone_name(name)) for name in TIMEZONES if name in known]


def to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time in the given zone, as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_time(moment: datetime, timezone: str) -> datetime:
    """A stored UTC time in the meeting's zone."""
    return moment.astimezone(ZoneInfo(timezone))


@dataclass
class MeetingData:
    """What a co-chair enters; start and end are wall-clock times in ``timezone``."""

    title: str
    starts_local: datetime
    ends_local: datetime
    timezone: str
    mode: MeetingMode
    place: str | None = None
    online_url: str | None = None
    agenda: str | None = None
    capacity: int | None = None
    registration_open: bool = False
    title_ru: str | None = None
    title_kk: str | None = None
    agenda_ru: str | None = None
    agenda_kk: str | None = None


def get_or_404(group: WorkingGroup, meeting_id: int) -> Meeting:
    return owned_or_404(db.session, Meeting, meeting_id, group_id=group.id)


def of_group(group: WorkingGroup) -> list[Meeting]:
    """Every meeting of the group, cancelled ones included, by start."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.group_id == group.id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def _times(data: MeetingData, previous_start: datetime | None) -> tuple[datetime, datetime]:
    if data.timezone not in TIMEZONES:
        raise ValueError(f"unknown time zone {data.timezone!r}")
    starts = to_utc(data.starts_local, data.timezone)
    ends = to_utc(data.ends_local, data.timezone)
    if ends <= starts:
        raise EndsBeforeStart()
    if starts != previous_start and starts <= utcnow():
        raise MeetingInPast()
    return starts, ends


# What a meeting's audit entries keep of it.
AUDITED = (
    "title",
    "title_ru",
    "title_kk",
    "starts_at",
    "ends_at",
    "timezone",
    "mode",
    "place",
    "online_url",
    "capacity",
    "registration_open",
    "cancelled_at",
)


def _apply(meeting: Meeting, data: MeetingData, starts: datetime, ends: datetime) -> None:
    meeting.title = data.title.strip()
    meeting.starts_at = starts
    meeting.ends_at = ends
    meeting.timezone = data.timezone
    meeting.mode = MeetingMode(data.mode)
    meeting.place = data.place or None
    meeting.online_url = data.online_url or None
    meeting.agenda = data.agenda or None
    meeting.capacity = data.capacity or None
    meeting.registration_open = bool(data.registration_open)
    for locale in ("ru", "kk"):
        title = (getattr(data, f"title_{locale}") or "").strip()
        setattr(meeting, f"title_{locale}", title or None)
        setattr(meeting, f"agenda_{locale}", getattr(data, f"agenda_{locale}") or None)


def _require_moderator(by: User, group: WorkingGroup) -> None:
    if not can_moderate(by, group):
        raise NotAllowed()


def _record(
    by: User, action: str, meeting: Meeting, group: WorkingGroup, before: dict | None
) -> None:
    """The audit entry of a change to a meeting, with its values before and after."""
    audit.record(
        by,
        f"meeting.{action}",
        "meeting",
        meeting.id,
        f"{group.slug}: {meeting.title}",
        before,
        audit.values(meeting, AUDITED),
    )


def _cancelled_now(meeting: Meeting) -> bool:
    """Whether the meeting is cancelled, read with its row locked: a change made at the same
    moment as a cancellation (or a second cancellation) waits for it, then finds it."""
    return locked(db.session, meeting) is None or meeting.cancelled_at is not None


def create(group: WorkingGroup, by: User, data: MeetingData) -> Meeting:
    """A co-chair schedules a meeting; subscribers are mailed after the commit."""
    _require_moderator(by, group)
    starts, ends = _times(data, None)
    meeting = Meeting(group_id=group.id, created_by_id=by.id)
    _apply(meeting, data, starts, ends)
    db.session.add(meeting)
    db.session.flush()
    _record(by, "create", meeting, group, None)
    db.session.commit()
    notifications.meeting_scheduled(meeting, group)
    return meeting


def update(meeting: Meeting, by: User, data: MeetingData) -> Meeting:
    """A co-chair changes a meeting; a larger capacity lets people on the waiting list in."""
    _require_moderator(by, meeting.group)
    if _cancelled_now(meeting):
        raise MeetingCancelled()
    starts, ends = _times(data, meeting.starts_at)
    before = audit.values(meeting, AUDITED)
    _apply(meeting, data, starts, ends)
    promoted = _fill_from_waiting_list(meeting)
    _record(by, "update", meeting, meeting.group, before)
    db.session.commit()
    for registration in promoted:
        _tell_promoted(registration)
    return meeting


def cancel(meeting: Meeting, by: User) -> Meeting:
    """A co-chair cancels a meeting; those registered are mailed after the commit."""
    _require_moderator(by, meeting.group)
    if _cancelled_now(meeting):
        raise MeetingCancelled(_("This meeting was already cancelled."))
    before = audit.values(meeting, AUDITED)
    meeting.cancelled_at = utcnow()
    _record(by, "cancel", meeting, meeting.group, before)
    db.session.commit()
    for user in _to_tell_of_cancellation(meeting):
        _mail(
            user,
            lambda: _("Cancelled: %(title)s", title=meeting.local_title),
            "group_meeting_cancelled",
            meeting,
        )
    return meeting


def _to_tell_of_cancellation(meeting: Meeting) -> list[User]:
    """The people registered or waiting, with an active account."""
    return [r.user for r in registrations(meeting) if r.user.active]


def cancellation_audience(meeting: Meeting, by: User) -> tuple[int, int]:
    """Who ``cancel`` would tell, for the co-chair to confirm first: the number of people
    registered or waiting (with an active account), and of their organisations."""
    _require_moderator(by, meeting.group)
    people = _to_tell_of_cancellation(meeting)
    organisations = {user.organisation_id for user in people if user.organisation_id}
    return len(people), len(organisations)


# Registrations --------------------------------------------------------------------------


def can_register(user: User | None, group: WorkingGroup) -> bool:
    """Users of the group's verified member organisations, and its co-chairs."""
    if user is None or not user.is_authenticated:
        return False
    if is_coordinator(user, group):
        return True
    if not user.organisation_id:
        return False
    return (
        db.session.scalar(
            select(Membership.id)
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(
                Membership.organisation_id == user.organisation_id,
                Membership.group_id == group.id,
                Membership.status == MembershipStatus.ACTIVE,
                Organisation.status == OrganisationStatus.VERIFIED,
            )
        )
        is not None
    )


def attendance_choices(meeting: Meeting) -> list[MeetingMode]:
    """How one can attend: in person, online, or either for a hybrid meeting."""
    if meeting.mode == MeetingMode.HYBRID:
        return [MeetingMode.IN_PERSON, MeetingMode.ONLINE]
    return [meeting.mode]


def is_open_for_registration(meeting: Meeting) -> bool:
    return (
        meeting.registration_open and meeting.cancelled_at is None and meeting.starts_at > utcnow()
    )


def _lock(meeting: Meeting) -> None:
    """Serialise registrations of one meeting, so two people cannot both take the last place."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def _registered_count(meeting: Meeting) -> int:
    return db.session.scalar(
        select(func.count(MeetingRegistration.id)).where(
            MeetingRegistration.meeting_id == meeting.id,
            MeetingRegistration.status == RegistrationStatus.REGISTERED,
        )
    )


def _registration_of(meeting: Meeting, user: User) -> MeetingRegistration | None:
    return db.session.scalar(
        select(MeetingRegistration).where(
            MeetingRegistration.meeting_id == meeting.id, MeetingRegistration.user_id == user.id
        )
    )


def register(meeting: Meeting, user: User, attendance: str) -> MeetingRegistration:
    """Register for a meeting, or join its waiting list when it is full."""
    if not can_register(user, meeting.group):
        raise NotAllowed()
    if meeting.cancelled_at is not None or not is_open_for_registration(meeting):
        raise RegistrationClosed()
    mode = MeetingMode(attendance)
    if mode not in attendance_choices(meeting):
        raise ValueError(f"attendance {attendance!r} does not fit a {meeting.mode} meeting")
    _lock(meeting)
    if _registration_of(meeting, user) is not None:
        db.session.rollback()
        raise AlreadyRegistered()
    full = meeting.capacity is not None and _registered_count(meeting) >= meeting.capacity
    registration = MeetingRegistration(
        meeting_id=meeting.id,
        user_id=user.id,
        attendance=mode,
        status=RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED,
    )
    db.session.add(registration)
    with unique_or(AlreadyRegistered):
        db.session.commit()
    return registration


def unregister(meeting: Meeting, user: User) -> MeetingRegistration | None:
    """Cancel one's registration; returns the registration that moved up from the waiting
    list, if any (its person is mailed after the commit)."""
    _lock(meeting)
    registration = _registration_of(meeting, user)
    if registration is None:
        db.session.rollback()
        raise NotRegistered()
    db.session.delete(registration)
    db.session.flush()
    promoted = _fill_from_waiting_list(meeting)
    db.session.commit()
    for moved in promoted:
        _tell_promoted(moved)
    return promoted[0] if promoted else None


def _fill_from_waiting_list(meeting: Meeting) -> list[MeetingRegistration]:
    """Move people up from the waiting list, first come first served, while there is room."""
    waiting = list(
        db.session.scalars(
            select(MeetingRegistration)
            .where(
                MeetingRegistration.meeting_id == meeting.id,
                MeetingRegistration.status == RegistrationStatus.WAITING,
            )
            .order_by(MeetingRegistration.created_at, MeetingRegistration.id)
        )
    )
    if not waiting:
        return []
    room = len(waiting)
    if meeting.capacity is not None:
        room = max(0, meeting.capacity - _registered_count(meeting))
    promoted = waiting[:room]
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
    return promoted


def _tell_promoted(registration: MeetingRegistration) -> None:
    meeting = registration.meeting
    _mail(
        registration.user,
        lambda: _("You have a place at “%(title)s”", title=meeting.local_title),
        "group_registration_promoted",
        meeting,
    )


def _mail(user: User, subject, template: str, meeting: Meeting) -> None:
    """A mail about a meeting, with the link to its page."""
    mailing.send(
        user,
        subject,
        template,
        meeting=meeting,
        group=meeting.group,
        link=site_url("groups.meeting", slug=meeting.group.slug, meeting_id=meeting.id),
    )


def registrations(meeting: Meeting) -> list[MeetingRegistration]:
    """Everyone registered, then the waiting list, each in the order they came."""
    order = {RegistrationStatus.REGISTERED: 0, RegistrationStatus.WAITING: 1}
    rows = db.session.scalars(
        select(MeetingRegistration)
        .where(MeetingRegistration.meeting_id == meeting.id)
        .options(joinedload(MeetingRegistration.user).joinedload(User.organisation))
        .order_by(MeetingRegistration.created_at, MeetingRegistration.id)
    ).all()
    return sorted(rows, key=lambda r: order[r.status])


def attendees(meeting: Meeting, by: User) -> list[MeetingRegistration]:
    """The attendee list, for the group's co-chairs and the secretariat."""
    _require_moderator(by, meeting.group)
    return registrations(meeting)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula: risky text gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def attendees_csv(meeting: Meeting, by: User) -> str:
    """The attendee list as CSV (UTF-8 with a byte order mark, for spreadsheets)."""
    rows = attendees(meeting, by)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Name"),
            _("Email"),
            _("Organisation"),
            _("Country"),
            _("Attendance"),
            _("Status"),
            _("Registered at (UTC)"),
        ]
    )
    for r in rows:
        org = r.user.organisation
        writer.writerow(
            [
                csv_safe(r.user.full_name),
                csv_safe(r.user.email),
                csv_safe(org.name if org else ""),
                csv_safe(org.country if org else ""),
                csv_safe(r.attendance.value),
                csv_safe(r.status.value),
                r.created_at.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out.getvalue()
