"""An organisation awaiting verification is public only once verified (docs/architecture.md,
"Who sees what"): tried against every kind of viewer over every channel that shows
organisations — its page, the directory, the API, the exports, a working group's member list,
its public contact's vCard and the group's calendar feed."""

import csv
import io
import json
import re

import pytest

from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership, MembershipStatus
from eukz_platform.organisations import duplicates

from .factories import login, make_org, make_user, registration_form
from .test_groups_support import make_group, make_meeting

VERIFIED = OrganisationStatus.VERIFIED
PENDING = OrganisationStatus.PENDING

# The kinds of viewer, and whether each sees the organisation awaiting verification.
VIEWERS = {
    "visitor": False,
    "member of a verified organisation": True,
    "its own people": True,
    "person of another organisation awaiting verification": False,
    "secretariat": True,
}
NAME = "Zhetisu Quillwort Alliance"  # one word ("Quillwort") no other record holds
VERIFIED_NAME = "Quillwort Verified Union"


@pytest.fixture
def world(app):
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus group")
        pending = make_org(name=NAME, country="KZ", city="Taldykorgan", status=PENDING)
        verified = make_org(name=VERIFIED_NAME, country="BE", status=VERIFIED)
        # An active member although awaiting verification (e.g. a verified organisation put
        # back to awaiting verification): the member list must follow the rule all the same.
        for org in (pending, verified):
            db.session.add(
                Membership(
                    organisation_id=org.id, group_id=group.id, status=MembershipStatus.ACTIVE
                )
            )
        contact = Contact(
            organisation_id=pending.id,
            name="Quillwort Public Person",
            email="public@quillwort.example",
            visibility=Visibility.PUBLIC,
        )
        db.session.add(contact)
        db.session.commit()
        make_meeting(group, title="Erasmus kick-off")
        make_user(org=make_org(status=VERIFIED), email="member@verified.example")
        make_user(org=pending, email="own@quillwort.example")
        make_user(org=make_org(status=PENDING), email="other@pending.example")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        return {"org": pending.id, "contact": contact.id, "verified": verified.id}


EMAILS = {
    "member of a verified organisation": "member@verified.example",
    "its own people": "own@quillwort.example",
    "person of another organisation awaiting verification": "other@pending.example",
    "secretariat": "staff@eesc.example",
}


def text(response) -> str:
    """The page's text, without its tags (the directory marks the words that matched)."""
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def as_viewer(client, viewer: str):
    if viewer != "visitor":
        assert login(client, EMAILS[viewer]).status_code == 302
    return client


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_profile_page(client, world, viewer, sees):
    r = as_viewer(client, viewer).get(f"/organisations/{world['org']}")
    assert r.status_code == (200 if sees else 404)
    if sees:
        assert NAME in r.get_data(as_text=True)
        assert "Awaiting verification" in r.get_data(as_text=True)


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_directory_search_page(client, world, viewer, sees):
    html = text(as_viewer(client, viewer).get("/directory/?q=Quillwort"))
    assert VERIFIED_NAME in html
    assert (NAME in html) is sees
    assert ("Quillwort Public Person" in html) is sees


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_api_list_search_and_detail(client, world, viewer, sees):
    as_viewer(client, viewer)
    listed = client.get("/api/v1/organisations").json
    ids = {item["id"] for item in listed["items"]}
    assert world["verified"] in ids
    assert (world["org"] in ids) is sees
    found = client.get("/api/v1/search?q=Quillwort").json
    names = {item["name"] for item in found["items"]}
    assert VERIFIED_NAME in names and (NAME in names) is sees
    assert ("Quillwort Public Person" in names) is sees
    detail = client.get(f"/api/v1/organisations/{world['org']}")
    assert detail.status_code == (200 if sees else 404)
    if sees:
        assert detail.json["verified"] is False


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_csv_and_json_exports(client, world, viewer, sees):
    as_viewer(client, viewer)
    body = client.get("/directory/export.csv?q=Quillwort").get_data().decode("utf-8-sig")
    rows = {row["name"] for row in csv.DictReader(io.StringIO(body))}
    assert VERIFIED_NAME in rows and (NAME in rows) is sees
    assert ("Quillwort Public Person" in rows) is sees
    payload = json.loads(client.get("/directory/export.json?q=Quillwort").get_data())
    names = {item["name"] for item in payload["items"]}
    assert VERIFIED_NAME in names and (NAME in names) is sees


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_working_group_member_list_and_counts(client, world, viewer, sees):
    as_viewer(client, viewer)
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert VERIFIED_NAME in html
    assert (NAME in html) is sees
    group = client.get("/api/v1/working-groups/erasmus").json
    assert sum(group["members_by_side"].values()) == (2 if sees else 1)
    overview = client.get("/working-groups/").get_data(as_text=True)
    members = "2 member organisations" if sees else "1 member organisation"
    assert members in overview


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_vcard_of_its_public_contact(client, world, viewer, sees):
    r = as_viewer(client, viewer).get(f"/directory/contacts/{world['contact']}.vcf")
    assert r.status_code == (200 if sees else 404)
    if sees:
        assert "Quillwort Public Person" in r.get_data(as_text=True)


@pytest.mark.parametrize(("viewer", "sees"), VIEWERS.items())
def test_the_group_calendar_feed_names_no_organisation(client, world, viewer, sees):
    """Feeds carry meetings, not organisations: no viewer reads the name there."""
    r = as_viewer(client, viewer).get("/working-groups/erasmus/meetings.ics")
    assert r.status_code == 200 and "Erasmus kick-off" in r.get_data(as_text=True)
    assert NAME not in r.get_data(as_text=True)


def test_once_verified_it_is_public(app, client, world):
    with app.app_context():
        org = db.session.get(Organisation, world["org"])
        org.status = VERIFIED
        db.session.commit()
    assert client.get(f"/organisations/{world['org']}").status_code == 200
    assert NAME in text(client.get("/directory/?q=Quillwort"))
    ids = {item["id"] for item in client.get("/api/v1/organisations").json["items"]}
    assert world["org"] in ids


def test_a_visitor_never_gets_a_directory_page_or_counts_kept_for_a_member(app, world):
    """Pages and facet counts are kept per kind of viewer: a member's never reach a visitor."""
    member = app.test_client()
    as_viewer(member, "member of a verified organisation")
    for _ in range(2):
        r = member.get("/directory/?q=Quillwort")
        assert NAME in text(r) and 'name="verified" value="false"' in r.get_data(as_text=True)
    visitor = app.test_client()
    for _ in range(2):  # the second answer is the page kept for visitors
        r = visitor.get("/directory/?q=Quillwort")
        assert VERIFIED_NAME in text(r) and NAME not in text(r)
        assert 'name="verified" value="false"' not in r.get_data(as_text=True)
    # And the other way round: a member after visitors still sees it.
    assert NAME in text(member.get("/directory/?q=Quillwort"))


def test_the_duplicate_check_at_registration_still_sees_it(app, world):
    with app.test_request_context():
        found = duplicates.near_matches("Zhetisu Quillwort Alliance!", None)
        assert [org.id for org in found] == [world["org"]]


def test_a_visitor_registering_is_warned_but_gets_no_link_to_its_page(client, world):
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Zhetisu Quillwort Alliance!", website=""),
    )
    html = r.get_data(as_text=True)
    assert "This organisation may already be registered" in html and NAME in html
    assert f'href="/organisations/{world["org"]}"' not in html
    # Asking to be added (the form's button) still reaches it: its admins decide. The page
    # on its own is not public, so nobody can page through those awaiting verification.
    assert client.get(f"/organisations/{world['org']}/ask-to-join").status_code == 404
    r = client.post(
        f"/organisations/{world['org']}/ask-to-join",
        data=registration_form(name="Zhetisu Quillwort Alliance!", website=""),
    )
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "We sent a link to" in client.get("/").get_data(as_text=True)


def test_search_statements_depend_on_the_kind_of_viewer_only(app, world):
    """Two people of two verified organisations share one statement; a visitor's differs."""
    from eukz_platform.search.service import Visible

    with app.app_context():
        first = make_user(org=make_org(status=VERIFIED))
        second = make_user(org=make_org(status=VERIFIED))
        pending_person = make_user(org=make_org(status=PENDING))
        assert Visible.of(first) == Visible.of(second)
        assert Visible.of(first).params != Visible.of(second).params
        assert Visible.of(None) != Visible.of(first)
        assert Visible.of(pending_person) != Visible.of(first)
