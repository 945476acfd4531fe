"""The audit log page: searchable, filterable, paginated, and read only."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eukz_platform import audit
from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.extensions import db

from .factories import login, make_org, make_user


@pytest.fixture
def staff(app):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    client = app.test_client()
    login(client, "staff@eesc.example")
    return client


def add_entries(app):
    with app.app_context():
        anna = make_user(role=Role.SECRETARIAT, email="anna@eesc.example")
        boris = make_user(role=Role.SECRETARIAT, email="boris@eesc.example")
        rows = [
            (
                anna,
                "organisation.verify",
                "organisation",
                7,
                "Steppe Green: pending → verified",
                datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
            ),
            (
                boris,
                "organisation.reject",
                "organisation",
                8,
                "Fake Union: pending → rejected",
                datetime(2025, 3, 15, 23, 59, tzinfo=UTC),
            ),
            (
                anna,
                "contact.update",
                "contact",
                3,
                "Millie Tsoumani edited",
                datetime(2025, 4, 2, 0, 0, tzinfo=UTC),
            ),
        ]
        for actor, action, target_type, target_id, summary, at in rows:
            entry = audit.record(
                actor,
                action,
                target_type,
                target_id,
                summary,
                {"status": "pending", "city": "Almaty"},
                {"status": "verified", "city": "Almaty"},
            )
            entry.at = at
        db.session.commit()


def summaries(page: str) -> list[str]:
    return re.findall(
        r"(Steppe Green: pending → verified|Fake Union: pending → rejected|"
        r"Millie Tsoumani edited)",
        page,
    )


def test_the_log_shows_who_when_what_and_the_values_before_and_after(app, staff):
    add_entries(app)
    r = staff.get("/admin/audit")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert summaries(page) == [
        "Millie Tsoumani edited",
        "Fake Union: pending → rejected",
        "Steppe Green: pending → verified",
    ]
    assert "anna@eesc.example" in page and "boris@eesc.example" in page
    assert "1 March 2025" in page or "Mar 1, 2025" in page
    # Changed values are shown, unchanged ones left out.
    assert re.search(r"status</dt>\s*<dd[^>]*>pending → verified", page)
    assert "city</dt>" not in page
    assert 'href="/admin/organisations/7"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "organisation.reject"}, ["Fake Union: pending → rejected"]),
        ({"actor": "BORIS@"}, ["Fake Union: pending → rejected"]),
        ({"target_type": "contact"}, ["Millie Tsoumani edited"]),
        ({"target_type": "organisation", "target_id": "7"}, ["Steppe Green: pending → verified"]),
        (
            {"date_from": "2025-03-01", "date_to": "2025-03-15"},
            ["Fake Union: pending → rejected", "Steppe Green: pending → verified"],
        ),
        ({"date_from": "2025-04-02"}, ["Millie Tsoumani edited"]),
        ({"actor": "anna", "target_type": "organisation"}, ["Steppe Green: pending → verified"]),
    ],
)
def test_the_log_is_filtered(app, staff, query, expected):
    add_entries(app)
    r = staff.get("/admin/audit", query_string=query)
    assert r.status_code == 200
    assert summaries(r.get_data(as_text=True)) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2025-04-02", "date_to": "2025-03-01"},
        {"date_from": "yesterday"},
        {"action": "organisation.delete"},
        {"target_id": "seven"},
    ],
)
def test_bad_filters_get_a_clear_message(app, staff, query):
    add_entries(app)
    r = staff.get("/admin/audit", query_string=query)
    assert r.status_code == 400
    assert "There is a problem" in r.get_data(as_text=True)


def test_the_log_is_paginated_keeping_the_filters(app, staff):
    with app.app_context():
        for n in range(60):
            audit.record(None, "organisation.confirmation_reminded", "organisation", n, f"#{n}")
        db.session.commit()
    page = staff.get("/admin/audit?target_type=organisation").get_data(as_text=True)
    assert "60 entries" in page and "Page 1 of 2" in page
    assert "The platform (housekeeping)" in page
    assert 'href="/admin/audit?page=2&amp;target_type=organisation"' in page
    second = staff.get("/admin/audit?page=2&target_type=organisation").get_data(as_text=True)
    assert second.count('data-ecl-table-header="Who"') == 10


def test_no_route_edits_or_deletes_an_entry(app, staff):
    add_entries(app)
    with app.app_context():
        entry_id = db.session.scalar(select(AuditEntry.id))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(staff, method)("/admin/audit").status_code == 405
    for suffix in ("", "/edit", "/delete"):
        assert staff.get(f"/admin/audit/{entry_id}{suffix}").status_code == 404
        assert staff.post(f"/admin/audit/{entry_id}{suffix}").status_code == 404
    audit_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert [(r.rule, sorted(r.methods - {"HEAD", "OPTIONS"})) for r in audit_rules] == [
        ("/admin/audit", ["GET"])
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 3


def test_the_secretariats_actions_appear_in_the_log(app, staff):
    with app.app_context():
        org_id = make_org(name="Steppe Green Initiative").id
    staff.post(f"/admin/organisations/{org_id}/verify")
    page = staff.get("/admin/audit?action=organisation.verify").get_data(as_text=True)
    assert "Steppe Green Initiative: pending → verified" in page
    assert "staff@eesc.example" in page


def test_only_the_secretariat_reads_the_log(app):
    with app.app_context():
        org = make_org()
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
        make_user(org=org, email="member@civic.example")
    r = app.test_client().get("/admin/audit")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    for email in ("admin@civic.example", "member@civic.example"):
        c = app.test_client()
        login(c, email)
        assert c.get("/admin/audit").status_code == 403
