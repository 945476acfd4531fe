"""The secretariat keeps the EESC contacts: list, add, edit, hide, delete."""

import pytest
from sqlalchemy import func, select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact, ContactImportBatch, Visibility
from eukz_platform.extensions import db

from .factories import login, make_org, make_user

SECRETARIAT = "secretariat@eesc.example"


def contact_form(**overrides):
    data = {
        "name": "Anna Kowalska",
        "role": "Policy Officer, EESC",
        "organisation_name": "EESC",
        "email": "Anna.Kowalska@EESC.europa.eu",
        "phone": "+32 (0) 2 546 9111",
        "visibility": "public",
    }
    data.update(overrides)
    return data


def add_contact(**values) -> int:
    contact = Contact(
        name=values.pop("name", "Jan Novak"),
        organisation_name=values.pop("organisation_name", "EESC"),
        email=values.pop("email", "jan.novak@eesc.europa.eu"),
        visibility=values.pop("visibility", Visibility.PUBLIC),
        **values,
    )
    db.session.add(contact)
    db.session.commit()
    return contact.id


@pytest.fixture
def secretariat(app, client):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email=SECRETARIAT)
    login(client, SECRETARIAT)
    return client


def contact_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contact.id)))


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_every_contacts_route_is_for_the_secretariat_only(app, client):
    with app.app_context():
        contact_id = add_contact()
        batch = ContactImportBatch(
            filename="contacts.csv",
            rows=[
                {"line": 2, "values": {"name": "X", "email": "x@example.org"}, "action": "create"}
            ],
        )
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
        org = make_org(status="verified")
        make_user(org=org, role=Role.ADMIN, email="admin@org.example")
    routes = [
        ("get", "/admin/contacts"),
        ("get", "/admin/contacts/new"),
        ("post", "/admin/contacts/new"),
        ("get", f"/admin/contacts/{contact_id}/edit"),
        ("post", f"/admin/contacts/{contact_id}/edit"),
        ("post", f"/admin/contacts/{contact_id}/hide"),
        ("get", f"/admin/contacts/{contact_id}/delete"),
        ("post", f"/admin/contacts/{contact_id}/delete"),
        ("get", "/admin/contacts/import"),
        ("post", "/admin/contacts/import"),
        ("get", f"/admin/contacts/imports/{batch_id}"),
        ("post", f"/admin/contacts/imports/{batch_id}/apply"),
    ]
    for method, url in routes:
        r = getattr(client, method)(url, data=contact_form(name="Hacked"))
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], url
    login(client, "admin@org.example")
    for method, url in routes:
        assert getattr(client, method)(url, data=contact_form(name="Hacked")).status_code == 403
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert contact.name == "Jan Novak" and contact.visibility == Visibility.PUBLIC
        assert db.session.get(ContactImportBatch, batch_id).applied_at is None
        assert db.session.scalar(select(func.count(Contact.id))) == 1
    assert audit_actions(app) == []


def test_the_list_shows_every_visibility_and_is_not_indexed(app, secretariat, runner):
    runner.invoke(args=["seed"])
    with app.app_context():
        add_contact(name="Private Person", email="private@eesc.europa.eu", visibility="private")
        add_contact(name="Members Person", email="members@eesc.europa.eu", visibility="members")
        org = make_org(status="verified")
        add_contact(name="Organisation Person", email="p@org.example", organisation_id=org.id)
    r = secretariat.get("/admin/contacts")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "noindex" in r.headers["X-Robots-Tag"]
    for name in ("Millie Tsoumani", "Daniele Vitali", "Private Person", "Members Person"):
        assert name in page
    # Contacts of organisations are kept by the organisations, not here.
    assert "Organisation Person" not in page
    assert '<span class="ecl-label ecl-label--high">Private</span>' in page
    assert 'href="tel:+3225469088"' in page
    found = secretariat.get("/admin/contacts?q=vitali").get_data(as_text=True)
    assert "Daniele Vitali" in found and "Millie Tsoumani" not in found
    # Wildcards are searched for as they are.
    assert "No contact matches" in secretariat.get("/admin/contacts?q=%25").get_data(as_text=True)


def test_secretariat_adds_a_contact(app, secretariat):
    r = secretariat.post("/admin/contacts/new", data=contact_form(organisation_name=""))
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/contacts")
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.name == "Anna Kowalska"
        assert contact.organisation_id is None and contact.organisation_name == "EESC"
        assert contact.phone == "+32 (0) 2 546 9111" and contact.phone_e164 == "+3225469111"
        # The domain is folded to lower case; the local part is kept as written.
        assert contact.email == "Anna.Kowalska@eesc.europa.eu"
        assert contact.visibility == Visibility.PUBLIC
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "contact.create" and entry.target_id == contact.id
        assert entry.actor_email == SECRETARIAT and entry.after["phone_e164"] == "+3225469111"
    assert "Anna Kowalska" in secretariat.get("/admin/contacts").get_data(as_text=True)
    visitor = app.test_client()
    assert "Anna Kowalska" in visitor.get("/directory/").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"phone": "546 9111"}, "Enter a phone number with its country code"),
        ({"phone": "+32 12"}, "This is not a valid phone number for Belgium (country code +32)"),
        ({"phone": "+999 123 4567"}, "No country has the code this number starts with"),
        ({"email": "anna@"}, "Enter a valid email address"),
        ({"name": "  "}, "This field is required."),
        ({"visibility": "everyone"}, "Not a valid choice"),
        ({"role": "x" * 201}, "200 characters"),
    ],
)
def test_adding_refuses_bad_values_beside_the_field(app, secretariat, overrides, message):
    r = secretariat.post("/admin/contacts/new", data=contact_form(**overrides))
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in page and "There is a problem" in page
    assert 'aria-invalid="true"' in page
    assert contact_count(app) == 0 and audit_actions(app) == []


def test_adding_refuses_an_email_another_eesc_contact_has(app, secretariat, runner):
    runner.invoke(args=["seed"])
    r = secretariat.post(
        "/admin/contacts/new", data=contact_form(email="amalia.TSOUMANI@eesc.europa.eu")
    )
    assert r.status_code == 422
    assert "Another EESC contact already has this email." in r.get_data(as_text=True)
    assert contact_count(app) == 2


def test_secretariat_edits_a_seeded_contact_and_seed_keeps_the_edit(app, secretariat, runner):
    runner.invoke(args=["seed"])
    with app.app_context():
        millie = db.session.scalar(select(Contact).where(Contact.name == "Millie Tsoumani"))
        millie_id = millie.id
    page = secretariat.get(f"/admin/contacts/{millie_id}/edit").get_data(as_text=True)
    assert 'value="+32 (0) 2 546 9088"' in page
    r = secretariat.post(
        f"/admin/contacts/{millie_id}/edit",
        data=contact_form(
            name="Millie Tsoumani",
            role="Head of Press, EESC",
            email="Amalia.tsoumani@eesc.europa.eu",
            phone="+32 2 546 9000",
            visibility="members",
        ),
    )
    assert r.status_code == 302
    runner.invoke(args=["seed"])
    with app.app_context():
        millie = db.session.get(Contact, millie_id)
        assert millie.role == "Head of Press, EESC" and millie.phone_e164 == "+3225469000"
        assert millie.visibility == Visibility.MEMBERS
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contact.update"))
        assert entry.before["role"] == "Press Officer, EESC"
        assert entry.after["role"] == "Head of Press, EESC"
        assert entry.after["visibility"] == "members" and "name" not in entry.after
        assert db.session.scalar(select(func.count(Contact.id))) == 2


def test_editing_refuses_a_bad_phone_and_keeps_the_values(app, secretariat):
    with app.app_context():
        contact_id = add_contact(phone="+32 2 546 9088", phone_e164="+3225469088")
    r = secretariat.post(
        f"/admin/contacts/{contact_id}/edit",
        data=contact_form(name="Jan Novak", email="jan.novak@eesc.europa.eu", phone="call me"),
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'value="call me"' in page
    with app.app_context():
        assert db.session.get(Contact, contact_id).phone == "+32 2 546 9088"
    assert audit_actions(app) == []


def test_hiding_makes_the_contact_private(app, secretariat, runner):
    runner.invoke(args=["seed"])
    with app.app_context():
        vitali_id = db.session.scalar(select(Contact.id).where(Contact.name == "Daniele Vitali"))
    r = secretariat.post(f"/admin/contacts/{vitali_id}/hide")
    assert r.status_code == 302
    follow = secretariat.get(r.headers["Location"]).get_data(as_text=True)
    assert "Daniele Vitali is now private" in follow
    with app.app_context():
        assert db.session.get(Contact, vitali_id).visibility == Visibility.PRIVATE
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "contact.hide" and entry.before == {"visibility": "public"}
    directory = app.test_client().get("/directory/").get_data(as_text=True)
    assert "Daniele Vitali" not in directory and "Millie Tsoumani" in directory


def test_deleting_asks_for_confirmation_first(app, secretariat):
    with app.app_context():
        contact_id = add_contact()
    page = secretariat.get(f"/admin/contacts/{contact_id}/delete").get_data(as_text=True)
    assert "Delete the contact Jan Novak?" in page and 'method="post"' in page
    assert contact_count(app) == 1
    r = secretariat.post(f"/admin/contacts/{contact_id}/delete")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/contacts")
    assert contact_count(app) == 0
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "contact.delete" and entry.before["name"] == "Jan Novak"


def test_a_deleted_seeded_contact_stays_deleted_after_seed(app, secretariat, runner):
    runner.invoke(args=["seed"])
    with app.app_context():
        millie_id = db.session.scalar(select(Contact.id).where(Contact.name == "Millie Tsoumani"))
    page = secretariat.get(f"/admin/contacts/{millie_id}/delete").get_data(as_text=True)
    assert "the seed does not add it again" in page
    assert secretariat.post(f"/admin/contacts/{millie_id}/delete").status_code == 302
    assert "0 rows added" in runner.invoke(args=["seed"]).output
    with app.app_context():
        names = db.session.scalars(select(Contact.name)).all()
        assert names == ["Daniele Vitali"]


def test_contacts_of_organisations_are_not_found_here(app, secretariat):
    with app.app_context():
        org = make_org(status="verified")
        contact_id = add_contact(organisation_id=org.id, visibility=Visibility.MEMBERS)
    assert secretariat.get(f"/admin/contacts/{contact_id}/edit").status_code == 404
    assert secretariat.post(f"/admin/contacts/{contact_id}/hide").status_code == 404
    assert secretariat.post(f"/admin/contacts/{contact_id}/delete").status_code == 404
    assert secretariat.get("/admin/contacts/999999/edit").status_code == 404
    assert contact_count(app) == 1


def test_hiding_and_deleting_need_the_csrf_token(app, secretariat):
    with app.app_context():
        contact_id = add_contact()
    app.config["WTF_CSRF_ENABLED"] = True
    assert secretariat.post(f"/admin/contacts/{contact_id}/hide").status_code == 400
    assert secretariat.post(f"/admin/contacts/{contact_id}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(Contact, contact_id).visibility == Visibility.PUBLIC
    assert contact_count(app) == 1
