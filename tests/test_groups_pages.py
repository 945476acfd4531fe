"""The working groups page, a group's page, and memberships on an organisation's profile."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eukz_platform.auth.models import Role, User
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Announcement,
    MeetingRegistration,
    Membership,
    WorkingGroup,
)
from eukz_platform.groups.models import MembershipStatus as S
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_org, make_user
from .sql import counting_statements
from .test_groups_support import (
    VERIFIED,
    add_member,
    make_admin,
    make_coordinator,
    make_group,
    make_meeting,
)


def test_the_working_groups_page_shows_co_chairs_and_members_per_side(app, client):
    with app.app_context():
        ensure_groups_and_contacts()
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        members = {c: add_member(group, country=c) for c in ("BE", "DE", "FR", "KZ", "UZ")}
        add_member(group, country="BE", status=OrganisationStatus.SUSPENDED)
        # Co-chairs are people of member organisations.
        eu = make_coordinator(group, "eu", make_user(org=members["BE"], full_name="Eva Europa"))
        make_coordinator(group, "kz", make_user(org=members["KZ"], full_name="Aruzhan Kazakh"))
        eu_org = eu.organisation.name
    html = client.get("/working-groups/").get_data(as_text=True)
    section = html[html.index('id="erasmus"') : html.index('id="public-administration-justice"')]
    assert "Priority 3" in section
    assert "Eva Europa" in section and eu_org in section and "EU co-chair" in section
    assert "Aruzhan Kazakh" in section and "Kazakhstan co-chair" in section
    # The numbers as text (a suspended organisation is not shown) ...
    assert "5 member organisations" in section
    assert re.search(r"EU: <strong>3</strong>", section)
    assert re.search(r"Kazakhstan: <strong>1</strong>", section)
    assert re.search(r"Other: <strong>1</strong>", section)
    # ... and as an accessible chart drawn on the server, without inline style.
    svg = section[section.index("<svg") : section.index("</svg>")]
    assert 'role="img"' in svg and 'id="sides-erasmus"' in svg
    assert "<title" in svg and "EU: 3; Kazakhstan: 1; Other: 1" in svg
    assert " style=" not in html and "<script>" not in html
    assert "The secretariat has not appointed the co-chairs yet." in html
    assert html.count("<h1") == 1


def test_a_group_page_shows_purpose_members_announcements_and_meetings(app, client):
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus for young Kazakhs")
        make_coordinator(group, "eu", full_name="Eva Europa")
        org = add_member(group, name="Steppe Green", country="KZ", type="foundation")
        add_member(group, name="Alpha Union", country="BE")
        make_org(name="Waiting Org", status=OrganisationStatus.VERIFIED)
        db.session.add_all(
            [
                Announcement(
                    group_id=group.id,
                    title="Older news",
                    body="First.",
                    created_at=utcnow() - timedelta(days=3),
                ),
                Announcement(group_id=group.id, title="Newer news", body="Second."),
            ]
        )
        db.session.commit()
        make_meeting(
            group,
            title="Almaty round table",
            starts_at=datetime(2099, 6, 3, 4, 0, tzinfo=UTC),
            ends_at=datetime(2099, 6, 3, 6, 0, tzinfo=UTC),
            timezone="Asia/Almaty",
            place="Almaty, Abai Avenue 10",
            agenda="1. Welcome\n2. See https://erasmus-plus.ec.europa.eu/.",
        )
        make_meeting(
            group,
            title="Online check-in",
            mode="online",
            place=None,
            online_url="https://meet.example.org/erasmus",
            starts_at=datetime(2099, 7, 1, 12, 0, tzinfo=UTC),
            ends_at=datetime(2099, 7, 1, 13, 0, tzinfo=UTC),
        )
        make_meeting(
            group,
            title="Founding meeting",
            starts_at=utcnow() - timedelta(days=30),
            ends_at=utcnow() - timedelta(days=30) + timedelta(hours=2),
        )
        org_id = org.id
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "<h1" in html and html.count("<h1") == 1
    assert "Erasmus for young Kazakhs" in html and "The purpose of erasmus." in html
    assert "Eva Europa" in html
    assert f'href="/organisations/{org_id}"' in html and "Steppe Green" in html
    assert "Kazakhstan" in html and "Foundation" in html
    assert html.index("Alpha Union") < html.index("Steppe Green")
    assert "Waiting Org" not in html
    assert html.index("Newer news") < html.index("Older news")
    upcoming = html[html.index('id="meetings"') : html.index('id="past-meetings"')]
    assert upcoming.index("Almaty round table") < upcoming.index("Online check-in")
    # 04:00 UTC is 09:00 in Almaty (UTC+5), shown in the meeting's zone.
    assert "Wednesday 3 June 2099, 09:00 – 11:00, Almaty time (GMT+05:00)" in upcoming
    assert "Almaty, Abai Avenue 10" in upcoming
    # The online link is for the group's members and participants, not for visitors.
    assert "https://meet.example.org/erasmus" not in html
    assert "Online — the link is sent to registered participants." in upcoming
    assert '<a class="ecl-link" href="https://erasmus-plus.ec.europa.eu/"' in upcoming
    assert "Founding meeting" in html[html.index('id="past-meetings"') :]
    assert 'href="/working-groups/erasmus/meetings.ics"' in html
    assert re.search(r'href="/working-groups/erasmus/meetings/\d+\.ics"', html)
    assert " style=" not in html
    with app.app_context():
        make_user(org=db.session.get(Organisation, org_id), email="member@steppe.example")
    login(client, "member@steppe.example")
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert 'href="https://meet.example.org/erasmus"' in html


def test_contacts_of_member_organisations_follow_their_visibility(app, client):
    with app.app_context():
        group = make_group()
        org = add_member(group, name="Steppe Green")
        for name, vis in (
            ("Public Pat", Visibility.PUBLIC),
            ("Members Mo", Visibility.MEMBERS),
            ("Private Pia", Visibility.PRIVATE),
        ):
            db.session.add(
                Contact(organisation_id=org.id, name=name, email=f"{name[:3]}@x.kz", visibility=vis)
            )
        db.session.commit()
        make_user(org=org, email="own@steppe.example")
        make_user(org=make_org(status=VERIFIED), email="member@other.example")
        make_user(org=make_org(), email="waiting@other.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
    expected = {
        None: {"Public Pat"},
        "waiting@other.example": {"Public Pat"},
        "member@other.example": {"Public Pat", "Members Mo"},
        "own@steppe.example": {"Public Pat", "Members Mo", "Private Pia"},
        "sec@eesc.example": {"Public Pat", "Members Mo", "Private Pia"},
    }
    for email, names in expected.items():
        c = app.test_client()
        if email:
            login(c, email)
        html = c.get("/working-groups/erasmus").get_data(as_text=True)
        shown = {n for n in ("Public Pat", "Members Mo", "Private Pia") if n in html}
        assert shown == names, email


def _fill(app, members: int):
    """A group with co-chairs, ``members`` member organisations with contacts, a member's
    admin, announcements and meetings with registrations."""
    with app.app_context():
        ensure_groups_and_contacts()
        group = make_group(slug="big-group", priority=9)
        orgs = [add_member(group, country=("BE", "KZ", "UZ")[i % 3]) for i in range(members)]
        # Co-chairs are people of member organisations.
        make_coordinator(group, "eu", make_user(org=orgs[0], email="chair@big.example"))
        make_coordinator(group, "kz", make_user(org=orgs[1]))
        for org in orgs:
            db.session.add(Contact(organisation_id=org.id, name=f"Contact {org.id}"))
        admin = make_admin(org=orgs[0], email="admin@member.example")
        db.session.add(Announcement(group_id=group.id, title="News", body="Text"))
        meeting = make_meeting(group, registration_open=True, capacity=5)
        for org in orgs:
            # Users made directly: hashing a password for each would only slow the test.
            user = User(email=f"person{org.id}@member.example", full_name="P", password_hash="-")
            user.organisation_id = org.id
            db.session.add(user)
            db.session.flush()
            db.session.add(
                MeetingRegistration(meeting_id=meeting.id, user_id=user.id, attendance="in_person")
            )
        db.session.add(
            Membership(organisation_id=make_org().id, group_id=group.id, status=S.PENDING)
        )
        db.session.commit()
        assert admin.email == "admin@member.example"


@pytest.mark.parametrize("who", [None, "admin@member.example", "chair@big.example"])
def test_group_pages_make_the_same_number_of_queries_for_3_or_30_members(app, who):
    counts = {}
    for members in (3, 30):
        from tests.conftest import empty_all_tables

        empty_all_tables(app)
        _fill(app, members)
        client = app.test_client()
        if who:
            login(client, who)
        pages = {}
        for path in ("/working-groups/", "/working-groups/big-group"):
            with counting_statements(app) as statements:
                r = client.get(path)
            assert r.status_code == 200
            pages[path] = len(statements)
        html = r.get_data(as_text=True)
        assert f"{members} member organisations" in html
        counts[members] = pages
    assert counts[3] == counts[30], counts
    assert all(n < 20 for n in counts[3].values()), counts


def test_the_organisation_profile_lists_its_memberships_by_who_looks(app, client):
    with app.app_context():
        active = make_group(slug="erasmus", title="Erasmus group", priority=3)
        pending = make_group(slug="raw-materials-mou", title="Raw materials group", priority=2)
        declined = make_group(slug="civic-social-dialogue", title="Dialogue group", priority=5)
        admin = make_admin(email="admin@steppe.example")
        org = admin.organisation
        make_user(org=org, email="member@steppe.example")
        add_member(active, org=org)
        db.session.add_all(
            [
                Membership(organisation_id=org.id, group_id=pending.id, status=S.PENDING),
                Membership(organisation_id=org.id, group_id=declined.id, status=S.DECLINED),
            ]
        )
        db.session.commit()
        org_id = org.id
    path = f"/organisations/{org_id}"

    html = client.get(path).get_data(as_text=True)
    assert "Erasmus group" in html and "Raw materials group" not in html
    assert "Dialogue group" not in html and "Leave" not in html

    login(client, "member@steppe.example")
    html = client.get(path).get_data(as_text=True)
    assert "Request pending" in html and "Request declined" in html and "Member" in html
    assert "Withdraw the request" not in html and "Leave</span>" not in html

    admin_client = app.test_client()
    login(admin_client, "admin@steppe.example")
    html = admin_client.get(path).get_data(as_text=True)
    assert "Withdraw the request" in html and "Leave" in html
    assert 'action="/working-groups/raw-materials-mou/organisations/' in html
    r = admin_client.post(
        f"/working-groups/raw-materials-mou/organisations/{org_id}/withdraw",
        data={"next": path},
    )
    assert r.status_code == 302 and r.headers["Location"] == path
    assert "Request withdrawn" in admin_client.get(path).get_data(as_text=True)


def test_unknown_group_or_meeting_is_404(app, client):
    with app.app_context():
        group = make_group()
        other = make_group(slug="other", priority=4)
        meeting = make_meeting(other)
        meeting_id = meeting.id
        assert group.id
    assert client.get("/working-groups/nowhere").status_code == 404
    assert client.get(f"/working-groups/erasmus/meetings/{meeting_id}").status_code == 404
    assert client.get(f"/working-groups/erasmus/meetings/{meeting_id}.ics").status_code == 404
    assert client.get(f"/working-groups/other/meetings/{meeting_id}").status_code == 200


@pytest.mark.parametrize(
    ("language", "when"),
    [
        ("ru", "среда, 3 июня 2099 г., 09:00 – 11:00, время Алматы (GMT+05:00)"),
        ("kk", "2099 ж. 3 маусым, сәрсенбі, 09:00 – 11:00, Алматы уақыты (GMT+05:00)"),
    ],
)
def test_a_meeting_s_date_and_zone_are_written_as_the_reader_s_language_writes_them(
    app, client, language, when
):
    with app.app_context():
        group = make_group("erasmus")
        make_meeting(
            group,
            title="Almaty round table",
            timezone="Asia/Almaty",
            starts_at=datetime(2099, 6, 3, 4, 0, tzinfo=UTC),
            ends_at=datetime(2099, 6, 3, 6, 0, tzinfo=UTC),
        )
    client.set_cookie("lang", language)
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert when in html
