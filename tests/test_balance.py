"""Balance at a glance: a working group's membership by side and by EESC group on its page, and
the secretariat's list of unbalanced groups under the rule stated on the dashboard."""

import re

import pytest
from sqlalchemy import select

from eukz_platform.auth.models import Role
from eukz_platform.core.vocabulary import EESCGroup, OrganisationStatus, Side
from eukz_platform.extensions import db
from eukz_platform.groups import balance
from eukz_platform.groups.models import Membership, MembershipStatus, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED


def add_member(org, slug):
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    db.session.add(
        Membership(organisation_id=org.id, group_id=group.id, status=MembershipStatus.ACTIVE)
    )
    db.session.commit()


@pytest.fixture
def groups(app):
    """Erasmus: balanced (two per side, groups I, II, III each present). Raw materials: EU
    only, employers only. The others: no members."""
    with app.app_context():
        ensure_groups_and_contacts()
        for country, eesc in (("DE", "I"), ("FR", "II"), ("KZ", "III"), ("KZ", "I")):
            add_member(make_org(country=country, eesc_group=eesc, status=VERIFIED), "erasmus")
        for _ in range(3):
            add_member(make_org(country="IT", eesc_group="I", status=VERIFIED), "raw-materials-mou")
        # Awaiting verification: not counted for visitors.
        add_member(make_org(country="KZ", eesc_group="II"), "raw-materials-mou")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")


def cells(html: str) -> list[str]:
    table = html.split('class="ecl-table ecl-table--zebra eukz-balance"', 1)[1].split("</table>")[0]
    return re.findall(r"<td[^>]*>(?:<strong>)?([^<]*)", table)


def test_group_page_shows_its_membership_by_side_and_eesc_group(client, groups):
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Balance of the membership" in html
    assert "Member organisations by side (rows) and by EESC group (columns)." in html
    # Rows EU, Kazakhstan, Other, Total; columns I, II, III, none, total: numbers written.
    assert cells(html) == [
        *["1", "1", "0", "0", "2"],
        *["1", "0", "1", "0", "2"],
        *["0", "0", "0", "0", "0"],
        *["2", "1", "1", "0", "4"],
    ]
    assert '<th scope="row"' in html and '<th scope="col"' in html


def test_visitors_balance_counts_only_what_they_may_see(client, groups):
    html = client.get("/working-groups/raw-materials-mou").get_data(as_text=True)
    assert cells(html)[-5:] == ["3", "0", "0", "0", "3"]


def test_the_rule(app):
    with app.app_context():
        b = balance.Balance()
        assert b.problems() == [] and not b.unbalanced  # no members: not judged
        b.cells = {
            (Side.EU, EESCGroup.I): 1,
            (Side.EU, EESCGroup.II): 1,
            (Side.KAZAKHSTAN, EESCGroup.III): 1,
        }
        assert not b.unbalanced
        b.cells[(Side.EU, EESCGroup.I)] = 3
        # Kazakhstan 1 of 5: under a third.
        assert any("Kazakhstan side: 1 of 5" in p for p in b.problems())
        b.cells = {(Side.EU, EESCGroup.I): 5, (Side.KAZAKHSTAN, EESCGroup.II): 5}
        problems = b.problems()
        assert problems == ["Group III – Civil Society Organisations: 0 of 10 member organisations"]


def test_dashboard_lists_unbalanced_groups_and_states_the_rule(client, groups):
    login(client, "staff@eesc.example")
    html = client.get("/admin/dashboard").get_data(as_text=True)
    assert "The rule:" in html and "less than 33%" in html and "less than 10%" in html
    listed = html.split('class="ecl-unordered-list eukz-unbalanced"', 1)[1].split("</ul>")[0]
    assert "/working-groups/raw-materials-mou" in listed
    assert "/working-groups/erasmus" not in listed
    # The secretariat counts the one awaiting verification too: 4 members, Kazakhstan 1 of 4.
    assert "Kazakhstan side: 1 of 4 member organisations" in listed
    assert "No members yet" in html


def test_dashboard_is_the_secretariats(client, groups):
    assert client.get("/admin/dashboard").status_code == 302


def test_the_api_gives_a_groups_balance_as_the_page_does(client, groups):
    erasmus = client.get("/api/v1/working-groups/erasmus").get_json()["balance"]
    assert erasmus["by_side"]["eu"] == {"I": 1, "II": 1, "III": 0, "none": 0}
    assert erasmus["by_side"]["kz"] == {"I": 1, "II": 0, "III": 1, "none": 0}
    assert erasmus["unbalanced"] is False and erasmus["problems"] == []
    raw = client.get(
        "/api/v1/working-groups/raw-materials-mou", headers={"Accept-Language": "ru"}
    ).get_json()["balance"]
    # The organisation awaiting verification is not counted for a visitor.
    assert raw["by_side"]["eu"]["I"] == 3 and raw["by_side"]["kz"]["II"] == 0
    assert raw["unbalanced"] is True
    assert raw["problems"] and all(re.search("[а-я]", p) for p in raw["problems"])
