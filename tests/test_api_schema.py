"""The read API against its own OpenAPI document (/api/v1/openapi.json), with schemathesis: every
check, valid and invalid requests generated from the document, in-process against the app, on
each engine. A bounded number of examples per operation keeps it to well under a minute."""

import os

import pytest
import schemathesis
from hypothesis import settings

from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership, MembershipStatus, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import make_contacts_of_every_visibility, make_org

# Examples per operation; more for a longer hunt (SCHEMA_EXAMPLES=300). CI tries the same ones
# each time (derandomize); elsewhere each run tries new ones.
EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "30"))


@pytest.fixture
def api_schema(app):
    """The document the app serves, with working groups, organisations of several statuses,
    contacts of every visibility and a membership behind it."""
    with app.app_context():
        ensure_groups_and_contacts()
        forum = make_org(
            name="Almaty Civic Forum",
            country="KZ",
            city="Almaty",
            sectors=["human_rights"],
            status=OrganisationStatus.VERIFIED,
        )
        make_org(
            name="Baltic Workers Union",
            country="LV",
            type="trade_union",
            status=OrganisationStatus.VERIFIED,
        )
        make_org(name="Caspian Energy Network", country="KZ")
        make_contacts_of_every_visibility(forum)
        group = db.session.scalar(db.select(WorkingGroup).order_by(WorkingGroup.priority))
        db.session.add(
            Membership(organisation_id=forum.id, group_id=group.id, status=MembershipStatus.ACTIVE)
        )
        db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")))
def test_the_api_does_what_its_openapi_document_says(case):
    case.call_and_validate()
