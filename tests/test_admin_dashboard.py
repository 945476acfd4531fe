"""The secretariat's dashboard: counts as charts with tables, and a CSV file of each."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from eukz_platform.admin import dashboard
from eukz_platform.auth.models import Role
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership, MembershipStatus, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_org, make_user
from .sql import counting_statements

NAMES = [
    "organisations-by-side",
    "organisations-by-country",
    "organisations-by-type",
    "organisations-by-status",
    "memberships-by-group",
    "registrations-by-week",
    "partner-search-outcomes",
]
SECRETARIAT_EMAIL = "secretariat@eesc.example"


def secretariat(app, client):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email=SECRETARIAT_EMAIL)
    login(client, SECRETARIAT_EMAIL)
    return client


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def populate(app) -> None:
    """Three EU organisations (DE, DE, FR), two from Kazakhstan, one from Uzbekistan."""
    with app.app_context():
        ensure_groups_and_contacts()
        verified = OrganisationStatus.VERIFIED
        orgs = [
            make_org(country="DE", type="ngo", status=verified),
            make_org(country="DE", type="trade_union", status=verified),
            make_org(country="FR", type="ngo", status=OrganisationStatus.PENDING),
            make_org(country="KZ", type="ngo", status=verified),
            make_org(country="KZ", type="academic", status=OrganisationStatus.SUSPENDED),
            make_org(country="UZ", type="media", status=OrganisationStatus.REJECTED),
        ]
        groups = {g.slug: g.id for g in db.session.scalars(select(WorkingGroup))}
        statuses = [
            (orgs[0], "erasmus", MembershipStatus.ACTIVE),
            (orgs[1], "erasmus", MembershipStatus.ACTIVE),
            (orgs[3], "erasmus", MembershipStatus.ACTIVE),
            (orgs[3], "raw-materials-mou", MembershipStatus.ACTIVE),
            (orgs[1], "raw-materials-mou", MembershipStatus.LEFT),
            (orgs[2], "raw-materials-mou", MembershipStatus.PENDING),
        ]
        for org, slug, status in statuses:
            db.session.add(Membership(organisation_id=org.id, group_id=groups[slug], status=status))
        db.session.commit()


@pytest.mark.parametrize("path", ["/admin/dashboard", "/admin/dashboard/organisations-by-side.csv"])
def test_visitors_are_sent_to_log_in(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


@pytest.mark.parametrize("path", ["/admin/dashboard", "/admin/dashboard/organisations-by-side.csv"])
@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_others_get_403(app, client, path, role):
    with app.app_context():
        make_user(role=role, email="someone@org.example")
    login(client, "someone@org.example")
    assert client.get(path).status_code == 403


def test_dashboard_shows_charts_with_tables_beside_them(app, client):
    populate(app)
    r = secretariat(app, client).get("/admin/dashboard")
    assert r.status_code == 200
    assert "noindex" in r.headers["X-Robots-Tag"]
    page = r.get_data(as_text=True)
    assert 'style="' not in page  # the strict CSP forbids style attributes
    for name in NAMES:
        assert f'id="chart-{name}"' in page
        assert f'href="/admin/dashboard/{name}.csv"' in page
    assert page.count('role="img"') >= len(NAMES)
    assert page.count('<table class="ecl-table ecl-table--zebra">') == len(NAMES)
    assert page.count('<caption class="ecl-table__caption"') == len(NAMES)
    # Each chart is well-formed SVG whose description carries the numbers.
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--bar"')
    svg = ET.fromstring(page[start : page.index("</svg>", start) + len("</svg>")])
    desc = svg.find("{http://www.w3.org/2000/svg}desc").text
    assert "EU: 3" in desc and "Kazakhstan: 2" in desc and "Other: 1" in desc


def test_organisations_by_side_country_type_and_status(app, client):
    populate(app)
    secretariat(app, client)
    rows = read_csv(client.get("/admin/dashboard/organisations-by-side.csv"))
    assert rows[0] == ["Code", "Side", "Organisations"]
    assert rows[1:] == [["eu", "EU", "3"], ["kz", "Kazakhstan", "2"], ["other", "Other", "1"]]
    rows = read_csv(client.get("/admin/dashboard/organisations-by-country.csv"))
    assert rows[1:] == [
        ["DE", "Germany", "2"],
        ["KZ", "Kazakhstan", "2"],
        ["FR", "France", "1"],
        ["UZ", "Uzbekistan", "1"],
    ]
    rows = dict(
        (r[0], r[2]) for r in read_csv(client.get("/admin/dashboard/organisations-by-type.csv"))[1:]
    )
    assert rows["ngo"] == "3" and rows["trade_union"] == "1" and rows["foundation"] == "0"
    rows = read_csv(client.get("/admin/dashboard/organisations-by-status.csv"))
    assert rows[1:] == [
        ["pending", "Awaiting verification", "1"],
        ["verified", "Verified", "3"],
        ["rejected", "Rejected", "1"],
        ["suspended", "Suspended", "1"],
        ["closed", "Closed", "0"],
    ]
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "Organisations registered" in page


def test_active_memberships_per_group_by_side(app, client):
    populate(app)
    secretariat(app, client)
    rows = read_csv(client.get("/admin/dashboard/memberships-by-group.csv"))
    assert rows[0] == [
        "Short name",
        "Priority",
        "Working group",
        "EU",
        "Kazakhstan",
        "Other",
        "Total",
    ]
    by_slug = {row[0]: row[3:] for row in rows[1:]}
    assert list(by_slug) == [
        "cooperation-structures",
        "raw-materials-mou",
        "erasmus",
        "public-administration-justice",
        "civic-social-dialogue",
    ]
    assert by_slug["erasmus"] == ["2", "1", "0", "3"]
    assert by_slug["raw-materials-mou"] == ["0", "1", "0", "1"]  # left and pending not counted
    assert by_slug["civic-social-dialogue"] == ["0", "0", "0", "0"]


def test_registrations_per_week_show_twelve_weeks_with_empty_ones(app, client):
    with app.app_context():
        now = utcnow()
        for days_ago in (0, 0, 7, 30, 200):
            make_org(created_at=now - timedelta(days=days_ago))
    secretariat(app, client)
    rows = read_csv(client.get("/admin/dashboard/registrations-by-week.csv"))
    assert rows[0] == ["Week starting", "Organisations"]
    weeks = rows[1:]
    assert len(weeks) == 12
    counts = [int(n) for _week, n in weeks]
    assert counts[-1] == 2 and counts[-2] == 1
    assert sum(counts) == 4  # the one of 200 days ago is older than twelve weeks
    assert counts.count(0) >= 8
    monday = now.date() - timedelta(days=now.weekday())
    assert weeks[-1][0] == monday.isoformat()
    assert weeks[0][0] == (monday - timedelta(weeks=11)).isoformat()


def test_week_boundaries_are_mondays_in_utc(app, ctx):
    from datetime import UTC, datetime

    now = datetime(2025, 3, 26, 12, tzinfo=UTC)  # a Wednesday
    make_org(created_at=datetime(2025, 3, 24, 0, 0, tzinfo=UTC))  # Monday 00:00: this week
    make_org(created_at=datetime(2025, 3, 23, 23, 59, tzinfo=UTC))  # Sunday: the week before
    make_org(created_at=datetime(2025, 1, 6, 0, 0, tzinfo=UTC))  # the first of the twelve weeks
    make_org(created_at=datetime(2025, 1, 5, 23, 59, tzinfo=UTC))  # before them
    figure = dashboard.figures(now=now)["registrations-by-week"]
    assert figure.csv_rows[0] == ["2025-01-06", 1]
    assert figure.csv_rows[-2:] == [["2025-03-17", 1], ["2025-03-24", 1]]
    assert sum(n for _week, n in figure.csv_rows) == 3


def test_empty_platform_draws_empty_charts(app, client):
    secretariat(app, client)
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "No data yet." in page  # by country: no organisation yet
    rows = read_csv(client.get("/admin/dashboard/organisations-by-country.csv"))
    assert rows == [["Country code", "Country", "Organisations"]]


def test_unknown_figure_is_404(app, client):
    secretariat(app, client)
    assert client.get("/admin/dashboard/passwords.csv").status_code == 404


def test_csv_download_headers(app, client):
    secretariat(app, client)
    r = client.get("/admin/dashboard/organisations-by-status.csv")
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith(
        'attachment; filename="organisations-by-status-'
    )


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Kazakhstan", "Kazakhstan"),
        (5, 5),
    ],
)
def test_csv_cells_are_guarded_against_formulas(value, safe):
    assert dashboard.csv_safe(value) == safe


def test_a_group_title_cannot_inject_a_formula(app, client):
    with app.app_context():
        ensure_groups_and_contacts()
        group = db.session.scalars(select(WorkingGroup).where(WorkingGroup.slug == "erasmus")).one()
        group.translations[0].title = "=cmd|' /C calc'!A0"
        db.session.commit()
    secretariat(app, client)
    rows = read_csv(client.get("/admin/dashboard/memberships-by-group.csv"))
    erasmus = next(row for row in rows if row[0] == "erasmus")
    assert erasmus[2] == "'=cmd|' /C calc'!A0"


def count_statements(app, client) -> int:
    with counting_statements(app) as statements:
        assert client.get("/admin/dashboard").status_code == 200
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


def test_the_dashboard_makes_a_bounded_number_of_queries(app, client):
    populate(app)
    secretariat(app, client)
    few = count_statements(app, client)
    with app.app_context():
        groups = list(db.session.scalars(select(WorkingGroup.id)))
        for i in range(30):
            org = make_org(country=("KZ", "DE", "PL", "UZ")[i % 4], type=("ngo", "media")[i % 2])
            db.session.add(
                Membership(
                    organisation_id=org.id,
                    group_id=groups[i % len(groups)],
                    status=MembershipStatus.ACTIVE,
                )
            )
        db.session.commit()
    assert count_statements(app, client) == few
    assert few <= 11  # one statement per table of figures, the balance of the groups included
