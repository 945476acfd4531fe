"""The verification queue: verify, reject with a reason, and ask again."""

import re
from datetime import timedelta

import pytest
from flask_mailman import EmailMessage
from sqlalchemy import func, select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Membership,
    MembershipEvent,
    MembershipStatus,
    WorkingGroup,
    WorkingGroupTranslation,
)

from .factories import login, make_org, make_user


def make_group(slug: str, moderated: bool) -> WorkingGroup:
    group = WorkingGroup(slug=slug, priority=1, moderated=moderated)
    group.translations.append(WorkingGroupTranslation(locale="en", title=slug.title()))
    db.session.add(group)
    db.session.commit()
    return group


def setup_pending(app, **values):
    """An organisation awaiting verification with its admin, and a secretariat account."""
    with app.app_context():
        org = make_org(
            name=values.pop("name", "Steppe Green Initiative"),
            country="KZ",
            website="https://steppe-green.kz",
            registration_number="100140001231",
            description="Environmental education in the steppe.",
            **values,
        )
        make_user(org=org, role=Role.ADMIN, email="admin@steppe.kz", email_confirmed_at=None)
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        return org.id


def audit_actions(org_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "organisation", AuditEntry.target_id == org_id)
            .order_by(AuditEntry.id)
        )
    )


def test_queue_lists_what_organisations_declared_oldest_first(app, client):
    org_id = setup_pending(app)
    with app.app_context():
        older = make_org(name="Older Union", created_at=utcnow() - timedelta(days=3))
        make_org(name="Already Verified", status=OrganisationStatus.VERIFIED)
        older_id = older.id
    login(client, "staff@eesc.example")
    r = client.get("/admin/verification")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert page.index("Older Union") < page.index("Steppe Green Initiative")
    assert "Already Verified" not in page
    for declared in (
        "https://steppe-green.kz",
        "Kazakhstan",
        "Non-governmental organisation",
        "100140001231",
        "Environmental education in the steppe.",
        "admin@steppe.kz — email not confirmed",
    ):
        assert declared in page
    assert f'action="/admin/organisations/{org_id}/verify"' in page
    assert f'action="/admin/organisations/{older_id}/reject"' in page
    assert ">Verify<" in page and ">Reason<" in page


def test_verify_badges_mails_and_moves_pending_requests_of_open_groups(app, client, outbox):
    org_id = setup_pending(app)
    with app.app_context():
        open_group = make_group("open-group", moderated=False)
        moderated = make_group("moderated-group", moderated=True)
        for group in (open_group, moderated):
            membership = Membership(
                organisation_id=org_id, group_id=group.id, status=MembershipStatus.PENDING
            )
            membership.events.append(
                MembershipEvent(from_status=None, to_status=MembershipStatus.PENDING)
            )
            db.session.add(membership)
        db.session.commit()
    login(client, "staff@eesc.example")
    r = client.post(f"/admin/organisations/{org_id}/verify")
    assert r.status_code == 302 and r.headers["Location"] == "/admin/verification"
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.status == OrganisationStatus.VERIFIED and org.verified_at is not None
        statuses = {
            m.group.slug: m.status
            for m in db.session.scalars(
                select(Membership).where(Membership.organisation_id == org_id)
            )
        }
        assert statuses == {
            "open-group": MembershipStatus.ACTIVE,
            "moderated-group": MembershipStatus.PENDING,
        }
        assert audit_actions(org_id) == ["organisation.verify"]
        entry = db.session.scalar(select(AuditEntry))
        assert entry.actor_email == "staff@eesc.example"
        assert entry.before["status"] == "pending" and entry.after["status"] == "verified"
    assert [m.to for m in outbox] == [["admin@steppe.kz"]]
    assert "is now verified" in outbox[0].body
    assert f"/organisations/{org_id}" in outbox[0].body
    queue = client.get("/admin/verification").get_data(as_text=True)
    assert "Steppe Green Initiative is verified." in queue
    assert "No organisation is waiting." in queue
    row = client.get("/directory/").get_data(as_text=True)
    assert "Verified" in row and "Awaiting verification" not in row


def test_a_mail_failure_does_not_undo_the_verification(app, client, monkeypatch):
    org_id = setup_pending(app)

    def broken(self, fail_silently=False):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(EmailMessage, "send", broken)
    login(client, "staff@eesc.example")
    assert client.post(f"/admin/organisations/{org_id}/verify").status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.VERIFIED


def test_reject_needs_a_reason(app, client, outbox):
    org_id = setup_pending(app)
    login(client, "staff@eesc.example")
    r = client.post(f"/admin/organisations/{org_id}/reject", data={"reason": "   "})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'id="reason-{org_id}-error"' in page
    assert "Give the reason" in page
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.PENDING
        assert audit_actions(org_id) == []
    assert outbox == []


def test_rejected_organisation_is_told_why_corrects_and_asks_again(app, client, outbox):
    org_id = setup_pending(app)
    login(client, "staff@eesc.example")
    reason = "The website does not mention a registered association."
    r = client.post(f"/admin/organisations/{org_id}/reject", data={"reason": reason})
    assert r.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.status == OrganisationStatus.REJECTED and org.status_reason == reason
    assert outbox[0].to == ["admin@steppe.kz"] and reason in outbox[0].body
    directory = app.test_client().get("/directory/").get_data(as_text=True)
    assert "Steppe Green" not in directory

    admin = client.application.test_client()
    login(admin, "admin@steppe.kz")
    profile = admin.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert reason in profile and "Ask for verification again" in profile
    r = admin.post(f"/organisations/{org_id}/ask-again")
    assert r.status_code == 302 and r.headers["Location"] == f"/organisations/{org_id}"
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.status == OrganisationStatus.PENDING and org.status_reason is None
        assert audit_actions(org_id) == ["organisation.reject", "organisation.ask_again"]
    assert "Steppe Green Initiative" in client.get("/admin/verification").get_data(as_text=True)
    assert "Ask for verification again" not in admin.get(f"/organisations/{org_id}").get_data(
        as_text=True
    )


def test_only_the_organisations_admins_ask_again(app, client):
    org_id = setup_pending(app, status=OrganisationStatus.REJECTED)
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        make_user(org=org, email="member@steppe.kz")
        make_user(role=Role.ADMIN, email="admin@other.example")
    for email in ("member@steppe.kz", "admin@other.example", "staff@eesc.example"):
        c = app.test_client()
        login(c, email)
        assert c.post(f"/organisations/{org_id}/ask-again").status_code == 403
    assert client.post(f"/organisations/{org_id}/ask-again").status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.REJECTED
        assert audit_actions(org_id) == []


def test_asking_again_applies_only_to_a_rejected_organisation(app, client):
    org_id = setup_pending(app)
    login(client, "admin@steppe.kz")
    r = client.post(f"/organisations/{org_id}/ask-again", follow_redirects=True)
    assert "Only a rejected organisation" in r.get_data(as_text=True)
    with app.app_context():
        assert audit_actions(org_id) == []


@pytest.mark.parametrize("status", [OrganisationStatus.VERIFIED, OrganisationStatus.REJECTED])
def test_verify_and_reject_apply_only_to_organisations_awaiting_verification(
    app, client, outbox, status
):
    org_id = setup_pending(app, status=status)
    login(client, "staff@eesc.example")
    r = client.post(f"/admin/organisations/{org_id}/verify", follow_redirects=True)
    assert "this action no longer applies" in r.get_data(as_text=True)
    client.post(f"/admin/organisations/{org_id}/reject", data={"reason": "Duplicate"})
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == status
        assert audit_actions(org_id) == []
    assert outbox == []


def test_reject_from_the_organisation_page_returns_there(app, client):
    org_id = setup_pending(app)
    login(client, "staff@eesc.example")
    r = client.post(f"/admin/organisations/{org_id}/reject?back=organisation", data={})
    assert r.status_code == 422
    assert '<h1 class="ecl-u-type-heading-1">Steppe Green Initiative' in r.get_data(as_text=True)
    r = client.post(
        f"/admin/organisations/{org_id}/reject?back=organisation", data={"reason": "Duplicate"}
    )
    assert r.headers["Location"] == f"/admin/organisations/{org_id}"


def test_verification_needs_the_csrf_token(app, client):
    org_id = setup_pending(app)
    login(client, "staff@eesc.example")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/organisations/{org_id}/verify").status_code == 400
    r = client.post(f"/admin/organisations/{org_id}/reject", data={"reason": "No token"})
    assert r.status_code == 400
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.PENDING
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
    queue = client.get("/admin/verification").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', queue).group(1)
    r = client.post(f"/admin/organisations/{org_id}/verify", data={"csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.VERIFIED


ROUTES = [
    ("get", "/admin/verification"),
    ("post", "/admin/organisations/{id}/verify"),
    ("post", "/admin/organisations/{id}/reject"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_the_secretariat_reaches_the_queue(app, method, path):
    org_id = setup_pending(app)
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        make_user(org=org, email="member@steppe.kz")
    url = path.format(id=org_id)
    visitor = app.test_client()
    r = getattr(visitor, method)(url, data={"reason": "x"})
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    for email in ("admin@steppe.kz", "member@steppe.kz"):
        c = app.test_client()
        login(c, email)
        assert getattr(c, method)(url, data={"reason": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.PENDING
    staff = app.test_client()
    login(staff, "staff@eesc.example")
    r = getattr(staff, method)(url, data={"reason": "x"})
    assert r.status_code in (200, 302)
    assert "noindex" in r.headers["X-Robots-Tag"]
