"""Announcements: posted by a group's co-chairs as plain text, links made clickable."""

import pytest

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.extensions import db
from eukz_platform.groups.announcements import linkify
from eukz_platform.groups.models import Announcement

from .factories import login, make_org, make_user
from .test_groups_support import (
    VERIFIED,
    add_member,
    count,
    make_admin,
    make_coordinator,
    make_group,
)


def setup(app):
    with app.app_context():
        group = make_group(slug="erasmus")
        other = make_group(slug="raw-materials-mou", priority=2)
        make_coordinator(group, "eu", email="chair@eu.example")
        make_coordinator(other, "kz", email="chair@other.example")
        member = add_member(group)
        make_user(org=member, email="member@member.example")
        make_admin(org=member, email="admin@member.example")
        make_user(org=make_org(status=VERIFIED), email="someone@else.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        return group.id


def test_a_co_chair_posts_an_announcement_shown_escaped_with_links(app, client):
    setup(app)
    login(client, "chair@eu.example")
    assert client.get("/working-groups/erasmus/announcements/new").status_code == 200
    body = (
        "Call for partners <script>alert('x')</script>\n"
        "Details: https://example.org/call?a=1&b=2. Or see www.eesc.europa.eu!"
    )
    r = client.post(
        "/working-groups/erasmus/announcements/new",
        data={"title": "Call <b>now</b>", "body": body},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(
        "/working-groups/erasmus#announcements"
    )
    html = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "Call &lt;b&gt;now&lt;/b&gt;" in html
    assert '<a class="ecl-link" href="https://example.org/call?a=1&amp;b=2"' in html
    assert ">https://example.org/call?a=1&amp;b=2</a>." in html
    assert 'href="https://www.eesc.europa.eu"' in html
    with app.app_context():
        announcement = db.session.scalar(db.select(Announcement))
        assert announcement.body == body
        entry = db.session.scalar(db.select(AuditEntry))
        assert entry.action == "announcement.post" and entry.actor_email == "chair@eu.example"


def test_an_announcement_needs_a_title_and_a_text(app, client):
    setup(app)
    login(client, "chair@eu.example")
    r = client.post("/working-groups/erasmus/announcements/new", data={"title": " ", "body": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="title-error"' in html and 'id="body-error"' in html
    with app.app_context():
        assert count(Announcement) == 0


@pytest.mark.parametrize(
    "email",
    [
        "someone@else.example",  # a member of another organisation
        "member@member.example",  # a plain member of a member organisation
        "admin@member.example",
        "chair@other.example",  # a co-chair of another group
    ],
)
def test_only_the_groups_co_chairs_post(app, client, email):
    setup(app)
    login(client, email)
    assert client.get("/working-groups/erasmus/announcements/new").status_code == 403
    r = client.post(
        "/working-groups/erasmus/announcements/new", data={"title": "Hi", "body": "Text"}
    )
    assert r.status_code == 403
    with app.app_context():
        assert count(Announcement) == 0 and count(AuditEntry) == 0


def test_visitors_are_sent_to_log_in(app, client):
    setup(app)
    for r in (
        client.get("/working-groups/erasmus/announcements/new"),
        client.post("/working-groups/erasmus/announcements/new", data={"title": "x", "body": "y"}),
    ):
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_the_secretariat_may_post(app, client):
    setup(app)
    login(client, "sec@eesc.example")
    client.post("/working-groups/erasmus/announcements/new", data={"title": "Hi", "body": "Text"})
    with app.app_context():
        assert count(Announcement) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no links <i>here</i>", "no links &lt;i&gt;here&lt;/i&gt;"),
        (
            "see (https://en.wikipedia.org/wiki/Astana_(city)).",
            'see (<a class="ecl-link" href="https://en.wikipedia.org/wiki/Astana_(city)"'
            ' rel="nofollow noopener noreferrer">https://en.wikipedia.org/wiki/Astana_(city)</a>).',
        ),
        (
            'x https://a.example/"onmouseover="alert(1)',
            'x <a class="ecl-link" href="https://a.example/" rel="nofollow noopener noreferrer">'
            "https://a.example/</a>&#34;onmouseover=&#34;alert(1)",
        ),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ],
)
def test_linkify_escapes_everything_and_links_only_web_addresses(text, expected):
    assert str(linkify(text)) == expected
