"""Protection for organisations at risk: "visible to platform members only" and "memberships
hidden from the public" hold on every channel (HTML directory, search, CSV/JSON/vCard exports,
API list and detail, group pages, calendar feeds, the organisation's page, the map); the log of
views of members-only contact details; withdrawing them at once."""

import csv
import io
import json

import pytest
from sqlalchemy import select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import Coordinator, Membership, MembershipStatus, WorkingGroup
from eukz_platform.protection.models import ContactDetailsView
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_contacts_of_every_visibility, make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED
HIDDEN = "Hidden Steppe Defenders"
QUIET = "Quiet Aral Union"
OPEN = "Open Baltic Forum"


def add_member(org, slug):
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    db.session.add(
        Membership(organisation_id=org.id, group_id=group.id, status=MembershipStatus.ACTIVE)
    )
    db.session.commit()


@pytest.fixture
def world(app):
    with app.app_context():
        ensure_groups_and_contacts()
        hidden = make_org(name=HIDDEN, country="KZ", status=VERIFIED, members_only=True)
        quiet = make_org(name=QUIET, country="KZ", status=VERIFIED, hide_memberships=True)
        open_ = make_org(name=OPEN, country="LV", status=VERIFIED, eesc_group="II")
        for org in (hidden, quiet, open_):
            add_member(org, "erasmus")
        make_contacts_of_every_visibility(hidden, name="{} Hidden Person")
        make_contacts_of_every_visibility(quiet, name="{} Quiet Person")
        make_user(org=hidden, role=Role.ADMIN, email="admin@hidden.example")
        make_user(org=hidden, email="colleague@hidden.example")
        make_user(org=quiet, role=Role.ADMIN, email="admin@quiet.example")
        make_user(org=open_, email="viewer@open.example", full_name="Vera Viewer")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        public = db.session.scalar(
            select(Contact.id).where(
                Contact.organisation_id == hidden.id, Contact.visibility == Visibility.PUBLIC
            )
        )
        members = db.session.scalar(
            select(Contact.id).where(
                Contact.organisation_id == hidden.id, Contact.visibility == Visibility.MEMBERS
            )
        )
        quiet_members = db.session.scalar(
            select(Contact.id).where(
                Contact.organisation_id == quiet.id, Contact.visibility == Visibility.MEMBERS
            )
        )
        return {
            "hidden": hidden.id,
            "quiet": quiet.id,
            "open": open_.id,
            "public_contact": public,
            "members_contact": members,
            "quiet_members_contact": quiet_members,
        }


def text(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.get_data(as_text=True)


def as_member(client):
    login(client, "viewer@open.example")
    return client


# (a) Visible to platform members only -------------------------------------------------------


def test_html_directory_hides_a_members_only_organisation_from_visitors(client, world):
    link = f'href="/organisations/{world["hidden"]}"'
    assert HIDDEN not in text(client, "/directory/")
    assert link not in text(client, "/directory/?q=steppe")
    assert f'/directory/contacts/{world["public_contact"]}"' not in text(
        client, "/directory/?q=person"
    )
    as_member(client)
    assert link in text(client, "/directory/?q=steppe")


def test_search_results_hide_it_from_visitors(client, world):
    items = client.get("/api/v1/search?q=hidden").json["items"]
    assert items == []
    as_member(client)
    names = {i["name"] for i in client.get("/api/v1/search?q=hidden").json["items"]}
    assert HIDDEN in names and "Members Hidden Person" in names


def test_csv_json_and_vcard_exports_hide_it_from_visitors(client, world):
    assert HIDDEN not in text(client, "/directory/export.csv")
    assert "Hidden Person" not in text(client, "/directory/export.csv?q=person")
    payload = json.loads(text(client, "/directory/export.json"))
    assert HIDDEN not in {i["name"] for i in payload["items"]}
    # Even its public contact: the organisation is not shown, so neither are its people.
    text(client, f"/directory/contacts/{world['public_contact']}.vcf", 404)
    text(client, f"/directory/contacts/{world['public_contact']}", 404)
    as_member(client)
    assert HIDDEN in text(client, "/directory/export.csv")
    assert "Hidden" in text(client, f"/directory/contacts/{world['members_contact']}.vcf")


def test_api_list_and_detail_hide_it_from_visitors(client, world):
    names = {i["name"] for i in client.get("/api/v1/organisations?per_page=100").json["items"]}
    assert HIDDEN not in names and OPEN in names
    assert client.get(f"/api/v1/organisations/{world['hidden']}").status_code == 404
    contacts = client.get("/api/v1/contacts?per_page=100").json["items"]
    assert not any("Hidden" in c["name"] for c in contacts)
    as_member(client)
    assert client.get(f"/api/v1/organisations/{world['hidden']}").status_code == 200


def test_group_page_members_and_counts_leave_it_out_for_visitors(client, world):
    page = text(client, "/working-groups/erasmus")
    assert HIDDEN not in page and OPEN in page
    group = client.get("/api/v1/working-groups/erasmus").json
    member_names = {m["name"] for m in group["members"]}
    assert HIDDEN not in member_names
    # The open one (EU) and the quiet one's hidden membership are not counted either.
    assert group["members_by_side"] == {"eu": 1, "kz": 0, "other": 0}
    as_member(client)
    group = client.get("/api/v1/working-groups/erasmus").json
    assert {HIDDEN, QUIET, OPEN} <= {m["name"] for m in group["members"]}
    assert group["members_by_side"] == {"eu": 1, "kz": 2, "other": 0}


def test_calendar_feed_names_no_hidden_organisation(client, world):
    feed = text(client, "/working-groups/erasmus/meetings.ics")
    assert HIDDEN not in feed and QUIET not in feed


def test_organisation_page_is_not_found_for_visitors(client, world):
    text(client, f"/organisations/{world['hidden']}", 404)
    as_member(client)
    assert HIDDEN in text(client, f"/organisations/{world['hidden']}")


def test_asking_to_be_added_to_it_does_not_name_it_to_visitors(client, world, outbox):
    """The duplicate check never shows it to a visitor, so its ask-to-join form (which the
    check's button posts to) does not reach it either: no name, no mail."""
    r = client.post(
        f"/organisations/{world['hidden']}/ask-to-join",
        data={"full_name": "Curious Visitor", "email": "curious@example.kz"},
    )
    assert r.status_code == 404
    assert HIDDEN not in r.get_data(as_text=True) + client.get("/").get_data(as_text=True)
    assert outbox == []


def test_map_does_not_count_it_for_visitors(client, world):
    page = text(client, "/directory/map")
    # Kazakhstan × Erasmus: nothing a visitor may see (the quiet one hides its membership).
    assert "0 member organisations" not in page
    assert "1 member organisations of “Educational" not in page.split("Latvia")[0]
    as_member(client)
    page = text(client, "/directory/map")
    assert "2 member organisations of “Educational opportunities" in page


def test_a_co_chair_does_not_name_a_hidden_organisation_to_visitors(app, client, world):
    with app.app_context():
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        chair = make_user(
            org=db.session.get(Organisation, world["quiet"]), full_name="Chair Person"
        )
        db.session.add(Coordinator(group_id=group.id, user_id=chair.id, side="kz"))
        db.session.commit()
    page = text(client, "/working-groups/erasmus")
    assert "Chair Person" in page and QUIET not in page
    chairs = client.get("/api/v1/working-groups/erasmus").json["coordinators"]
    assert chairs and all(c["organisation"] is None for c in chairs)
    as_member(client)
    assert QUIET in text(client, "/working-groups/erasmus")


# (b) Memberships hidden from the public -----------------------------------------------------


def test_hidden_memberships_on_every_channel_for_visitors(client, world):
    quiet = world["quiet"]
    # The organisation itself stays public.
    profile = text(client, f"/organisations/{quiet}")
    assert QUIET in profile and "Erasmus" not in profile
    assert QUIET not in text(client, "/working-groups/erasmus")
    assert client.get(f"/api/v1/organisations/{quiet}").json["groups"] == []
    listed = client.get("/api/v1/organisations?group=erasmus").json["items"]
    assert QUIET not in {i["name"] for i in listed}
    searched = client.get("/api/v1/search?q=quiet&group=erasmus").json
    assert searched["items"] == []
    unfiltered = client.get("/api/v1/search?q=quiet").json
    assert QUIET in {i["name"] for i in unfiltered["items"]}
    assert ("erasmus", 1) not in {
        (f["value"], f["count"]) for f in unfiltered["facets"].get("group", [])
    }
    assert QUIET not in text(client, "/directory/?group=erasmus")
    rows = list(csv.DictReader(io.StringIO(text(client, "/directory/export.csv?q=quiet"))))
    assert any(r["\ufeffkind"] == "organisation" and r["groups"] == "" for r in rows)
    payload = json.loads(text(client, "/directory/export.json?q=quiet"))
    assert all(i.get("groups", []) == [] for i in payload["items"])


def test_members_and_its_own_people_see_hidden_memberships(client, world):
    quiet = world["quiet"]
    login(client, "admin@quiet.example")
    own = text(client, f"/organisations/{quiet}")
    assert "Educational opportunities" in own
    assert "Its working-group memberships are hidden from the public." in own
    client.post("/auth/logout")
    as_member(client)
    assert client.get(f"/api/v1/organisations/{quiet}").json["groups"] == ["erasmus"]
    assert QUIET in text(client, "/directory/?group=erasmus")
    assert QUIET in {
        i["name"] for i in client.get("/api/v1/search?q=quiet&group=erasmus").json["items"]
    }


# Choosing, the log of views, withdrawing ----------------------------------------------------


def test_admin_sets_the_protection_and_it_is_audited(app, client, world):
    login(client, "admin@quiet.example")
    url = f"/organisations/{world['quiet']}/protection"
    assert "Visible to platform members only" in text(client, url)
    r = client.post(url, data={"members_only": "y", "hide_memberships": "y"})
    assert r.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, world["quiet"])
        assert org.members_only and org.hide_memberships
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "organisation.protection")
        )
        assert entry.after == {"members_only": True, "hide_memberships": True}
    client.post("/auth/logout")
    assert client.get(f"/organisations/{world['quiet']}").status_code == 404


def test_only_its_admins_and_the_secretariat_reach_the_protection_page(app, client, world):
    url = f"/organisations/{world['hidden']}/protection"
    assert client.get(url).status_code == 302  # to log in
    login(client, "colleague@hidden.example")
    assert client.get(url).status_code == 403
    assert client.post(url, data={"members_only": ""}).status_code == 403
    assert client.post(url + "/withdraw").status_code == 403
    client.post("/auth/logout")
    login(client, "viewer@open.example")
    assert client.get(url).status_code == 403
    assert client.get("/organisations/999999/protection").status_code == 404
    assert client.post("/organisations/999999/protection/withdraw").status_code == 404
    client.post("/auth/logout")
    login(client, "staff@eesc.example")
    assert client.get(url).status_code == 200
    with app.app_context():
        assert db.session.get(Organisation, world["hidden"]).members_only


def test_views_of_members_only_details_are_logged_for_its_admins(app, client, world):
    hidden = world["hidden"]
    as_member(client)
    text(client, f"/organisations/{hidden}")
    text(client, f"/directory/contacts/{world['members_contact']}")
    text(client, f"/directory/contacts/{world['members_contact']}.vcf")
    text(client, "/directory/export.csv?q=person")
    client.get(f"/api/v1/organisations/{hidden}")
    # A public contact's page shows nothing members-only: not logged.
    text(client, f"/directory/contacts/{world['public_contact']}")
    client.post("/auth/logout")
    # Its own people are not logged.
    login(client, "colleague@hidden.example")
    text(client, f"/organisations/{hidden}")
    client.post("/auth/logout")
    with app.app_context():
        channels = sorted(
            db.session.scalars(
                select(ContactDetailsView.channel).where(
                    ContactDetailsView.organisation_id == hidden
                )
            )
        )
        assert channels == ["api", "contact_page", "export", "organisation_page", "vcard"]
    login(client, "admin@hidden.example")
    page = text(client, f"/organisations/{hidden}/protection")
    assert page.count("Vera Viewer") == 5 and OPEN in page
    assert "A vCard download" in page


def test_withdrawing_makes_every_contact_private_at_once(app, client, world):
    login(client, "admin@hidden.example")
    r = client.post(f"/organisations/{world['hidden']}/protection/withdraw")
    assert r.status_code == 302
    with app.app_context():
        shown = db.session.scalars(
            select(Contact.visibility).where(Contact.organisation_id == world["hidden"])
        ).all()
        assert set(shown) == {Visibility.PRIVATE}
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "organisation.contacts_withdrawn")
        )
        assert entry.target_id == world["hidden"] and len(entry.after["contacts"]) == 2
    client.post("/auth/logout")
    as_member(client)
    assert client.get(f"/directory/contacts/{world['members_contact']}").status_code == 404
    assert "members@forum.example" not in text(client, f"/organisations/{world['hidden']}")
