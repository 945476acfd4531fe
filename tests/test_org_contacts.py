"""An organisation's contact people and other names: kept by its admins, shown to those allowed."""

import re

import pytest
from sqlalchemy import func, select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import OrganisationName
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db

from .factories import login, make_contacts_of_every_visibility, make_org, make_user


def checked(page: str, value: str) -> bool:
    """Whether the radio button of this value is checked."""
    inputs = re.findall(r"<input[^>]*>", page)
    return any(f'value="{value}"' in i and " checked" in i for i in inputs)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def setup_org(app, country="KZ", status=OrganisationStatus.VERIFIED):
    with app.app_context():
        org = make_org(name="Steppe Green Initiative", country=country, status=status)
        make_user(org=org, role=Role.ADMIN, email="admin@steppe.example", full_name="Ana Admin")
        make_user(org=org, email="member@steppe.example", full_name="Mo Member")
        return org.id


def contact_form(**overrides):
    data = {
        "name": "Aigerim Nurlanovna",
        "role": "Director",
        "email": "aigerim@steppe.example",
        "phone": "8 (727) 250-12-34",
        "visibility": "members",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_contact_kept_as_written_and_in_e164(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    page = client.get(f"/organisations/{org_id}/contacts/new").get_data(as_text=True)
    assert checked(page, "members")  # the default visibility
    r = client.post(f"/organisations/{org_id}/contacts/new", data=contact_form())
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/organisations/{org_id}/contacts")
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.organisation_id == org_id
        assert contact.phone == "8 (727) 250-12-34"
        assert contact.phone_e164 == "+77272501234"  # read as a Kazakh number: the org's country
        assert contact.visibility == Visibility.MEMBERS
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "contact.create" and entry.target_id == contact.id
        assert entry.actor_email == "admin@steppe.example"
    listing = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Aigerim Nurlanovna" in listing and "Platform members" in listing
    assert 'href="tel:+77272501234"' in listing
    assert 'href="mailto:aigerim@steppe.example"' in listing


def test_an_unreadable_phone_is_refused_with_a_field_message(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    r = client.post(f"/organisations/{org_id}/contacts/new", data=contact_form(phone="12"))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    # Read as a number of the organisation's country, Kazakhstan, which it is not.
    assert "This is not a valid phone number for Kazakhstan" in page
    assert 'id="phone-error"' in page and 'value="Aigerim Nurlanovna"' in page
    assert count(app, Contact) == 0
    assert count(app, AuditEntry) == 0


def test_a_contact_needs_a_name_and_a_valid_email(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    r = client.post(
        f"/organisations/{org_id}/contacts/new", data=contact_form(name="", email="not-an-email")
    )
    assert r.status_code == 422
    assert 'id="name-error"' in r.get_data(as_text=True)
    assert 'id="email-error"' in r.get_data(as_text=True)
    assert count(app, Contact) == 0


def test_admin_edits_and_removes_a_contact(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    client.post(f"/organisations/{org_id}/contacts/new", data=contact_form())
    with app.app_context():
        contact_id = db.session.scalar(select(Contact.id))
    page = client.get(f"/organisations/{org_id}/contacts/{contact_id}/edit").get_data(as_text=True)
    assert 'value="Director"' in page and checked(page, "members")
    r = client.post(
        f"/organisations/{org_id}/contacts/{contact_id}/edit",
        data=contact_form(role="Chair", phone="+32 2 546 90 88", visibility="public"),
    )
    assert r.status_code == 302
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert contact.role == "Chair" and contact.visibility == Visibility.PUBLIC
        assert contact.phone_e164 == "+3225469088"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contact.update"))
        assert entry.before["role"] == "Director" and entry.after["role"] == "Chair"
    r = client.post(f"/organisations/{org_id}/contacts/{contact_id}/delete")
    assert r.status_code == 302
    assert count(app, Contact) == 0
    assert count(app, AuditEntry, AuditEntry.action == "contact.delete") == 1


def test_secretariat_may_keep_an_organisations_contacts(app, client):
    org_id = setup_org(app)
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    login(client, "staff@eesc.example")
    r = client.post(f"/organisations/{org_id}/contacts/new", data=contact_form())
    assert r.status_code == 302
    assert count(app, Contact, Contact.organisation_id == org_id) == 1


def test_only_admins_keep_contacts(app, client):
    org_id = setup_org(app)
    with app.app_context():
        contact = Contact(organisation_id=org_id, name="Kept", visibility=Visibility.PUBLIC)
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
        make_user(role=Role.ADMIN, email="outsider@other.example")
    urls = [
        ("get", f"/organisations/{org_id}/contacts", None),
        ("get", f"/organisations/{org_id}/contacts/new", None),
        ("post", f"/organisations/{org_id}/contacts/new", contact_form()),
        ("post", f"/organisations/{org_id}/contacts/{contact_id}/edit", contact_form(name="X")),
        ("post", f"/organisations/{org_id}/contacts/{contact_id}/delete", None),
        ("post", f"/organisations/{org_id}/names", {"name": "Другое имя"}),
    ]
    visitor = app.test_client()
    for method, url, data in urls:
        r = getattr(visitor, method)(url, data=data)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], url
    for email in ("member@steppe.example", "outsider@other.example"):
        c = app.test_client()
        login(c, email)
        for method, url, data in urls:
            assert getattr(c, method)(url, data=data).status_code == 403, (email, url)
    with app.app_context():
        assert [c.name for c in db.session.scalars(select(Contact))] == ["Kept"]
    assert count(app, OrganisationName) == 0
    assert count(app, AuditEntry) == 0


def test_a_contact_of_another_organisation_is_not_found_here(app, client):
    org_id = setup_org(app)
    with app.app_context():
        other = make_org(name="Other Org")
        contact = Contact(organisation_id=other.id, name="Theirs")
        eesc = Contact(organisation_id=None, organisation_name="EESC", name="EESC person")
        db.session.add_all([contact, eesc])
        db.session.commit()
        ids = (contact.id, eesc.id)
    login(client, "admin@steppe.example")
    for contact_id in ids:
        assert client.get(f"/organisations/{org_id}/contacts/{contact_id}/edit").status_code == 404
        r = client.post(f"/organisations/{org_id}/contacts/{contact_id}/delete")
        assert r.status_code == 404
    assert count(app, Contact) == 2


@pytest.fixture
def contacts_of_each_visibility(app):
    """A verified organisation with a contact of each visibility, and people to look."""
    with app.app_context():
        org = make_org(name="Almaty Civic Forum", country="KZ", status=OrganisationStatus.VERIFIED)
        make_user(org=org, email="own@forum.example")
        make_contacts_of_every_visibility(org)
        verified = make_org(name="Verified Partner", status=OrganisationStatus.VERIFIED)
        make_user(org=verified, email="member@verified.example")
        pending = make_org(name="Pending Partner", status=OrganisationStatus.PENDING)
        make_user(org=pending, email="member@pending.example")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        return org.id


SEES = {
    None: {"Public Person"},
    "member@pending.example": {"Public Person"},
    "member@verified.example": {"Public Person", "Members Person"},
    "own@forum.example": {"Public Person", "Members Person", "Private Person"},
    "staff@eesc.example": {"Public Person", "Members Person", "Private Person"},
}


@pytest.mark.parametrize("viewer", list(SEES))
def test_profile_shows_the_contacts_the_viewer_may_see(app, contacts_of_each_visibility, viewer):
    org_id = contacts_of_each_visibility
    client = app.test_client()
    if viewer:
        login(client, viewer)
    page = client.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "Contact people" in page
    shown = {name for name in ("Public Person", "Members Person", "Private Person") if name in page}
    assert shown == SEES[viewer]
    for name in SEES[viewer]:
        address = name.split()[0].lower() + "@forum.example"
        assert f'href="mailto:{address}"' in page
    for name in {"Public Person", "Members Person", "Private Person"} - SEES[viewer]:
        assert name.split()[0].lower() + "@forum.example" not in page
    assert 'href="tel:+77272501234"' in page
    assert "Manage contact people" not in page


def test_admin_sees_the_link_to_manage_contacts_and_names(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    page = client.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert f'href="/organisations/{org_id}/contacts"' in page
    assert f'href="/organisations/{org_id}/names"' in page


def test_admin_records_other_names_shown_on_the_profile(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    r = client.post(
        f"/organisations/{org_id}/names",
        data={"name": "Инициатива Зелёная степь", "language": "ru"},
    )
    assert r.status_code == 302
    r = client.post(f"/organisations/{org_id}/names", data={"name": "Жасыл дала", "language": "kk"})
    assert r.status_code == 302
    with app.app_context():
        names = {(n.name, n.language) for n in db.session.scalars(select(OrganisationName))}
        assert names == {("Инициатива Зелёная степь", "ru"), ("Жасыл дала", "kk")}
        assert count(app, AuditEntry, AuditEntry.action == "organisation.other_name_add") == 2
    page = app.test_client().get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "Инициатива Зелёная степь" in page and 'lang="kk"' in page


def test_a_name_the_organisation_already_has_is_refused(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    client.post(f"/organisations/{org_id}/names", data={"name": "Жасыл дала"})
    for name in ("жасыл  дала", "STEPPE green initiative"):
        r = client.post(f"/organisations/{org_id}/names", data={"name": name})
        assert r.status_code == 422
        assert "already has this name" in r.get_data(as_text=True)
    r = client.post(f"/organisations/{org_id}/names", data={"name": ""})
    assert r.status_code == 422
    assert count(app, OrganisationName) == 1


def test_admin_removes_another_name(app, client):
    org_id = setup_org(app)
    login(client, "admin@steppe.example")
    client.post(f"/organisations/{org_id}/names", data={"name": "Жасыл дала"})
    with app.app_context():
        name_id = db.session.scalar(select(OrganisationName.id))
    assert client.get(f"/organisations/{org_id}/names").status_code == 200
    r = client.post(f"/organisations/{org_id}/names/{name_id}/delete")
    assert r.status_code == 302
    assert count(app, OrganisationName) == 0
    assert count(app, AuditEntry, AuditEntry.action == "organisation.other_name_remove") == 1


@pytest.mark.parametrize(
    ("phone", "language", "message"),
    [
        ("+7 727 12", "en", "This is not a valid phone number for Kazakhstan (country code +7)"),
        (
            "+7 727 12",
            "ru",
            "Это недействительный номер телефона для страны «Казахстан» (код страны +7)",
        ),
        ("+7 727 12", "kk", "Бұл — «Қазақстан» елі үшін жарамсыз телефон нөмірі (ел коды +7)"),
        ("+32 12", "en", "This is not a valid phone number for Belgium (country code +32)"),
        ("+999 1234 5678", "en", "No country has the code this number starts with"),
        ("call me", "en", "Enter a phone number we can read"),
    ],
)
def test_a_phone_refused_by_the_numbering_rules_says_why(app, client, phone, language, message):
    """A number that starts with + is never told to start with +."""
    org_id = setup_org(app)
    client.get(f"/language/{language}")
    login(client, "admin@steppe.example")
    r = client.post(f"/organisations/{org_id}/contacts/new", data=contact_form(phone=phone))
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and message in page
    assert "starting with +" not in page
    assert count(app, Contact) == 0
