"""Hostile input, generated: every route of the platform, as each kind of user, with random
and hostile values in its address, its query string and its form fields.

Whatever is sent, the platform answers below 500, the API answers errors as JSON, and no
page ever shows a piece of markup that was sent as it was sent (it is always escaped).

Routes come from ``app.url_map``, so a new route is covered without a change here: a route's
address takes the ids, slugs and tokens of a small world of organisations, groups, meetings
and contacts, or hostile values; a form's fields are read from the pages themselves (every
``<form method="post">`` the user can see, by its action), and ``GOOD`` gives a valid value to
the fields that a page leaves blank, so that most posts get past validation into the
services. The world is made once per test (per kind of user and database), and the examples
of that test share it: a post may change it (a co-chair may cancel the meeting), and the
next examples go on from there; each example uses its own client, signed in again.
"""

from __future__ import annotations

import io
import os
import re
import reprlib
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from itertools import count
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from eukz_platform.auth import services as auth_services
from eukz_platform.auth import sessions as user_sessions
from eukz_platform.auth import tokens as auth_tokens
from eukz_platform.auth.models import Role, User
from eukz_platform.contacts import importing as contacts_import
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Invitation, OrganisationName
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import Coordinator, Membership, MembershipStatus
from eukz_platform.groups.notifications import unsubscribe_token
from eukz_platform.opportunities.models import Opportunity, OpportunityAnswer
from eukz_platform.opportunities.services import digest_token
from eukz_platform.outputs.models import JointOutput, OutputKind, OutputParagraph

from .factories import PASSWORD, login, make_org, make_user
from .test_groups_support import add_member, make_coordinator, make_group, make_meeting

ROLES = ("visitor", "member", "org_admin", "co_chair", "secretariat")
# Examples per kind of user and database; more for a longer hunt (HOSTILE_EXAMPLES=1000).
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "50"))
NEXT_YEAR = utcnow().year + 1

# Markup that must never come back as it was sent, and what would show that it did.
MARKUP = (
    "<script>hx()</script>",
    '"><img src=x onerror=hx()>',
    "' onmouseover='hx()",
    '" data-hx="1',
)
UNESCAPED = ("<script>hx()", "<img src=x onerror=hx()", "onmouseover='hx()", 'data-hx="1"')

HOSTILE = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "line\nbreak",
    "\r\nBcc: attacker@example.org",
    "tab\there",
    "\x1b[31mred",
    "\x7f\x85\x9f",
    "\u202eevil.exe",
    "\u200b\u200c\u200d\ufeff",
    "\u2028\u2029",
    "e\u0301\u0301\u0301\u0301\u0301",
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358",
    "x" * 10_000,
    "ß" * 150,
    "\U0001f600" * 60,
    "' OR '1'='1' --",
    '"; DROP TABLE organisation; --',
    "energy*",
    'NEAR(a b) AND "unterminated',
    "a:* & !b | (c",
    "-1",
    "0",
    "2147483648",
    "99999999999999999999",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "[]",
    "{}",
    "true",
    "%00",
    "../../../etc/passwd",
    "javascript:hx()",
    "//evil.example",
    "Алматы",
    "Қазақстан",
    "\u0410lpha Civic Union",
    *MARKUP,
)


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.text(max_size=20).map(lambda s: s * 500),
        st.integers().map(str),
        st.sampled_from(MARKUP).map(lambda m: f"Text {m} more"),
    )


# A valid value for fields that a page leaves blank (by field name).
_serial = count(1)
GOOD = {
    "email": lambda: f"person{next(_serial)}@example.org",
    "password": lambda: PASSWORD,
    "confirm_password": lambda: PASSWORD,
    "full_name": lambda: "Aigerim Nurlanovna",
    "name": lambda: f"Hostile Input Union {next(_serial)}",
    "country": lambda: "KZ",
    "type": lambda: "ngo",
    "consent": lambda: "y",
    "title": lambda: "Round table",
    "title_en": lambda: "Round table",
    "purpose_en": lambda: "A purpose.",
    "body": lambda: "Text of the announcement.",
    "starts_at": lambda: f"{NEXT_YEAR}-06-03T10:00",
    "ends_at": lambda: f"{NEXT_YEAR}-06-03T12:00",
    "place": lambda: "Almaty",
    "reason": lambda: "Not an organisation.",
    "message": lambda: "Hello",
    "motivation": lambda: "We work on this.",
    "slug": lambda: f"group-{next(_serial)}",
    "priority": lambda: "9",
    "role": lambda: "member",
    "q": lambda: "energy",
}


def csv_upload(text: str) -> tuple[io.BytesIO, str]:
    body = f"name,role,organisation,email,phone,visibility\n{text},Officer,,a@eesc.example,,\n"
    return io.BytesIO(body.encode("utf-8", "surrogatepass")), "contacts.csv"


# Pages: the post forms a user sees, by their action ---------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, hidden, submit
    value: str = ""
    options: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    """The fields of every ``<form method="post">`` of a page, by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, FormField]] = {}
        self._form: dict[str, FormField] | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                action = urlsplit(a.get("action") or "").path
                self._form = self.forms.setdefault(action, {})
            return
        if self._form is None or not a.get("name") or a["name"] == "csrf_token":
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            known = self._form.setdefault(name, FormField(name, kind))
            if kind in ("checkbox", "radio"):
                known.options.append(a.get("value", "y"))
                if "checked" in a:
                    known.value = a.get("value", "y")
            elif a.get("value"):
                known.value = a["value"]
        elif tag == "textarea":
            self._form.setdefault(name, FormField(name, "textarea"))
        elif tag == "select":
            self._select = self._form.setdefault(name, FormField(name, "select"))
        elif tag == "button":
            self._form.setdefault(name, FormField(name, "submit", a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


# The world ----------------------------------------------------------------------------


@dataclass
class Route:
    rule: str
    endpoint: str
    method: str
    converters: dict[str, str]  # argument -> "int" or "string"


@dataclass
class World:
    users: dict[str, int]
    values: dict[str, list]  # route argument -> real values
    routes: list[Route]
    forms: dict[str, dict[str, FormField]] = field(default_factory=dict)
    cookie: str | None = None
    session_token: str | None = None  # the user's when the cookie was made
    sessions: int = 0  # the user's signed-in devices when the cookie was made


def build_world(app) -> World:
    """Organisations, a group with a meeting, contacts, an invitation, an import batch…"""
    with app.app_context():
        erasmus = make_group(slug="erasmus")
        make_group(slug="raw-materials-mou", priority=2, moderated=False)
        org = add_member(erasmus, name="Steppe Green Initiative", country="KZ")
        admin = make_user(org=org, role=Role.ADMIN, email="admin@steppe.example")
        member = make_user(org=org, email="member@steppe.example")
        chair = make_coordinator(erasmus, "eu", email="chair@eu.example")
        secretariat = make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        other = make_org(name="Caspian Forum", status=OrganisationStatus.VERIFIED)
        make_user(org=other, role=Role.ADMIN, email="admin@caspian.example")
        pending = make_org(name="Pending Union")
        make_user(org=pending, role=Role.ADMIN, email="admin@pending.example")
        request = Membership(
            organisation_id=other.id, group_id=erasmus.id, status=MembershipStatus.PENDING
        )
        db.session.add(request)
        meeting = make_meeting(
            erasmus, registration_open=True, capacity=5, starts_at=utcnow() + timedelta(days=9)
        )
        contact = Contact(
            organisation_id=org.id,
            name="Aigerim",
            email="a@steppe.example",
            visibility=Visibility.MEMBERS,
        )
        eesc = Contact(name="Millie", email="m@eesc.example", visibility=Visibility.PUBLIC)
        other_name = OrganisationName(organisation_id=org.id, name="Дала", language="kk")
        invitation = Invitation(organisation_id=org.id, email="new@steppe.example")
        post = Opportunity(
            organisation_id=org.id,
            kind="partners",
            title="Partners wanted",
            description="For a youth exchange.",
            group_id=erasmus.id,
            deadline=utcnow().date() + timedelta(days=30),
        )
        db.session.add_all([contact, eesc, other_name, invitation, post])
        db.session.flush()
        answer = OpportunityAnswer(opportunity_id=post.id, organisation_id=other.id, message="Us")
        db.session.add(answer)
        db.session.commit()
        with app.test_request_context():
            batch = contacts_import.create_batch(
                "contacts.csv", b"name,email\nJan Novak,jan@eesc.example\n", by=secretariat
            )
            tokens = [
                auth_services.invitation_token(invitation),
                unsubscribe_token(member),
                digest_token(member),
                auth_tokens.make("confirm-email", {"uid": admin.id, "email": admin.email}),
                auth_tokens.make("reset-password", {"uid": member.id, "fp": "stale"}),
            ]
        coordinator_id = db.session.scalar(
            select(Coordinator.id).where(Coordinator.user_id == chair.id)
        )
        output = JointOutput(
            group_id=erasmus.id, kind=OutputKind.DECLARATION, title="Draft", meeting_id=meeting.id
        )
        output.paragraphs = [OutputParagraph(position=1, text_en="First.")]
        db.session.add(output)
        db.session.commit()
        values = {
            "org_id": [org.id, other.id, pending.id, chair.organisation_id],
            "contact_id": [contact.id, eesc.id],
            "meeting_id": [meeting.id],
            "membership_id": [request.id],
            "user_id": [member.id, admin.id],
            "name_id": [other_name.id],
            "batch_id": [batch.id],
            "coordinator_id": [coordinator_id],
            "post_id": [post.id],
            "answer_id": [answer.id],
            "output_id": [output.id],
            "paragraph_id": [output.paragraphs[0].id],
            "slug": ["erasmus", "raw-materials-mou"],
            "token": tokens,
            "code": ["en", "ru", "kk"],
            "name": ["members", "organisations", "memberships"],
            "fmt": ["csv", "json"],
        }
        users = {
            "member": member.id,
            "org_admin": admin.id,
            "co_chair": chair.id,
            "secretariat": secretariat.id,
        }
    return World(users=users, values=values, routes=discover_routes(app))


def discover_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        converters = {
            arg: "int" if isinstance(conv, IntegerConverter) else "string"
            for arg, conv in rule._converters.items()
        }
        for method in ("GET", "POST"):
            if method in rule.methods:
                routes.append(Route(rule.rule, rule.endpoint, method, converters))
    return sorted(routes, key=lambda r: (r.rule, r.method))


def address(route: Route, values: dict[str, object]) -> str:
    path = route.rule
    for arg, value in values.items():
        path = re.sub(rf"<[^>]*\b{arg}>", quote(str(value), safe=""), path)
    return path


def sign_in(app, world: World, role: str):
    """A fresh client, signed in as the role (its session cookie kept from one login)."""
    client = app.test_client()
    if role == "visitor":
        return client
    with app.app_context():
        user = db.session.get(User, world.users[role])
        email, token = user.email, user.session_token
        # A logout ends the session it was made in, not the others: then log in again too.
        sessions = len(user_sessions.of(user))
    if world.cookie is None or token != world.session_token or sessions != world.sessions:
        # First time, or the session ended (a logout, a new password): log in again.
        r = login(client, email)
        assert r.status_code == 302, f"{role} cannot log in"
        world.cookie, world.session_token = client.get_cookie("session").value, token
        with app.app_context():
            world.sessions = len(user_sessions.of(db.session.get(User, world.users[role])))
    else:
        client.set_cookie("session", world.cookie)
    return client


# Fields of the forms that no page of the world shows (a group the organisation has not
# joined, a merge chosen by a search, a password reset…), by endpoint.
FIELDS = {
    "admin.group_add_organisation": ("organisation_id",),
    "admin.merge_organisation": ("duplicate_id",),
    "auth.reset_password": ("password", "confirm_password"),
    "auth.resend_confirmation": ("email",),
    "groups.decide": ("message", "approve", "decline"),
    "groups.join": ("motivation",),
    "groups.unsubscribe": ("submit",),
}


# Posts that, with the person's password, would delete the world's people or close their
# organisation (tests/test_account_rights.py does that): here they get a wrong password, so
# every field but that one is tried and the examples after them still have their people.
ENDS_THE_PERSON = {"account.delete", "account.close_organisation"}


# Routes whose pages hold no form: files, feeds, the API, redirects.
NO_FORMS = re.compile(r"^/(api/|language/|healthz|auth/confirm/)|\.(csv|ics|vcf|json)$|[)]:fmt>$")
_forms_seen: dict[str, dict[str, dict[str, FormField]]] = {}


def read_forms(app, world: World, role: str) -> None:
    """The post forms of every page the role can open, by the endpoint they post to (read
    once per kind of user: the pages are the same on either database)."""
    if role in _forms_seen:
        world.forms = _forms_seen[role]
        return
    adapter = app.url_map.bind("localhost")
    for endpoint, names in FIELDS.items():
        world.forms[endpoint] = {name: FormField(name, "text") for name in names}
    pages = {
        address(route, {arg: world.values[arg][0] for arg in route.converters})
        for route in world.routes
        if route.method == "GET" and not NO_FORMS.search(route.rule)
    }
    for path in sorted(pages):
        # A client each: some pages sign a person out (an invitation's, for one).
        r = sign_in(app, world, role).get(path)
        if r.status_code != 200 or r.mimetype != "text/html":
            continue
        parser = _FormParser()
        parser.feed(r.get_data(as_text=True))
        for action, fields in parser.forms.items():
            try:
                endpoint, _ = adapter.match(action or path, method="POST")
            except HTTPException:
                continue
            world.forms.setdefault(endpoint, {}).update(fields)
    _forms_seen[role] = world.forms


# Checks -------------------------------------------------------------------------------

_short = reprlib.Repr()  # what was sent, shortened for the failure message
_short.maxstring, _short.maxother, _short.maxlist, _short.maxdict = 120, 120, 6, 12


def check(response, sent: str) -> None:
    assert response.status_code < 500, f"{sent} -> {response.status_code}"
    if urlsplit(sent).path.startswith("/api/") and response.status_code >= 400:
        assert set(response.json) >= {"error", "message"}, sent
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        for sign in UNESCAPED:
            assert sign not in html, f"{sent}: markup shown unescaped: {sign!r}"


# The property -------------------------------------------------------------------------


@st.composite
def requests(draw, world: World):
    route = draw(st.sampled_from(world.routes))
    values = {}
    for arg, kind in route.converters.items():
        hostile = (
            st.one_of(st.integers(min_value=0), st.sampled_from([0, 2**31 - 1, 2**31, 2**63]))
            if kind == "int"
            else hostile_text().filter(lambda s: s not in ("", ".", ".."))
        )
        real = st.sampled_from(world.values.get(arg) or ["x"])
        values[arg] = draw(st.one_of(real, real, real, hostile))
    path = address(route, values)
    query = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "q",
                        "page",
                        "per_page",
                        "sort",
                        "country",
                        "sector",
                        "group",
                        "verified",
                        "kind",
                        "next",
                        "show",
                        "status",
                        "target_id",
                        "date_from",
                        "duplicate",
                        "lang",
                    ]
                )
                | hostile_text(),
                hostile_text(),
            ),
            max_size=3,
        )
    )
    data = None
    if route.method == "POST":
        data = {}
        fields = world.forms.get(route.endpoint, {})
        mutate = draw(st.sets(st.sampled_from(sorted(fields) or ["x"]), max_size=3))
        for name, f in fields.items():
            if name in mutate:
                value = draw(
                    st.one_of(
                        hostile_text(),
                        st.lists(hostile_text(), min_size=2, max_size=3),
                        st.just(None),
                    )
                )
                if f.kind == "file" and isinstance(value, str):
                    value = csv_upload(value)
            elif f.kind == "file":
                value = csv_upload("Jan Novak")
            elif f.kind in ("checkbox", "radio", "select"):
                options = [o for o in f.options if o] or [""]
                value = f.value or draw(st.sampled_from(options))
            elif f.kind == "submit":
                value = f.value if draw(st.booleans()) else None
            elif route.endpoint in ENDS_THE_PERSON and name == "password":
                value = "not the password"  # the world's people stay (tried, refused)
            else:
                value = f.value or (GOOD[name]() if name in GOOD else "")
            if value is not None:
                data[name] = value
        extra = draw(st.lists(st.tuples(hostile_text(), hostile_text()), max_size=1))
        data.update(extra)
    return route, path, query, data


@pytest.mark.parametrize("role", ROLES)
def test_hostile_input_never_breaks_the_platform(app, role):
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    world = build_world(app)
    read_forms(app, world, role)

    # The property is given inside the test, so that pytest's function-scoped fixtures (the
    # app, its emptied tables) and the world are set up once for all its examples, which
    # share them on purpose (see the module's docstring). CI runs the same examples each
    # time (derandomize); elsewhere each run tries new ones and keeps the failing ones.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None if os.environ.get("CI") else settings.default.database,
        derandomize=bool(os.environ.get("CI")),
        # Requests take milliseconds each, and 10,000-character values are meant.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def post_anything(data):
        route, path, query, form = data.draw(requests(world))
        client = sign_in(app, world, role)
        if route.method == "GET":
            r = client.get(path, query_string=query)
        else:
            r = client.post(path, query_string=query, data=form, content_type=None)
        sent = f"{role} {route.method} {_short.repr(path)} {_short.repr(query)} {_short.repr(form)}"
        check(r, sent)
        if r.status_code in (301, 302, 303) and urlsplit(r.headers["Location"]).path:
            target = urlsplit(r.headers["Location"])
            check(client.get(target.path, query_string=target.query), sent + " (redirect)")

    post_anything()
