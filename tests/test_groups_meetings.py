"""Meetings: scheduled by co-chairs in the meeting's own time zone, with registrations,
a waiting list and the attendee list as CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups import meetings
from eukz_platform.groups.models import (
    Meeting,
    MeetingRegistration,
    RegistrationStatus,
    WorkingGroup,
)

from .factories import login, make_org, make_user
from .test_groups_support import (
    VERIFIED,
    add_member,
    count,
    make_admin,
    make_coordinator,
    make_group,
    make_meeting,
)

NEXT_YEAR = utcnow().year + 1


def meeting_form(**overrides):
    data = {
        "title": "Round table in Almaty",
        "timezone": "Asia/Almaty",
        "starts_at": f"{NEXT_YEAR}-06-03T10:00",
        "ends_at": f"{NEXT_YEAR}-06-03T12:30",
        "mode": "hybrid",
        "place": "Almaty, Abai Avenue 10",
        "online_url": "https://meet.example.org/almaty",
        "agenda": "1. Welcome\n2. Erasmus",
        "registration_open": "y",
        "capacity": "2",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def setup(app):
    with app.app_context():
        group = make_group(slug="erasmus")
        other = make_group(slug="raw-materials-mou", priority=2)
        make_coordinator(group, "eu", email="chair@eu.example")
        make_coordinator(other, "kz", email="chair@other.example")
        member = add_member(group, name="Member Org")
        make_admin(org=member, email="admin@member.example")
        for n in range(1, 4):
            make_user(org=member, email=f"m{n}@member.example", full_name=f"Member {n}")
        make_user(org=make_org(status=VERIFIED), email="someone@else.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        return group.id


def only_meeting():
    return db.session.scalar(db.select(Meeting))


# Scheduling -----------------------------------------------------------------------------


def test_a_co_chair_schedules_a_meeting_in_its_own_time_zone(app, client):
    setup(app)
    login(client, "chair@eu.example")
    page = client.get("/working-groups/erasmus/meetings/new").get_data(as_text=True)
    assert '<option selected value="Europe/Brussels">' in page
    assert 'value="Asia/Almaty"' in page and 'value="Asia/Qostanay"' in page
    r = client.post("/working-groups/erasmus/meetings/new", data=meeting_form())
    assert r.status_code == 302
    with app.app_context():
        meeting = only_meeting()
        # Almaty is UTC+5: 10:00 there is 05:00 UTC.
        assert meeting.starts_at == datetime(NEXT_YEAR, 6, 3, 5, 0, tzinfo=UTC)
        assert meeting.ends_at == datetime(NEXT_YEAR, 6, 3, 7, 30, tzinfo=UTC)
        assert meeting.timezone == "Asia/Almaty" and meeting.capacity == 2
        assert db.session.scalar(db.select(AuditEntry.action)) == "meeting.create"
        assert r.headers["Location"] == f"/working-groups/erasmus/meetings/{meeting.id}"
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "10:00 – 12:30, Almaty time (GMT+05:00)" in html
    assert 'href="https://meet.example.org/almaty"' in html and "Almaty, Abai Avenue 10" in html


def test_brussels_times_follow_summer_time(app, client):
    setup(app)
    login(client, "chair@eu.example")
    client.post(
        "/working-groups/erasmus/meetings/new",
        data=meeting_form(
            timezone="Europe/Brussels",
            starts_at=f"{NEXT_YEAR}-07-01T14:00",
            ends_at=f"{NEXT_YEAR}-07-01T16:00",
        ),
    )
    with app.app_context():
        assert only_meeting().starts_at == datetime(NEXT_YEAR, 7, 1, 12, 0, tzinfo=UTC)


def test_a_meeting_in_the_past_is_refused_beside_the_start(app, client):
    setup(app)
    login(client, "chair@eu.example")
    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/working-groups/erasmus/meetings/new",
        data=meeting_form(timezone="UTC", starts_at=yesterday, ends_at=f"{NEXT_YEAR}-01-01T10:00"),
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="starts_at-error"' in html and "cannot start in the past" in html
    with app.app_context():
        assert count(Meeting) == 0


def test_an_end_before_the_start_is_refused_beside_the_end(app, client):
    setup(app)
    login(client, "chair@eu.example")
    r = client.post(
        "/working-groups/erasmus/meetings/new",
        data=meeting_form(ends_at=f"{NEXT_YEAR}-06-03T09:00"),
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    error = html[html.index('id="ends_at-error"') :][:1500]
    assert "The end must be after the start." in error
    assert 'value="Round table in Almaty"' in html
    with app.app_context():
        assert count(Meeting) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"mode": "in_person", "place": ""}, "place", "Say where the meeting takes place."),
        ({"mode": "online", "online_url": ""}, "online_url", "Give the link to join online."),
        ({"online_url": "javascript://x.org/%0aalert(1)"}, "online_url", "https://"),
        ({"starts_at": "tomorrow"}, "starts_at", "Not a valid datetime value"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Not a valid choice"),
        ({"capacity": "0"}, "capacity", "from 1"),
    ],
)
def test_bad_meeting_input_is_refused_beside_the_field(app, client, overrides, field, message):
    setup(app)
    login(client, "chair@eu.example")
    r = client.post("/working-groups/erasmus/meetings/new", data=meeting_form(**overrides))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in html[html.index(f'id="{field}-error"') :][:1500]
    with app.app_context():
        assert count(Meeting) == 0


def test_a_co_chair_edits_a_meeting_and_more_places_let_the_waiting_list_in(app, client, outbox):
    setup(app)
    with app.app_context():
        meeting = make_meeting(
            only_group(),
            registration_open=True,
            capacity=1,
            timezone="Asia/Almaty",
        )
        meeting_id = meeting.id
    _register(app, "m1@member.example", meeting_id)
    _register(app, "m2@member.example", meeting_id)
    login(client, "chair@eu.example")
    page = client.get(f"/working-groups/erasmus/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert 'value="Kick-off meeting"' in page and '<option selected value="Asia/Almaty">' in page
    r = client.post(
        f"/working-groups/erasmus/meetings/{meeting_id}/edit",
        data=meeting_form(title="Kick-off, moved", capacity="5"),
    )
    assert r.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.title == "Kick-off, moved"
        assert meeting.starts_at == datetime(NEXT_YEAR, 6, 3, 5, 0, tzinfo=UTC)
        statuses = {r.user.email: r.status for r in meetings.registrations(meeting)}
        assert statuses == {
            "m1@member.example": RegistrationStatus.REGISTERED,
            "m2@member.example": RegistrationStatus.REGISTERED,
        }
        assert count(AuditEntry, AuditEntry.action == "meeting.update") == 1
    assert [m.to for m in outbox] == [["m2@member.example"]]


def test_an_edit_cannot_move_a_meeting_into_the_past(app, client):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group()).id
    login(client, "chair@eu.example")
    r = client.post(
        f"/working-groups/erasmus/meetings/{meeting_id}/edit",
        data=meeting_form(starts_at="2020-01-01T10:00", ends_at="2020-01-01T12:00"),
    )
    assert r.status_code == 422 and "cannot start in the past" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).starts_at.year > 2020


def test_a_co_chair_cancels_a_meeting_and_those_registered_are_told(app, client, outbox):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True).id
    _register(app, "m1@member.example", meeting_id)
    login(client, "chair@eu.example")
    # The meeting's page leads to a confirmation that says who will be told; nothing yet.
    page = client.get(f"/working-groups/erasmus/meetings/{meeting_id}").get_data(as_text=True)
    assert f'href="/working-groups/erasmus/meetings/{meeting_id}/cancel"' in page
    confirm = client.get(f"/working-groups/erasmus/meetings/{meeting_id}/cancel")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "1 person registered or on the waiting list will be told by email" in html
    assert "They belong to 1 organisation." in html
    assert 'method="post"' in html and 'name="csrf_token"' in html
    assert outbox == []
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).cancelled_at is None
    r = client.post(f"/working-groups/erasmus/meetings/{meeting_id}/cancel")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).cancelled_at is not None
        assert count(AuditEntry, AuditEntry.action == "meeting.cancel") == 1
    assert outbox[-1].to == ["m1@member.example"] and "Cancelled" in outbox[-1].subject
    html = client.get(f"/working-groups/erasmus/meetings/{meeting_id}").get_data(as_text=True)
    assert "This meeting is cancelled." in html and "Edit the meeting" not in html
    r = client.get(f"/working-groups/erasmus/meetings/{meeting_id}/edit")
    assert r.status_code == 302
    member = app.test_client()
    login(member, "m2@member.example")
    member.post(
        f"/working-groups/erasmus/meetings/{meeting_id}/register", data={"attendance": "in_person"}
    )
    with app.app_context():
        assert count(MeetingRegistration) == 1


# Who may schedule -----------------------------------------------------------------------


def only_group():
    return db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))


@pytest.mark.parametrize(
    "email",
    [
        "someone@else.example",  # a member of another organisation
        "m1@member.example",  # a plain member of a member organisation
        "admin@member.example",
        "chair@other.example",  # a co-chair of another group
    ],
)
def test_only_the_groups_co_chairs_schedule_edit_cancel_and_see_attendees(app, client, email):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), title="Unchanged").id
    login(client, email)
    base = "/working-groups/erasmus/meetings"
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/new", data=meeting_form()).status_code == 403
    assert client.get(f"{base}/{meeting_id}/edit").status_code == 403
    assert client.post(f"{base}/{meeting_id}/edit", data=meeting_form()).status_code == 403
    assert client.post(f"{base}/{meeting_id}/cancel").status_code == 403
    assert client.get(f"{base}/{meeting_id}/attendees.csv").status_code == 403
    html = client.get(f"{base}/{meeting_id}").get_data(as_text=True)
    assert "Edit the meeting" not in html and "Attendees" not in html
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert count(Meeting) == 1 and meeting.title == "Unchanged"
        assert meeting.cancelled_at is None and count(AuditEntry) == 0


def test_visitors_are_sent_to_log_in(app, client):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True).id
    base = "/working-groups/erasmus/meetings"
    for r in (
        client.get(f"{base}/new"),
        client.post(f"{base}/new", data=meeting_form()),
        client.get(f"{base}/{meeting_id}/edit"),
        client.post(f"{base}/{meeting_id}/cancel"),
        client.get(f"{base}/{meeting_id}/attendees.csv"),
        client.post(f"{base}/{meeting_id}/register", data={"attendance": "in_person"}),
        client.post(f"{base}/{meeting_id}/unregister"),
    ):
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    html = client.get(f"{base}/{meeting_id}").get_data(as_text=True)
    assert "can register once logged in" in html


# Registrations --------------------------------------------------------------------------


def _register(app, email, meeting_id, attendance="in_person"):
    c = app.test_client()
    login(c, email)
    return c.post(
        f"/working-groups/erasmus/meetings/{meeting_id}/register",
        data={"attendance": attendance},
    )


def test_registrations_fill_the_places_then_a_waiting_list_that_moves_up(app, outbox):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(
            only_group(),
            registration_open=True,
            capacity=2,
            mode="hybrid",
            online_url="https://meet.example.org/x",
        ).id
    assert _register(app, "m1@member.example", meeting_id, "online").status_code == 302
    _register(app, "m2@member.example", meeting_id)
    third = app.test_client()
    login(third, "m3@member.example")
    page = third.get(f"/working-groups/erasmus/meetings/{meeting_id}").get_data(as_text=True)
    assert "2 of 2 places taken" in page and "Join the waiting list" in page
    third.post(
        f"/working-groups/erasmus/meetings/{meeting_id}/register", data={"attendance": "online"}
    )
    page = third.get(f"/working-groups/erasmus/meetings/{meeting_id}").get_data(as_text=True)
    assert "On the waiting list" in page and "1 on the waiting list" in page

    first = app.test_client()
    login(first, "m1@member.example")
    r = first.post(f"/working-groups/erasmus/meetings/{meeting_id}/unregister")
    assert r.status_code == 302
    with app.app_context():
        rows = {
            r.user.email: r.status
            for r in meetings.registrations(db.session.get(Meeting, meeting_id))
        }
        assert rows == {
            "m2@member.example": RegistrationStatus.REGISTERED,
            "m3@member.example": RegistrationStatus.REGISTERED,
        }
    assert [m.to for m in outbox] == [["m3@member.example"]]
    assert "You have a place" in outbox[0].subject


def test_registering_twice_keeps_one_registration(app):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True).id
    _register(app, "m1@member.example", meeting_id)
    r = _register(app, "m1@member.example", meeting_id)
    assert r.status_code == 302
    with app.app_context():
        assert count(MeetingRegistration) == 1


def test_attendance_must_fit_the_meeting(app):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True).id
    r = _register(app, "m1@member.example", meeting_id, "online")
    assert r.status_code == 422
    with app.app_context():
        assert count(MeetingRegistration) == 0


def test_no_registration_when_the_meeting_does_not_take_them(app):
    setup(app)
    with app.app_context():
        closed = make_meeting(only_group(), registration_open=False).id
        started = make_meeting(
            only_group(),
            registration_open=True,
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(hours=1),
        ).id
    for meeting_id in (closed, started):
        assert _register(app, "m1@member.example", meeting_id).status_code == 302
    with app.app_context():
        assert count(MeetingRegistration) == 0


@pytest.mark.parametrize(
    "email", ["someone@else.example", "chair@other.example", "sec@eesc.example"]
)
def test_only_people_of_member_organisations_register(app, email):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True).id
    assert _register(app, email, meeting_id).status_code == 403
    with app.app_context():
        assert count(MeetingRegistration) == 0


def test_a_co_chair_downloads_the_attendee_list_safe_for_spreadsheets(app, client):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True).id
        member = db.session.scalar(db.select(Organisation).where(Organisation.name == "Member Org"))
        make_user(org=member, email="evil@member.example", full_name='=HYPERLINK("http://x")')
    _register(app, "m1@member.example", meeting_id)
    _register(app, "evil@member.example", meeting_id)
    login(client, "chair@eu.example")
    page = client.get(f"/working-groups/erasmus/meetings/{meeting_id}").get_data(as_text=True)
    assert "Member 1" in page and "Download the attendee list (CSV)" in page
    r = client.get(f"/working-groups/erasmus/meetings/{meeting_id}/attendees.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Name", "Email", "Organisation"]
    assert rows[1][:3] == ["Member 1", "m1@member.example", "Member Org"]
    assert rows[2][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][4:6] == ["in_person", "registered"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+7 701", "'+7 701"), ("-x", "'-x"), ("@SUM", "'@SUM"), ("Ann", "Ann")],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert meetings.csv_safe(value) == expected


def test_the_cancellation_counts_people_and_organisations_in_each_language(app, client):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group(), registration_open=True, capacity=1).id
        other = make_org(status=VERIFIED)
        add_member(only_group(), other)
        make_user(org=other, email="x@other.example")
    for email in ("m1@member.example", "m2@member.example", "x@other.example"):
        _register(app, email, meeting_id)
    path = f"/working-groups/erasmus/meetings/{meeting_id}/cancel"
    login(client, "chair@eu.example")
    html = client.get(path).get_data(as_text=True)
    # Two on the waiting list are told too.
    assert "3 people registered or on the waiting list will be told by email" in html
    assert "They belong to 2 organisations." in html
    client.get("/language/ru")
    html = client.get(path).get_data(as_text=True)
    assert "3 человека" in html and "2 организаций" not in html and "2 организации" in html
    client.get("/language/kk")
    html = client.get(path).get_data(as_text=True)
    assert "3 адамға" in html and "2 ұйым" in html


def test_cancelling_a_meeting_nobody_registered_for_tells_nobody(app, client):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group()).id
    login(client, "chair@eu.example")
    html = client.get(f"/working-groups/erasmus/meetings/{meeting_id}/cancel").get_data(
        as_text=True
    )
    assert "Nobody has registered: nobody will be told by email." in html


def test_only_co_chairs_see_the_cancellation_and_a_cancelled_meeting_has_none(app, client):
    setup(app)
    with app.app_context():
        meeting_id = make_meeting(only_group()).id
    path = f"/working-groups/erasmus/meetings/{meeting_id}/cancel"
    login(client, "chair@other.example")
    assert client.get(path).status_code == 403
    chair = app.test_client()
    login(chair, "chair@eu.example")
    chair.post(path)
    r = chair.get(path)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/meetings/{meeting_id}")


def test_the_time_zones_offered_are_named_by_their_city_in_the_reader_s_language(app, client):
    setup(app)
    login(client, "chair@eu.example")
    client.get("/language/kk")
    page = client.get("/working-groups/erasmus/meetings/new").get_data(as_text=True)
    assert '<option selected value="Europe/Brussels">Брюссель</option>' in page
    assert '<option value="Asia/Qostanay">Қостанай</option>' in page
    assert ">Asia/Almaty<" not in page
