"""The annual confirmation: remind, flag, hide, and confirm again; `flask housekeeping`."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eukz_platform import housekeeping
from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.core.models import ConfirmationState, Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db

from .factories import login, make_org, make_user

State = ConfirmationState


def setup_org(app, confirmed_days_ago=400, **values):
    with app.app_context():
        org = make_org(
            name=values.pop("name", "Civic Union"),
            status=values.pop("status", OrganisationStatus.VERIFIED),
            profile_confirmed_at=utcnow() - timedelta(days=confirmed_days_ago),
            **values,
        )
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
        make_user(org=org, email="member@civic.example")
        return org.id


def state_of(app, org_id):
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        return org.confirmation_state


def run(app, days_later=0):
    with app.app_context():
        return housekeeping.annual_confirmation(utcnow() + timedelta(days=days_later))


def test_a_year_after_the_last_confirmation_the_admins_are_reminded_once(app, runner, outbox):
    org_id = setup_org(app)
    with app.app_context():
        setup_org_id = make_org(name="Recent Union", status=OrganisationStatus.VERIFIED).id
    r = runner.invoke(args=["housekeeping"])
    assert r.exit_code == 0
    assert r.output.strip() == (
        "housekeeping: 1 reminded, 0 flagged, 0 hidden, 0 closed organisations erased"
    )
    assert state_of(app, org_id) == State.REMINDED
    assert state_of(app, setup_org_id) == State.CURRENT
    assert [m.to for m in outbox] == [["admin@civic.example"]]
    assert "Confirm our profile is up to date" in outbox[0].body
    assert f"/organisations/{org_id}" in outbox[0].body
    assert "within 30 days" in outbox[0].body and "90 days after that" in outbox[0].body

    r = runner.invoke(args=["housekeeping"])
    assert r.output.strip() == (
        "housekeeping: 0 reminded, 0 flagged, 0 hidden, 0 closed organisations erased"
    )
    assert len(outbox) == 1
    with app.app_context():
        reminded_at = db.session.get(Organisation, org_id).confirmation_reminded_at
        assert reminded_at is not None and utcnow() - reminded_at < timedelta(minutes=5)


def test_unconfirmed_after_the_grace_month_it_is_flagged_then_hidden(app, outbox):
    org_id = setup_org(app)
    assert run(app).reminded == 1
    assert run(app, days_later=29).flagged == 0
    result = run(app, days_later=31)
    assert (result.reminded, result.flagged, result.hidden) == (0, 1, 0)
    assert state_of(app, org_id) == State.FLAGGED

    visitor = app.test_client()
    directory = visitor.get("/directory/").get_data(as_text=True)
    assert "Civic Union" in directory and "Not confirmed this year" in directory
    assert "Not confirmed this year" in visitor.get(f"/organisations/{org_id}").get_data(
        as_text=True
    )

    assert run(app, days_later=30 + 89).hidden == 0
    assert run(app, days_later=30 + 91).hidden == 1
    assert state_of(app, org_id) == State.HIDDEN
    assert "Civic Union" not in visitor.get("/directory/").get_data(as_text=True)
    assert visitor.get(f"/organisations/{org_id}").status_code == 404
    assert run(app, days_later=400).hidden == 0
    assert len(outbox) == 1  # one reminder in all
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == [
            "organisation.confirmation_reminded",
            "organisation.confirmation_flagged",
            "organisation.confirmation_hidden",
        ]


def test_a_hidden_organisations_admin_confirms_and_it_is_listed_again(app, client):
    org_id = setup_org(app, confirmation_state=State.HIDDEN)
    login(client, "admin@civic.example")
    page = client.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "no longer lists the organisation" in page
    assert "Confirm our profile is up to date" in page
    r = client.post(f"/organisations/{org_id}/confirm-profile")
    assert r.status_code == 302 and r.headers["Location"] == f"/organisations/{org_id}"
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.confirmation_state == State.CURRENT
        assert org.confirmation_reminded_at is None
        assert utcnow() - org.profile_confirmed_at < timedelta(minutes=5)
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "organisation.confirm_profile"
        assert entry.actor_email == "admin@civic.example"
    assert "Civic Union" in app.test_client().get("/directory/").get_data(as_text=True)
    assert "Confirm our profile is up to date" not in client.get(
        f"/organisations/{org_id}"
    ).get_data(as_text=True)
    assert run(app).reminded == 0


def test_saving_the_profile_confirms_it(app, client):
    org_id = setup_org(app, confirmation_state=State.FLAGGED)
    login(client, "admin@civic.example")
    assert "Confirm our profile is up to date" in client.get(f"/organisations/{org_id}").get_data(
        as_text=True
    )
    r = client.post(
        f"/organisations/{org_id}/edit",
        data={"name": "Civic Union", "country": "BE", "type": "ngo", "eesc_group": "none"},
    )
    assert r.status_code == 302
    assert state_of(app, org_id) == State.CURRENT


def test_the_secretariat_editing_a_profile_does_not_confirm_it(app, client):
    org_id = setup_org(app, confirmation_state=State.FLAGGED)
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    login(client, "staff@eesc.example")
    client.post(
        f"/organisations/{org_id}/edit",
        data={"name": "Civic Union", "country": "BE", "type": "ngo", "eesc_group": "none"},
    )
    assert state_of(app, org_id) == State.FLAGGED


def test_only_the_organisations_admins_confirm(app, client):
    org_id = setup_org(app, confirmation_state=State.REMINDED)
    with app.app_context():
        make_user(role=Role.ADMIN, email="admin@other.example")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    r = client.post(f"/organisations/{org_id}/confirm-profile")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    for email in ("member@civic.example", "admin@other.example", "staff@eesc.example"):
        c = app.test_client()
        login(c, email)
        assert c.post(f"/organisations/{org_id}/confirm-profile").status_code == 403
    member = app.test_client()
    login(member, "member@civic.example")
    page = member.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "Confirm our profile is up to date" not in page
    assert state_of(app, org_id) == State.REMINDED


@pytest.mark.parametrize("status", [OrganisationStatus.REJECTED, OrganisationStatus.SUSPENDED])
def test_organisations_not_listed_are_not_reminded(app, outbox, status):
    org_id = setup_org(app, status=status)
    assert run(app).reminded == 0
    assert state_of(app, org_id) == State.CURRENT and outbox == []


def test_the_steps_are_configurable(app, outbox):
    app.config.update(ANNUAL_CONFIRMATION_DAYS=30, ANNUAL_GRACE_DAYS=7, ANNUAL_HIDE_AFTER_DAYS=14)
    org_id = setup_org(app, confirmed_days_ago=31)
    assert run(app).reminded == 1
    assert "within 7 days" in outbox[0].body
    assert run(app, days_later=8).flagged == 1
    assert run(app, days_later=8 + 14).hidden == 1
    assert state_of(app, org_id) == State.HIDDEN


def test_an_organisation_long_unconfirmed_is_reminded_before_anything_else(app, outbox):
    org_id = setup_org(app, confirmed_days_ago=3 * 365)
    result = run(app)
    assert (result.reminded, result.flagged, result.hidden) == (1, 0, 0)
    assert state_of(app, org_id) == State.REMINDED
