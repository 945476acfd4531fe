"""Calendar files: one .ics per meeting and an iCalendar feed per group, read back with the
``icalendar`` package."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import Meeting

from .factories import login
from .test_groups_support import (
    make_coordinator,
    make_group,
    make_meeting,
)

YEAR = utcnow().year + 1


def events_of(response):
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.get_data())
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    return cal, cal.walk("VEVENT")


def setup(app):
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus group")
        make_coordinator(group, email="chair@eu.example")
        almaty = make_meeting(
            group,
            title="Almaty round table",
            starts_at=datetime(YEAR, 6, 3, 5, 0, tzinfo=UTC),
            ends_at=datetime(YEAR, 6, 3, 7, 30, tzinfo=UTC),
            timezone="Asia/Almaty",
            place="Almaty, Abai Avenue 10",
            agenda="1. Welcome",
        )
        online = make_meeting(
            group,
            title="Online check-in",
            starts_at=datetime(YEAR, 7, 1, 12, 0, tzinfo=UTC),
            ends_at=datetime(YEAR, 7, 1, 13, 0, tzinfo=UTC),
            timezone="UTC",
            mode="online",
            place=None,
            online_url="https://meet.example.org/erasmus",
        )
        cancelled = make_meeting(group, title="Called off", cancelled_at=utcnow())
        make_meeting(make_group(slug="other", priority=4), title="Another group's meeting")
        return almaty.id, online.id, cancelled.id


def test_a_meeting_downloads_as_an_ics_file_in_its_own_time_zone(app, client):
    almaty_id, _, _ = setup(app)
    r = client.get(f"/working-groups/erasmus/meetings/{almaty_id}.ics")
    assert "attachment" in r.headers["Content-Disposition"]
    cal, [event] = events_of(r)
    assert str(event["SUMMARY"]) == "Almaty round table"
    assert event["DTSTART"].params["TZID"] == "Asia/Almaty"
    start = event.decoded("DTSTART")
    assert start == datetime(YEAR, 6, 3, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    assert start.astimezone(UTC) == datetime(YEAR, 6, 3, 5, 0, tzinfo=UTC)
    assert event.decoded("DTEND").astimezone(UTC) == datetime(YEAR, 6, 3, 7, 30, tzinfo=UTC)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Almaty"]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Almaty, Abai Avenue 10"
    assert "1. Welcome" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/working-groups/erasmus/meetings/{almaty_id}")


def test_a_utc_meeting_is_written_in_utc_with_its_link(app, client):
    _, online_id, _ = setup(app)
    _, [event] = events_of(client.get(f"/working-groups/erasmus/meetings/{online_id}.ics"))
    assert event.decoded("DTSTART") == datetime(YEAR, 7, 1, 12, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0
    # The link is for the group's members: a visitor's file says where it goes instead.
    assert str(event["LOCATION"]) == "Online — the link is sent to registered participants."
    assert "meet.example.org" not in str(event["DESCRIPTION"])
    login(client, "chair@eu.example")
    _, [event] = events_of(client.get(f"/working-groups/erasmus/meetings/{online_id}.ics"))
    assert str(event["LOCATION"]) == "https://meet.example.org/erasmus"


def test_the_uid_stays_the_same_when_the_meeting_changes(app, client):
    almaty_id, _, _ = setup(app)
    path = f"/working-groups/erasmus/meetings/{almaty_id}.ics"
    _, [before] = events_of(client.get(path))
    login(client, "chair@eu.example")
    client.post(
        f"/working-groups/erasmus/meetings/{almaty_id}/edit",
        data={
            "title": "Almaty round table, moved",
            "timezone": "Asia/Almaty",
            "starts_at": f"{YEAR}-06-04T10:00",
            "ends_at": f"{YEAR}-06-04T12:00",
            "mode": "in_person",
            "place": "Almaty",
        },
    )
    _, [after] = events_of(client.get(path))
    assert str(after["SUMMARY"]) == "Almaty round table, moved"
    assert str(after["UID"]) == str(before["UID"])
    _, [again] = events_of(client.get(path))
    assert str(again["UID"]) == str(before["UID"])


def test_a_cancelled_meeting_stays_in_the_calendar_as_cancelled(app, client):
    almaty_id, _, cancelled_id = setup(app)
    _, [event] = events_of(client.get(f"/working-groups/erasmus/meetings/{cancelled_id}.ics"))
    assert str(event["STATUS"]) == "CANCELLED"
    login(client, "chair@eu.example")
    client.post(f"/working-groups/erasmus/meetings/{almaty_id}/cancel")
    _, [event] = events_of(client.get(f"/working-groups/erasmus/meetings/{almaty_id}.ics"))
    assert str(event["STATUS"]) == "CANCELLED"


def test_the_group_feed_has_every_meeting_of_the_group(app, client):
    almaty_id, online_id, cancelled_id = setup(app)
    cal, events = events_of(client.get("/working-groups/erasmus/meetings.ics"))
    assert str(cal["X-WR-CALNAME"]) == "Erasmus group"
    by_summary = {str(e["SUMMARY"]): e for e in events}
    assert set(by_summary) == {"Almaty round table", "Online check-in", "Called off"}
    assert str(by_summary["Called off"]["STATUS"]) == "CANCELLED"
    uids = {str(e["UID"]) for e in events}
    assert len(uids) == 3
    _, [single] = events_of(client.get(f"/working-groups/erasmus/meetings/{almaty_id}.ics"))
    assert str(single["UID"]) in uids
    with app.app_context():
        assert db.session.get(Meeting, online_id).group.slug == "erasmus"
    assert client.get("/working-groups/nowhere/meetings.ics").status_code == 404
