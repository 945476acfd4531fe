"""A meeting's online link is for the people of its group's member organisations, its
registered participants and the secretariat (docs/architecture.md, "Who sees what"): tried
over the meeting page, the group page, the API, the .ics files, the public feed and each
person's private feed (a secret address they can reset)."""

import re
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from eukz_platform.auth.models import Role, User
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Meeting,
    MeetingMode,
    MeetingRegistration,
    Membership,
    MembershipStatus,
    RegistrationStatus,
)

from .factories import login, make_org, make_user
from .test_groups_support import VERIFIED, add_member, make_group, make_meeting

LINK = "https://meet.example.org/secret-room"
WITHHELD = "Online — the link is sent to registered participants."

EMAILS = {
    "non-member": "outsider@verified.example",
    "member": "member@erasmus.example",
    "participant": "participant@left.example",
    "waiting": "waiting@left.example",
    "secretariat": "staff@eesc.example",
}
# Who sees the link: people of member organisations, registered participants (not those on
# the waiting list), the secretariat.
SEES = {
    "visitor": False,
    "non-member": False,
    "member": True,
    "participant": True,
    "waiting": False,
    "secretariat": True,
}


@pytest.fixture
def world(app):
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus group")
        meeting = make_meeting(
            group,
            title="Online check-in",
            mode=MeetingMode.ONLINE,
            place=None,
            online_url=LINK,
            registration_open=True,
        )
        member_org = add_member(group, name="Member Org")
        make_user(org=member_org, email=EMAILS["member"])
        make_user(org=make_org(status=VERIFIED), email=EMAILS["non-member"])
        make_user(role=Role.SECRETARIAT, email=EMAILS["secretariat"])
        # Registered while a member; the organisation has left the group since.
        left = make_org(name="Left Org", status=VERIFIED)
        db.session.add(
            Membership(organisation_id=left.id, group_id=group.id, status=MembershipStatus.LEFT)
        )
        for key, status in (
            ("participant", RegistrationStatus.REGISTERED),
            ("waiting", RegistrationStatus.WAITING),
        ):
            user = make_user(org=left, email=EMAILS[key])
            db.session.add(
                MeetingRegistration(
                    meeting_id=meeting.id,
                    user_id=user.id,
                    attendance=MeetingMode.ONLINE,
                    status=status,
                )
            )
        db.session.commit()
        return {"meeting": meeting.id, "left": left.id, "member_org": member_org.id}


def as_viewer(client, viewer: str):
    if viewer != "visitor":
        assert login(client, EMAILS[viewer]).status_code == 302
    return client


def event_of(response):
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = Calendar.from_ical(response.get_data()).walk("VEVENT")
    return event


def event_text(event) -> str:
    return f"{event.get('LOCATION', '')}\n{event.get('DESCRIPTION', '')}"


@pytest.mark.parametrize(("viewer", "sees"), SEES.items())
def test_the_meeting_page(client, world, viewer, sees):
    html = as_viewer(client, viewer).get(f"/working-groups/erasmus/meetings/{world['meeting']}")
    html = html.get_data(as_text=True)
    assert (LINK in html) is sees
    assert (WITHHELD in html) is not sees


@pytest.mark.parametrize(("viewer", "sees"), SEES.items())
def test_the_group_page(client, world, viewer, sees):
    html = as_viewer(client, viewer).get("/working-groups/erasmus").get_data(as_text=True)
    assert "Online check-in" in html
    assert (LINK in html) is sees
    assert (WITHHELD in html) is not sees


def test_people_of_a_member_organisation_awaiting_verification_do_not_see_it(app, client, world):
    """An organisation awaiting verification that holds an active membership (one merged into
    it from a verified duplicate, say): its people see what a visitor sees."""
    with app.app_context():
        group = db.session.get(Meeting, world["meeting"]).group
        pending = add_member(group, name="Pending Org", status=OrganisationStatus.PENDING)
        make_user(org=pending, email="person@pending.example")
    login(client, "person@pending.example")
    html = client.get(f"/working-groups/erasmus/meetings/{world['meeting']}").get_data(as_text=True)
    assert LINK not in html and WITHHELD in html
    r = client.get(f"/working-groups/erasmus/meetings/{world['meeting']}.ics")
    assert LINK not in event_text(event_of(r))


@pytest.mark.parametrize("viewer", SEES)
def test_the_api_never_carries_the_link(client, world, viewer):
    as_viewer(client, viewer)
    for path in ("/api/v1/working-groups", "/api/v1/working-groups/erasmus"):
        r = client.get(path)
        assert r.status_code == 200 and LINK not in r.get_data(as_text=True)


@pytest.mark.parametrize(("viewer", "sees"), SEES.items())
def test_the_meeting_ics_file(client, world, viewer, sees):
    as_viewer(client, viewer)
    r = client.get(f"/working-groups/erasmus/meetings/{world['meeting']}.ics")
    text = event_text(event_of(r))
    assert (LINK in text) is sees
    assert (WITHHELD in text) is not sees
    if sees:
        assert "no-store" in r.headers["Cache-Control"]


@pytest.mark.parametrize("viewer", SEES)
def test_the_public_group_feed_leaves_the_link_out(client, world, viewer):
    r = as_viewer(client, viewer).get("/working-groups/erasmus/meetings.ics")
    event = event_of(r)
    assert LINK not in r.get_data(as_text=True)
    assert WITHHELD in str(event["DESCRIPTION"])


# The private feed ---------------------------------------------------------------------------


def make_address(client) -> str:
    """Press the button on the settings page; the path of the address it then shows."""
    page = client.get("/working-groups/notifications").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"csrf_token": token.group(1)} if token else {}
    r = client.post("/working-groups/calendar/reset", data=data)
    assert r.status_code == 302 and r.headers["Location"].endswith("#private-calendar")
    page = client.get("/working-groups/notifications").get_data(as_text=True)
    return urlsplit(re.search(r"<code>([^<]+)</code>", page).group(1)).path


@pytest.mark.parametrize("viewer", ["member", "participant", "secretariat"])
def test_a_private_feed_has_the_links_its_owner_may_see(app, client, world, viewer):
    path = make_address(as_viewer(client, viewer))
    assert path.startswith("/working-groups/calendar/") and path.endswith(".ics")
    r = app.test_client().get(path)  # a calendar program: no session
    event = event_of(r)
    assert str(event["SUMMARY"]) == "Online check-in"
    assert LINK in event_text(event)
    assert r.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("viewer", ["non-member", "waiting"])
def test_a_private_feed_has_no_link_its_owner_may_not_see(app, client, world, viewer):
    path = make_address(as_viewer(client, viewer))
    r = app.test_client().get(path)
    assert r.status_code == 200 and LINK not in r.get_data(as_text=True)


def test_a_reset_address_answers_404_and_the_new_one_works(app, client, world):
    as_viewer(client, "member")
    old = make_address(client)
    new = make_address(client)
    calendar = app.test_client()
    assert new != old
    assert calendar.get(old).status_code == 404
    assert LINK in event_text(event_of(calendar.get(new)))


def test_a_wrong_address_answers_404(app, client, world):
    path = make_address(as_viewer(client, "member"))
    calendar = app.test_client()
    prefix, _, code = path.removesuffix(".ics").rpartition("-")
    for wrong in (
        f"{prefix}-{code[:-1]}{'A' if code[-1] != 'A' else 'B'}.ics",  # one letter changed
        f"{prefix}-.ics",
        "/working-groups/calendar/nonsense.ics",
        "/working-groups/calendar/99999-" + code + ".ics",  # nobody's id
        "/working-groups/calendar/" + "9" * 30 + "-" + code + ".ics",  # beyond any id
        "/working-groups/calendar/١٢-" + code + ".ics",  # digits, but not ASCII ones
    ):
        assert calendar.get(wrong).status_code == 404, wrong
    with app.app_context():
        other = db.session.scalar(db.select(User).where(User.email == EMAILS["participant"]))
        other_id = other.id
    user_id = prefix.rsplit("/", 1)[1]
    assert calendar.get(path.replace(f"/{user_id}-", f"/{other_id}-")).status_code == 404


def test_each_person_has_their_own_address(app, world):
    first, second = app.test_client(), app.test_client()
    one = make_address(as_viewer(first, "member"))
    with app.app_context():
        colleague = make_user(
            org=db.session.get(Organisation, world["member_org"]), email="colleague@erasmus.ex"
        )
        assert colleague.id
    login(second, "colleague@erasmus.ex")
    two = make_address(second)
    assert one != two
    calendar = app.test_client()
    assert calendar.get(one).status_code == 200 and calendar.get(two).status_code == 200
    make_address(second)  # the colleague resets theirs: the first person's still works
    assert calendar.get(two).status_code == 404 and calendar.get(one).status_code == 200


@pytest.mark.parametrize("status", [OrganisationStatus.SUSPENDED, OrganisationStatus.REJECTED])
def test_no_private_feed_once_the_organisation_may_no_longer_act(app, client, world, status):
    path = make_address(as_viewer(client, "member"))
    calendar = app.test_client()
    assert calendar.get(path).status_code == 200
    with app.app_context():
        db.session.get(Organisation, world["member_org"]).status = status
        db.session.commit()
    assert calendar.get(path).status_code == 404


def test_no_private_feed_for_a_closed_account(app, client, world):
    path = make_address(as_viewer(client, "member"))
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == EMAILS["member"]))
        user.active = False
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_making_an_address_needs_a_signed_in_person_and_the_form(app, client, world):
    r = client.post("/working-groups/calendar/reset")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    as_viewer(client, "member")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/working-groups/calendar/reset").status_code == 400
    page = client.get("/working-groups/notifications").get_data(as_text=True)
    assert "Make my private calendar address" in page and "<code>" not in page


def test_the_group_page_points_members_to_their_private_calendar(client, world):
    assert "Your private calendar" not in client.get("/working-groups/erasmus").get_data(
        as_text=True
    )
    as_viewer(client, "member")
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "/working-groups/notifications#private-calendar" in html


def test_the_meeting_mail_goes_to_members_only_and_keeps_the_link(app, client, world, outbox):
    with app.app_context():
        member = db.session.scalar(db.select(User).where(User.email == EMAILS["member"]))
        outsider = db.session.scalar(db.select(User).where(User.email == EMAILS["non-member"]))
        member.notify_group_updates = outsider.notify_group_updates = True
        db.session.commit()
        from eukz_platform.groups import notifications
        from eukz_platform.groups.models import Meeting, WorkingGroup

        meeting = db.session.get(Meeting, world["meeting"])
        group = db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        with app.test_request_context():
            notifications.meeting_scheduled(meeting, group)
    assert [m.to for m in outbox] == [[EMAILS["member"]]]
    assert LINK in outbox[0].body
