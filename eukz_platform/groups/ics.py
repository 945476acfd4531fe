"""iCalendar (RFC 5545) files: one meeting, or a group's feed of meetings.

Start and end are written in the meeting's own time zone (with its VTIMEZONE), so calendars
show the right local time; a cancelled meeting is kept with ``STATUS:CANCELLED`` so that
calendars which had it remove it. Each meeting's UID never changes.

A meeting's online link is written only for the meetings in ``with_link`` (those whose link
the reader may see: visibility.can_see_meeting_link); the others say that the link is sent to
registered participants. A group's public feed never has the links; a person's private feed
(private_feed.py) has those they may see.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _
from icalendar import Calendar, Event

from ..database import utcnow
from ..links import site_url
from .meetings import local_time
from .models import Meeting, MeetingMode, WorkingGroup

PRODID = "-//EU-Kazakhstan Civil Society Platform//Working groups//EN"
UID_DOMAIN = "eukz-civil-society-platform"


def meeting_uid(meeting: Meeting) -> str:
    """Stable for the meeting's life: its id and when it was created."""
    return f"meeting-{meeting.id}-{int(meeting.created_at.timestamp())}@{UID_DOMAIN}"


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def link_withheld() -> str:
    """What a reader who may not see a meeting's online link is told instead."""
    return _("Online — the link is sent to registered participants.")


def _event(meeting: Meeting, group: WorkingGroup, show_link: bool) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", utcnow())
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("summary", meeting.local_title)
    event.add("dtstart", local_time(meeting.starts_at, meeting.timezone))
    event.add("dtend", local_time(meeting.ends_at, meeting.timezone))
    event.add("status", "CANCELLED" if meeting.cancelled_at else "CONFIRMED")
    page = site_url("groups.meeting", slug=group.slug, meeting_id=meeting.id)
    event.add("url", page)
    online = meeting.mode != MeetingMode.IN_PERSON
    if meeting.mode != MeetingMode.ONLINE and meeting.place:
        event.add("location", meeting.place)
    elif show_link and meeting.online_url:
        event.add("location", meeting.online_url)
    elif meeting.mode == MeetingMode.ONLINE:
        event.add("location", link_withheld())
    description = [group.title]
    if online and show_link and meeting.online_url:
        description.append(meeting.online_url)
    elif online and not show_link:
        description.append(link_withheld())
    if meeting.local_agenda:
        description.append(meeting.local_agenda)
    description.append(page)
    event.add("description", "\n\n".join(description))
    return event


def _serialise(cal: Calendar) -> bytes:
    cal.add_missing_timezones()
    return cal.to_ical()


def meeting_calendar(meeting: Meeting, show_link: bool) -> bytes:
    """One meeting as an .ics file, with its online link if ``show_link``."""
    cal = _calendar()
    cal.add_component(_event(meeting, meeting.group, show_link))
    return _serialise(cal)


def group_feed(group: WorkingGroup, meetings: list[Meeting]) -> bytes:
    """The group's meetings as a calendar anyone may subscribe to: without the online links."""
    cal = _calendar(group.title)
    for meeting in meetings:
        cal.add_component(_event(meeting, group, show_link=False))
    return _serialise(cal)


def private_feed(name: str, meetings: list[Meeting], with_link: Collection[int]) -> bytes:
    """A person's meetings (private_feed.py), with the online links of those in ``with_link``."""
    cal = _calendar(name)
    for meeting in meetings:
        cal.add_component(_event(meeting, meeting.group, meeting.id in with_link))
    return _serialise(cal)
