"""Who may do what: every route of the app × every kind of user → the status they get.

``ROUTES`` gives, for each route and method of ``app.url_map``, the URL values and a valid form
body, and what each kind of user gets. A route missing from it fails
``test_every_route_is_in_the_table``, so a new route cannot escape. Each cell makes one request
on one set of data (one app per database engine, built once) and compares every table with
the data before: a refused request changes nothing; an accepted change is undone afterwards,
so that each cell starts from the same data.

The kinds of user: a visitor; a member (not an admin) of the organisation the routes act on;
the admin of another organisation; the co-chair of another working group; the admin of a
suspended organisation, signed in before the suspension; and the secretariat. Suspension ends
the sessions of the organisation's people at once, so every request of theirs is answered as a
visitor's.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import NamedTuple

import pytest
from flask import url_for
from sqlalchemy import column, select, table, text
from werkzeug.security import generate_password_hash

from eukz_platform import create_app
from eukz_platform.auth import models as auth_models
from eukz_platform.auth import services as auth_services
from eukz_platform.auth import sessions, tokens
from eukz_platform.auth.models import Role, User
from eukz_platform.contacts import importing as contacts_import
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import (
    AskToJoinRequest,
    Invitation,
    Organisation,
    OrganisationName,
)
from eukz_platform.database import utcnow
from eukz_platform.extensions import cache, db
from eukz_platform.groups import notifications, private_feed
from eukz_platform.groups.models import (
    Announcement,
    Coordinator,
    MeetingRegistration,
    Membership,
    MembershipEvent,
    MembershipStatus,
)
from eukz_platform.mail_queue import FailedMail
from eukz_platform.opportunities import services as opportunity_services
from eukz_platform.opportunities.models import DigestSubscription, Opportunity, OpportunityAnswer
from eukz_platform.organisations import verification
from eukz_platform.organisations.duplicates import TOKEN_PURPOSE as ASK_TO_JOIN
from eukz_platform.outputs.models import (
    JointOutput,
    OutputKind,
    OutputParagraph,
    OutputSignoff,
    OutputState,
    OutputTransition,
)

from .conftest import empty_all_tables
from .factories import PASSWORD, make_contacts_of_every_visibility, make_org, make_user
from .test_groups_support import VERIFIED, add_member, make_group, make_meeting

VISITOR = "visitor"
MEMBER = "member"
OTHER_ADMIN = "admin of another organisation"
OTHER_CHAIR = "co-chair of another group"
SUSPENDED = "suspended organisation's user"
SECRETARIAT = "secretariat"
ROLES = (VISITOR, MEMBER, OTHER_ADMIN, OTHER_CHAIR, SUSPENDED, SECRETARIAT)


# What each kind of user gets -----------------------------------------------------------


class Outcome(NamedTuple):
    status: int
    changes: bool = False  # the request changes the database (else: it must change nothing)
    to_login: bool = False  # a redirect to log in, then come back

    def __repr__(self) -> str:
        return f"{self.status}{' to log in' if self.to_login else ''}" + (
            ", changes" if self.changes else ", changes nothing"
        )


OK = Outcome(200)
BACK = Outcome(302)  # a redirect, with a message, that changes nothing
LOGIN = Outcome(302, to_login=True)
FORBIDDEN = Outcome(403)
NOT_FOUND = Outcome(404)


def done(status: int = 302) -> Outcome:
    return Outcome(status, changes=True)


# A suspended organisation's user gets what a visitor gets: the tables below do not name them.
NAMED = tuple(role for role in ROLES if role != SUSPENDED)


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(NAMED, outcome)


def signed_in(outcome: Outcome) -> dict[str, Outcome]:
    """Pages for everyone signed in; visitors are sent to log in."""
    return {**everyone(outcome), VISITOR: LOGIN}


def visitors(visitor: Outcome, others: Outcome = BACK) -> dict[str, Outcome]:
    """Pages for visitors (registering, logging in): signed-in people are sent on."""
    return {**everyone(others), VISITOR: visitor}


def only(*allowed: str, outcome: Outcome = OK) -> dict[str, Outcome]:
    """The signed-in people named get ``outcome``, other signed-in people a 403."""
    return {**signed_in(FORBIDDEN), **dict.fromkeys(allowed, outcome)}


def secretariat(outcome: Outcome) -> dict[str, Outcome]:
    """The secretariat alone (the console, and other people's organisations and groups)."""
    return only(SECRETARIAT, outcome=outcome)


# Actions only the organisation's own admins take (none of the roles here): a 403 for all.
NO_ONE_HERE = only()


# The data every cell starts from -----------------------------------------------------------


@dataclass
class World:
    """The ids and tokens the table's URLs and bodies use, and each role's session cookie."""

    ids: dict[str, int] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str):
        for found in (self.ids, self.slugs, self.tokens):
            if name in found:
                return found[name]
        raise AttributeError(name)


FUTURE = (utcnow() + timedelta(days=60)).strftime("%Y-%m-%dT10:00")
FUTURE_END = (utcnow() + timedelta(days=60)).strftime("%Y-%m-%dT12:00")
NEW_PASSWORD = "a brand new passphrase"
CSV = b"name,email\nJan Novak,jan.novak@eesc.europa.eu\n"


def build_world() -> World:
    """Organisations, people, groups, meetings, contacts and tokens; then the sessions."""
    w = World()
    home = make_org(name="Steppe Forum", country="KZ", status=VERIFIED, website="https://sf.kz")
    home_admin = make_user(org=home, role=Role.ADMIN, email="admin@home.example")
    member = make_user(org=home, email="member@home.example", notify_group_updates=True)
    unconfirmed = make_user(org=home, email="new@home.example", email_confirmed_at=None)
    other = make_org(name="Brussels Civic", country="BE", status=VERIFIED)
    make_user(org=other, role=Role.ADMIN, email="admin@other.example")
    third = make_org(name="Danube Voice", country="AT", status=VERIFIED)
    other_chair = make_user(org=third, role=Role.ADMIN, email="chair@third.example")
    suspended_org = make_org(name="Closed Circle", country="KZ", status=VERIFIED)
    suspended = make_user(org=suspended_org, role=Role.ADMIN, email="admin@suspended.example")
    eu_member = make_org(name="Baltic Link", country="LV", status=VERIFIED)
    candidate = make_user(org=eu_member, email="candidate@baltic.example")
    applicant = make_org(name="Aral Youth", country="KZ", status=VERIFIED)
    make_user(org=applicant, role=Role.ADMIN, email="admin@aral.example")
    awaiting = make_org(name="Caspian Dialogue", country="KZ")
    make_user(org=awaiting, role=Role.ADMIN, email="admin@caspian.example")
    duplicate = make_org(name="Steppe Forum Almaty", country="KZ")
    staff = make_user(role=Role.SECRETARIAT, email="staff@eesc.example")

    group = make_group("erasmus", moderated=True, priority=3)
    elsewhere = make_group("raw-materials-mou", moderated=True, priority=2)
    archived = make_group("old-priority", moderated=True, priority=9, archived_at=utcnow())
    for org in (home, suspended_org, eu_member):
        add_member(group, org=org)
    add_member(elsewhere, org=third)
    db.session.add_all(
        [
            Coordinator(group_id=group.id, user_id=suspended.id, side="kz"),
            Coordinator(group_id=elsewhere.id, user_id=other_chair.id, side="eu"),
        ]
    )
    request = Membership(
        organisation_id=applicant.id, group_id=group.id, status=MembershipStatus.PENDING
    )
    request.events = [MembershipEvent(from_status=None, to_status=MembershipStatus.PENDING)]
    db.session.add(request)
    db.session.add(Announcement(group_id=group.id, title="Welcome", body="First meeting soon."))
    member.calendar_key = "a-random-key-of-the-member"
    meeting = make_meeting(group, capacity=10, registration_open=True)
    attended = make_meeting(group, title="Second meeting", registration_open=True)
    db.session.add(
        MeetingRegistration(meeting_id=attended.id, user_id=member.id, attendance="in_person")
    )
    db.session.commit()
    chair_row = db.session.scalar(select(Coordinator).where(Coordinator.user_id == suspended.id))
    # A draft joint output of the group, and a published one (both co-chairs signed).
    draft = JointOutput(group_id=group.id, kind=OutputKind.DECLARATION, title="Draft")
    draft.paragraphs = [OutputParagraph(position=1, text_en="First.")]
    adopted = JointOutput(
        group_id=group.id,
        kind=OutputKind.REPORT,
        title="Adopted",
        state=OutputState.ADOPTED,
        published_at=utcnow(),
    )
    adopted.paragraphs = [OutputParagraph(position=1, text_en="Agreed.")]
    adopted.signoffs = [
        OutputSignoff(side="eu", user_id=home_admin.id),
        OutputSignoff(side="kz", user_id=suspended.id),
    ]
    adopted.transitions = [OutputTransition(from_state="draft", to_state="adopted")]
    db.session.add_all([draft, adopted])
    db.session.commit()

    make_contacts_of_every_visibility(home)
    members_contact = db.session.scalar(
        select(Contact).where(
            Contact.organisation_id == home.id, Contact.visibility == Visibility.MEMBERS
        )
    )
    eesc_contact = Contact(
        name="Daniele Vitali",
        organisation_name="EESC",
        email="daniele.vitali@eesc.europa.eu",
        visibility=Visibility.PUBLIC,
    )
    other_name = OrganisationName(organisation_id=home.id, name="Степной Форум", language="ru")
    invitation = Invitation(
        organisation_id=home.id, email="colleague@home.example", invited_by_id=home_admin.id
    )
    asked = AskToJoinRequest(
        organisation_id=home.id, full_name="Dana Nurlanovna", email="dana@example.kz"
    )
    db.session.add_all([eesc_contact, other_name, invitation, asked])
    db.session.commit()
    batch = contacts_import.create_batch("contacts.csv", CSV, staff)

    w.ids.update(
        home=home.id,
        member=member.id,
        other=other.id,
        suspended_org=suspended_org.id,
        candidate=candidate.id,
        awaiting=awaiting.id,
        duplicate=duplicate.id,
        request=request.id,
        meeting=meeting.id,
        attended=attended.id,
        chair=chair_row.id,
        members_contact=members_contact.id,
        eesc_contact=eesc_contact.id,
        other_name=other_name.id,
        batch=batch.id,
        draft=draft.id,
        paragraph=draft.paragraphs[0].id,
        adopted=adopted.id,
    )
    w.slugs.update(group=group.slug, elsewhere=elsewhere.slug, archived=archived.slug)
    failed_mail = FailedMail(
        recipients=["member@home.example"],
        sender="Platform <no-reply@localhost>",
        subject="Reset your password",
        body="A link",
        error="SMTPConnectError: refused",
    )
    db.session.add(failed_mail)
    db.session.commit()
    w.ids["failed_mail"] = failed_mail.id
    post = Opportunity(
        organisation_id=home.id,
        author_id=home_admin.id,
        kind="partners",
        title="Partners for an Erasmus+ project",
        description="Youth exchanges.",
        group_id=group.id,
        deadline=utcnow().date() + timedelta(days=30),
    )
    db.session.add(post)
    db.session.flush()
    answer = OpportunityAnswer(opportunity_id=post.id, organisation_id=third.id, message="Us!")
    db.session.add_all([answer, DigestSubscription(user_id=member.id)])
    db.session.commit()
    w.ids.update(post=post.id, answer=answer.id)
    w.tokens.update(
        confirm=tokens.make("confirm-email", {"uid": unconfirmed.id, "email": unconfirmed.email}),
        invitation=auth_services.invitation_token(invitation),
        reset=tokens.make(
            "reset-password",
            {
                "uid": unconfirmed.id,
                "fp": unconfirmed.password_hash[-16:],
                "email": unconfirmed.email,
            },
        ),
        unsubscribe=notifications.unsubscribe_token(member),
        private_feed=private_feed.token(member),
        digest=opportunity_services.digest_token(member),
        ask_to_join=tokens.make(ASK_TO_JOIN, {"rid": asked.id, "email": asked.email}),
    )
    return w


def sign_in_everyone(app, w: World) -> None:
    """Each role's session cookie, from logging in as that person."""
    emails = {
        MEMBER: "member@home.example",
        OTHER_ADMIN: "admin@other.example",
        OTHER_CHAIR: "chair@third.example",
        SUSPENDED: "admin@suspended.example",
        SECRETARIAT: "staff@eesc.example",
    }
    for role, email in emails.items():
        client = app.test_client()
        r = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        assert r.status_code == 302, (role, r.get_data(as_text=True))
        w.cookies[role] = client.get_cookie("session").value
    # A session of someone none of the roles is: nobody here may sign it out.
    with app.test_request_context():
        other = db.session.scalar(select(User).where(User.email == "admin@aral.example"))
        w.ids["others_session"] = sessions.record(other)[1].id


# Every table, read and written whole ---------------------------------------------------

# The words of the search index: a table of one engine's migration, outside the models.
SEARCH_TERM = table("search_term", column("term"))


# The log of views of members-only contact details (protection/) is written by reading pages
# that show them, by design (tests/test_protection.py checks it): it is not a change here.
VIEW_LOG = "contact_details_view"


def tables():
    return [*(t for t in db.metadata.sorted_tables if t.name != VIEW_LOG), SEARCH_TERM]


def snapshot(conn) -> dict[str, list]:
    """Every row of every table, to put back after a cell that changed something."""
    return {t.name: conn.execute(select(t)).all() for t in tables()}


def restore(conn, rows: dict[str, list]) -> None:
    """Put back every row of a snapshot (SQLite's triggers keep its full-text index in step)."""
    for t in reversed(tables()):
        conn.execute(t.delete())
    for t in tables():
        if rows[t.name]:
            conn.execute(t.insert(), [dict(row._mapping) for row in rows[t.name]])


def fingerprint_query(conn):
    """One statement giving, for each table, its number of rows and all its values as one
    text (a digest of it on PostgreSQL), in a stable order: cheap to run after each cell."""
    quote = conn.dialect.identifier_preparer.quote
    parts = []
    for t in tables():
        name = quote(t.name)
        if conn.dialect.name == "postgresql":
            parts.append(
                f"SELECT '{t.name}', count(*), "
                f"md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {name} AS r"
            )
        else:
            row = " || ',' || ".join(f"quote({quote(c.name)})" for c in t.columns)
            parts.append(
                f"SELECT '{t.name}', count(*), group_concat(r, '|') "
                f"FROM (SELECT {row} AS r FROM {name} ORDER BY 1)"
            )
    return text(" UNION ALL ".join(parts))


def fingerprints(conn, query) -> dict[str, tuple]:
    return {name: (rows, values) for name, rows, values in conn.execute(query)}


def differences(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, str]:
    return {
        name: f"{before[name][0]} rows before, {after[name][0]} after"
        for name in before
        if before[name] != after[name]
    }


class Matrix:
    """One app and its data per database engine, shared by every cell."""

    def __init__(self, database_url: str):
        self.app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                # The sessions' "last seen" is not written during the run: each cell compares
                # every table with the data it started from.
                "SESSION_SEEN_EVERY": 24 * 3600,
            }
        )
        with self.app.test_request_context(), pytest.MonkeyPatch.context() as patch:
            # One hashing round, as for every other test (conftest.fast_passwords).
            patch.setattr(
                auth_models,
                "generate_password_hash",
                partial(generate_password_hash, method="pbkdf2:sha256:1"),
            )
            self.world = build_world()
        sign_in_everyone(self.app, self.world)
        with self.app.test_request_context():
            # Suspended by the secretariat after its people signed in.
            verification.suspend(
                db.session.get(Organisation, self.world.suspended_org),
                "Inactive for years.",
                by=db.session.scalar(select(User).where(User.email == "staff@eesc.example")),
            )
            with db.engine.connect() as conn:
                self.base = snapshot(conn)
                self.fingerprint_query = fingerprint_query(conn)
                self.base_fingerprints = fingerprints(conn, self.fingerprint_query)

    def request(self, route: Route, role: str):
        """The route's request, made by someone of this role in a browser of their own."""
        client = self.app.test_client()
        if role in self.world.cookies:
            client.set_cookie("session", self.world.cookies[role])
        with self.app.test_request_context():
            url = url_for(route.endpoint, **route.values(self.world))
        body = route.body(self.world) if route.body else None
        return client.open(url, method=route.method, data=body)

    def changes(self) -> dict[str, str]:
        """The tables that differ from the data every cell starts from; the data is put back."""
        with self.app.app_context():
            with db.engine.connect() as conn:
                now = fingerprints(conn, self.fingerprint_query)
            changed = differences(self.base_fingerprints, now)
            if changed:
                with db.engine.begin() as conn:
                    restore(conn, self.base)
                cache.clear()
            return changed

    def close(self) -> None:
        empty_all_tables(self.app)
        with self.app.app_context():
            db.engine.dispose()


# The routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    expect: dict[str, Outcome]
    values: Callable[[World], dict] = lambda w: {}
    body: Callable[[World], dict] | None = None

    def outcome(self, role: str) -> Outcome:
        return self.expect[VISITOR if role == SUSPENDED else role]


def group_url(w: World) -> dict:
    return {"slug": w.group}


def home_url(w: World) -> dict:
    return {"org_id": w.home}


def post_url(w: World) -> dict:
    return {"post_id": w.post}


def post_form(w: World) -> dict:
    return {
        "kind": "partners",
        "title": "Partners wanted",
        "description": "For a youth exchange.",
        "priority": w.group,
        "deadline": (utcnow() + timedelta(days=20)).date().isoformat(),
        "audience": "everyone",
        "language": "en",
    }


def meeting_url(w: World) -> dict:
    return {"slug": w.group, "meeting_id": w.meeting}


def draft_url(w: World) -> dict:
    return {"output_id": w.draft}


def adopted_url(w: World) -> dict:
    return {"output_id": w.adopted}


def paragraph_url(w: World) -> dict:
    return {"output_id": w.draft, "paragraph_id": w.paragraph}


# Writing a draft: the co-chairs only (none acts here); to those outside the group the draft
# does not exist.
DRAFTING = {
    **only(),
    OTHER_ADMIN: NOT_FOUND,
    OTHER_CHAIR: NOT_FOUND,
}


def profile_form(w: World) -> dict:
    return {
        "name": "Steppe Forum",
        "acronym": "SF",
        "country": "KZ",
        "city": "Almaty",
        "type": "ngo",
        "eesc_group": "III",
        "sectors": ["environment"],
        "website": "https://sf.kz",
        "description": "Changed.",
        "working_languages": ["kk", "ru"],
        "registration_number": "",
    }


def registration_form(w: World) -> dict:
    return {
        **profile_form(w),
        "name": "Altai Commons",
        "website": "",
        "full_name": "Aigerim Nurlanovna",
        "email": "aigerim@altai.example",
        "password": PASSWORD,
        "confirm_password": PASSWORD,
        "consent": "y",
    }


def meeting_form(w: World) -> dict:
    return {
        "title": "Planning meeting",
        "timezone": "Asia/Almaty",
        "starts_at": FUTURE,
        "ends_at": FUTURE_END,
        "mode": "in_person",
        "place": "Almaty",
        "capacity": "20",
        "registration_open": "y",
    }


def group_texts(w: World) -> dict:
    return {
        "moderation": "open",
        "title_en": "Erasmus for young Kazakhs",
        "purpose_en": "Changed.",
    }


def contact_form(w: World) -> dict:
    return {
        "name": "Aliya Contact",
        "organisation_name": "EESC",
        "role": "Officer",
        "email": "aliya@example.kz",
        "phone": "+7 727 250 12 34",
        "visibility": "public",
    }


def new_password(w: World) -> dict:
    return {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}


ROUTES = [
    # Site
    Route("main.index", "GET", everyone(OK)),
    Route("main.healthz", "GET", everyone(OK)),
    # Only with METRICS_TOKEN or from METRICS_ALLOW_FROM, which no one here has.
    Route("metrics", "GET", everyone(NOT_FOUND)),
    Route("main.readyz", "GET", everyone(OK)),
    Route("main.privacy", "GET", everyone(OK)),
    Route("main.set_language", "GET", everyone(BACK), lambda w: {"code": "en"}),
    Route("static", "GET", everyone(OK), lambda w: {"filename": "css/site.css"}),
    # Accounts
    Route("auth.login", "GET", visitors(OK)),
    Route(
        "auth.login",
        "POST",
        visitors(done()),
        body=lambda w: {"email": "admin@home.example", "password": PASSWORD},
    ),
    # Logging out ends the session on the server (its record is deleted).
    Route("auth.logout", "POST", visitors(BACK, done())),
    # The second step of logging in: nobody here is waiting for it, so everyone is sent back.
    Route("auth.second_factor", "GET", everyone(BACK)),
    Route("auth.second_factor", "POST", everyone(BACK), body=lambda w: {"code": "123456"}),
    Route("auth.confirm_email", "GET", everyone(done()), lambda w: {"token": w.confirm}),
    Route("auth.resend_confirmation", "POST", signed_in(BACK)),
    Route("auth.forgot_password", "GET", everyone(OK)),
    Route(
        "auth.forgot_password", "POST", everyone(BACK), body=lambda w: {"email": "new@home.example"}
    ),
    Route("auth.reset_password", "GET", everyone(OK), lambda w: {"token": w.reset}),
    Route(
        "auth.reset_password",
        "POST",
        everyone(done()),
        lambda w: {"token": w.reset},
        new_password,
    ),
    Route("auth.accept_invitation", "GET", everyone(OK), lambda w: {"token": w.invitation}),
    Route(
        "auth.accept_invitation",
        "POST",
        everyone(done()),
        lambda w: {"token": w.invitation},
        lambda w: {"full_name": "New Colleague", **new_password(w), "consent": "y"},
    ),
    # Sign-in and security: each person's own (nobody here has two-factor sign-in on)
    Route("account_security.index", "GET", signed_in(OK)),
    Route("account_security.setup", "GET", signed_in(OK)),
    Route(
        "account_security.setup",
        "POST",
        signed_in(Outcome(422)),
        body=lambda w: {"code": "000000"},
    ),
    Route("account_security.disable", "GET", signed_in(BACK)),
    Route(
        "account_security.disable",
        "POST",
        signed_in(BACK),
        body=lambda w: {"password": PASSWORD, "code": "000000"},
    ),
    # Two-factor sign-in is off for the people here: back to the page.
    Route("account_security.recovery_codes", "GET", signed_in(BACK)),
    Route(
        "account_security.recovery_codes",
        "POST",
        signed_in(BACK),
        body=lambda w: {"password": PASSWORD, "code": "000000"},
    ),
    # Another person's session: not found.
    Route(
        "account_security.sign_out_device",
        "POST",
        signed_in(NOT_FOUND),
        lambda w: {"session_id": w.others_session},
    ),
    # Each person here is signed in on one device: no other to sign out.
    Route("account_security.sign_out_others", "POST", signed_in(BACK)),
    # One's own account. Deleting it: the secretariat's only account is kept; the others'
    # own organisations keep no one else, so they leave it to the secretariat.
    Route("account.index", "GET", signed_in(OK)),
    Route("account.download", "GET", signed_in(OK)),
    Route(
        "account.details",
        "POST",
        signed_in(Outcome(422)),
        body=lambda w: {"full_name": "New Name", "email": "elsewhere@example.org"},
    ),
    Route(
        "account.delete",
        "POST",
        {**signed_in(done()), SECRETARIAT: BACK},
        body=lambda w: {"password": PASSWORD},
    ),
    Route("account.close_organisation", "GET", {**signed_in(OK), MEMBER: BACK, SECRETARIAT: BACK}),
    Route(
        "account.close_organisation",
        "POST",
        {**signed_in(done()), MEMBER: BACK, SECRETARIAT: BACK},
        body=lambda w: {"password": PASSWORD, "confirm": "y"},
    ),
    Route("account.consent", "GET", signed_in(BACK)),
    Route("account.consent", "POST", signed_in(BACK), body=lambda w: {"consent": "y"}),
    Route("account.settle_no_people", "POST", secretariat(done()), home_url),
    # Organisations
    Route("organisations.register", "GET", visitors(OK)),
    Route("organisations.check_your_inbox", "GET", everyone(OK)),
    Route("organisations.register", "POST", visitors(done()), body=registration_form),
    Route("organisations.profile", "GET", everyone(OK), home_url),
    Route("organisations.edit", "GET", secretariat(OK), home_url),
    Route("organisations.edit", "POST", secretariat(done()), home_url, profile_form),
    Route("organisations.people", "GET", only(MEMBER, SECRETARIAT), home_url),
    Route(
        "organisations.invite",
        "POST",
        secretariat(done()),
        home_url,
        lambda w: {"email": "someone@home.example"},
    ),
    Route(
        "organisations.set_role",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.home, "user_id": w.member},
        lambda w: {"role": "admin"},
    ),
    Route(
        "organisations.remove_colleague",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.home, "user_id": w.member},
    ),
    Route("organisations.ask_again", "POST", NO_ONE_HERE, home_url),
    Route("organisations.confirm_profile", "POST", NO_ONE_HERE, home_url),
    Route("protection.index", "GET", secretariat(OK), home_url),
    Route(
        "protection.index",
        "POST",
        secretariat(done()),
        home_url,
        lambda w: {"members_only": "y", "hide_memberships": "y"},
    ),
    Route("protection.withdraw", "POST", secretariat(done()), home_url),
    Route("contacts.index", "GET", secretariat(OK), home_url),
    Route("contacts.new_contact", "GET", secretariat(OK), home_url),
    Route(
        "contacts.new_contact",
        "POST",
        secretariat(done()),
        home_url,
        lambda w: {"name": "Aliya Contact", "email": "aliya@example.kz", "visibility": "members"},
    ),
    Route(
        "contacts.edit_contact",
        "GET",
        secretariat(OK),
        lambda w: {"org_id": w.home, "contact_id": w.members_contact},
    ),
    Route(
        "contacts.edit_contact",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.home, "contact_id": w.members_contact},
        lambda w: {"name": "Renamed Person", "visibility": "members"},
    ),
    Route(
        "contacts.delete_contact",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.home, "contact_id": w.members_contact},
    ),
    Route("organisations.other_names", "GET", secretariat(OK), home_url),
    Route(
        "organisations.other_names",
        "POST",
        secretariat(done()),
        home_url,
        lambda w: {"name": "Дала Форумы", "language": "kk"},
    ),
    Route(
        "organisations.delete_other_name",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.home, "name_id": w.other_name},
    ),
    Route("organisations.ask_to_join", "GET", visitors(OK), home_url),
    Route(
        "organisations.ask_to_join",
        "POST",
        visitors(done()),
        home_url,
        lambda w: {"full_name": "Dana Nurlanovna", "email": "dana@example.kz"},
    ),
    Route(
        "organisations.confirm_ask_to_join",
        "GET",
        everyone(done()),
        lambda w: {"org_id": w.home, "token": w.ask_to_join},
    ),
    # Working groups
    Route("groups.index", "GET", everyone(OK)),
    Route("groups.detail", "GET", everyone(OK), group_url),
    Route(
        "groups.join",
        "POST",
        NO_ONE_HERE,
        lambda w: {"slug": w.group, "org_id": w.home},
    ),
    Route(
        "groups.withdraw",
        "POST",
        NO_ONE_HERE,
        lambda w: {"slug": w.group, "org_id": w.home},
    ),
    Route(
        "groups.leave",
        "POST",
        NO_ONE_HERE,
        lambda w: {"slug": w.group, "org_id": w.home},
    ),
    Route("groups.requests", "GET", secretariat(OK), group_url),
    Route(
        "groups.decide",
        "POST",
        secretariat(done()),
        lambda w: {"slug": w.group, "membership_id": w.request},
        lambda w: {f"request-{w.request}-message": "Welcome.", "approve": "1"},
    ),
    Route("groups.new_announcement", "GET", secretariat(OK), group_url),
    Route(
        "groups.new_announcement",
        "POST",
        secretariat(done()),
        group_url,
        lambda w: {"title": "News", "body": "A meeting is coming."},
    ),
    Route("groups.new_meeting", "GET", secretariat(OK), group_url),
    Route("groups.new_meeting", "POST", secretariat(done()), group_url, meeting_form),
    Route("groups.meeting", "GET", everyone(OK), meeting_url),
    Route("groups.meeting_ics", "GET", everyone(OK), meeting_url),
    Route("groups.feed", "GET", everyone(OK), group_url),
    Route("groups.edit_meeting", "GET", secretariat(OK), meeting_url),
    Route("groups.edit_meeting", "POST", secretariat(done()), meeting_url, meeting_form),
    Route("groups.cancel_meeting", "GET", secretariat(OK), meeting_url),
    Route("groups.cancel_meeting", "POST", secretariat(done()), meeting_url),
    Route("groups.attendees_csv", "GET", secretariat(OK), meeting_url),
    Route(
        "groups.register",
        "POST",
        only(MEMBER, outcome=done()),
        meeting_url,
        lambda w: {"attendance": "in_person"},
    ),
    Route(
        "groups.unregister",
        "POST",
        {**signed_in(BACK), MEMBER: done()},
        lambda w: {"slug": w.group, "meeting_id": w.attended},
    ),
    Route("groups.notification_settings", "GET", signed_in(OK)),
    Route(
        "groups.notification_settings",
        "POST",
        {**signed_in(done()), MEMBER: BACK},
        body=lambda w: {"notify": "y"},
    ),
    # The private calendar: its secret address is the proof, whoever asks.
    Route("groups.private_feed", "GET", everyone(OK), lambda w: {"token": w.private_feed}),
    Route("groups.reset_private_feed", "POST", signed_in(done())),
    Route("groups.unsubscribe", "GET", everyone(OK), lambda w: {"token": w.unsubscribe}),
    Route("groups.unsubscribe", "POST", everyone(done(200)), lambda w: {"token": w.unsubscribe}),
    # Joint outputs: a draft is seen by the group's member organisations and the secretariat
    # only (to others it does not exist); co-chairs write and sign it (none acts here).
    Route("outputs.action_plan", "GET", everyone(OK)),
    Route("outputs.group_outputs", "GET", everyone(OK), group_url),
    Route(
        "outputs.detail",
        "GET",
        {**everyone(NOT_FOUND), MEMBER: OK, SECRETARIAT: OK},
        draft_url,
    ),
    Route("outputs.print_view", "GET", everyone(OK), adopted_url),
    Route("outputs.new", "GET", NO_ONE_HERE, group_url),
    Route(
        "outputs.new",
        "POST",
        NO_ONE_HERE,
        group_url,
        lambda w: {"kind": "report", "title": "Report"},
    ),
    Route("outputs.add_paragraph", "POST", DRAFTING, draft_url, lambda w: {"text_en": "More."}),
    Route("outputs.edit_paragraph", "GET", DRAFTING, paragraph_url),
    Route("outputs.edit_paragraph", "POST", DRAFTING, paragraph_url, lambda w: {"text_en": "New."}),
    Route("outputs.remove_paragraph", "POST", DRAFTING, paragraph_url),
    Route(
        "outputs.move_paragraph",
        "POST",
        DRAFTING,
        paragraph_url,
        lambda w: {"direction": "down"},
    ),
    Route(
        "outputs.comment",
        "POST",
        {**DRAFTING, MEMBER: done()},
        paragraph_url,
        lambda w: {f"comment-{w.paragraph}-body": "A comment."},
    ),
    Route("outputs.sign", "POST", DRAFTING, draft_url),
    Route("outputs.endorse", "POST", NO_ONE_HERE, adopted_url),
    Route("outputs.withdraw_endorsement", "POST", NO_ONE_HERE, adopted_url),
    Route(
        "outputs.follow_up",
        "POST",
        secretariat(done()),
        adopted_url,
        lambda w: {"state": "sent_eu", "note": "Sent."},
    ),
    # Directory
    Route("directory.index", "GET", everyone(OK)),
    Route("directory.map", "GET", everyone(OK)),
    Route(
        "directory.contact_vcard",
        "GET",
        {**signed_in(OK), VISITOR: NOT_FOUND},
        lambda w: {"contact_id": w.members_contact},
    ),
    Route("directory.export", "GET", everyone(OK), lambda w: {"fmt": "csv"}),
    Route(
        "directory.contact_page",
        "GET",
        {**signed_in(OK), VISITOR: NOT_FOUND},
        lambda w: {"contact_id": w.members_contact},
    ),
    # Partner search: the home organisation's post, answered by the co-chair's organisation.
    Route("opportunities.index", "GET", everyone(OK)),
    Route("opportunities.export", "GET", everyone(OK)),
    Route("opportunities.detail", "GET", everyone(OK), post_url),
    Route("opportunities.new", "GET", {**only(OTHER_ADMIN, OTHER_CHAIR), VISITOR: LOGIN}),
    Route(
        "opportunities.new",
        "POST",
        only(OTHER_ADMIN, OTHER_CHAIR, outcome=done()),
        body=post_form,
    ),
    Route("opportunities.edit", "GET", NO_ONE_HERE, post_url),
    Route("opportunities.edit", "POST", NO_ONE_HERE, post_url, post_form),
    Route(
        "opportunities.close",
        "POST",
        NO_ONE_HERE,
        post_url,
        lambda w: {"outcome": "partnership_formed"},
    ),
    Route(
        "opportunities.answer",
        "POST",
        {**only(OTHER_ADMIN, outcome=done()), OTHER_CHAIR: BACK},
        post_url,
        lambda w: {"message": "We would like to take part."},
    ),
    Route(
        "opportunities.mark_answer",
        "POST",
        NO_ONE_HERE,
        lambda w: {"post_id": w.post, "answer_id": w.answer},
        lambda w: {"status": "in_contact"},
    ),
    Route(
        "opportunities.hide",
        "POST",
        secretariat(done()),
        post_url,
        lambda w: {"reason": "Advertising."},
    ),
    Route("opportunities.unhide", "POST", secretariat(done()), post_url),
    Route("opportunities.digest_settings", "GET", signed_in(OK)),
    Route(
        "opportunities.digest_settings",
        "POST",
        {**signed_in(done()), MEMBER: BACK},
        body=lambda w: {"enabled": "y"},
    ),
    Route("opportunities.unsubscribe", "GET", everyone(OK), lambda w: {"token": w.digest}),
    Route("opportunities.unsubscribe", "POST", everyone(done(200)), lambda w: {"token": w.digest}),
    Route("api.opportunities", "GET", everyone(OK)),
    Route("api.opportunity", "GET", everyone(OK), post_url),
    # Read API
    Route("api.search", "GET", everyone(OK)),
    Route("api.organisations", "GET", everyone(OK)),
    Route(
        "api.organisation",
        "GET",
        {**everyone(NOT_FOUND), SECRETARIAT: OK},
        lambda w: {"org_id": w.suspended_org},
    ),
    Route("api.working_groups", "GET", everyone(OK)),
    Route("api.working_group", "GET", everyone(OK), group_url),
    Route("api.contacts", "GET", everyone(OK)),
    Route("api.member_map", "GET", everyone(OK)),
    Route("api.outputs", "GET", everyone(OK)),
    # Drafts are not in the API, whoever asks.
    Route("api.output", "GET", everyone(NOT_FOUND), draft_url),
    Route("api.openapi_document", "GET", everyone(OK)),
    # Secretariat console
    Route("admin.index", "GET", secretariat(OK)),
    Route("admin.verification_queue", "GET", secretariat(OK)),
    Route(
        "admin.verify_organisation",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.awaiting},
    ),
    Route(
        "admin.reject_organisation",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.awaiting},
        lambda w: {"reason": "Not a civil society organisation."},
    ),
    Route("admin.organisations", "GET", secretariat(OK)),
    Route("admin.organisation", "GET", secretariat(OK), home_url),
    Route(
        "admin.suspend_organisation",
        "POST",
        secretariat(done()),
        home_url,
        lambda w: {"reason": "Impersonation."},
    ),
    Route(
        "admin.reinstate_organisation",
        "POST",
        secretariat(done()),
        lambda w: {"org_id": w.suspended_org},
    ),
    Route("admin.merge_organisation", "GET", secretariat(OK), home_url),
    Route(
        "admin.merge_organisation",
        "POST",
        secretariat(done()),
        home_url,
        lambda w: {"duplicate_id": str(w.duplicate)},
    ),
    Route("admin.groups", "GET", secretariat(OK)),
    Route("admin.group", "GET", secretariat(OK), group_url),
    Route("admin.group_create", "GET", secretariat(OK)),
    Route(
        "admin.group_create",
        "POST",
        secretariat(done()),
        body=lambda w: {**group_texts(w), "slug": "energy-transition", "priority": "6"},
    ),
    Route("admin.group_edit", "GET", secretariat(OK), group_url),
    Route("admin.group_edit", "POST", secretariat(done()), group_url, group_texts),
    Route(
        "admin.group_add_organisation",
        "POST",
        secretariat(done()),
        group_url,
        lambda w: {"organisation_id": str(w.other)},
    ),
    Route(
        "admin.group_appoint",
        "POST",
        secretariat(done()),
        group_url,
        lambda w: {"user_id": str(w.candidate)},
    ),
    Route(
        "admin.group_remove_coordinator",
        "GET",
        secretariat(OK),
        lambda w: {"slug": w.group, "coordinator_id": w.chair},
    ),
    Route(
        "admin.group_remove_coordinator",
        "POST",
        secretariat(done()),
        lambda w: {"slug": w.group, "coordinator_id": w.chair},
    ),
    Route("admin.group_archive", "GET", secretariat(OK), group_url),
    Route("admin.group_archive", "POST", secretariat(done()), group_url),
    Route("admin.group_reopen", "POST", secretariat(done()), lambda w: {"slug": w.archived}),
    Route("admin.contacts", "GET", secretariat(OK)),
    Route("admin.contact_new", "GET", secretariat(OK)),
    Route("admin.contact_new", "POST", secretariat(done()), body=contact_form),
    Route(
        "admin.contact_edit",
        "GET",
        secretariat(OK),
        lambda w: {"contact_id": w.eesc_contact},
    ),
    Route(
        "admin.contact_edit",
        "POST",
        secretariat(done()),
        lambda w: {"contact_id": w.eesc_contact},
        contact_form,
    ),
    Route(
        "admin.contact_hide",
        "POST",
        secretariat(done()),
        lambda w: {"contact_id": w.eesc_contact},
    ),
    Route(
        "admin.contact_delete",
        "GET",
        secretariat(OK),
        lambda w: {"contact_id": w.eesc_contact},
    ),
    Route(
        "admin.contact_delete",
        "POST",
        secretariat(done()),
        lambda w: {"contact_id": w.eesc_contact},
    ),
    Route("admin.contacts_import", "GET", secretariat(OK)),
    Route(
        "admin.contacts_import",
        "POST",
        secretariat(done()),
        body=lambda w: {"file": (io.BytesIO(CSV), "contacts.csv")},
    ),
    Route(
        "admin.contacts_import_preview",
        "GET",
        secretariat(OK),
        lambda w: {"batch_id": w.batch},
    ),
    Route(
        "admin.contacts_import_apply",
        "POST",
        secretariat(done()),
        lambda w: {"batch_id": w.batch},
    ),
    Route("admin.dashboard", "GET", secretariat(OK)),
    Route(
        "admin.dashboard_csv",
        "GET",
        secretariat(OK),
        lambda w: {"name": "organisations-by-side"},
    ),
    Route("admin.audit_log", "GET", secretariat(OK)),
    Route("admin.failed_mail", "GET", secretariat(OK)),
    Route(
        "admin.failed_mail_send_again",
        "POST",
        secretariat(done()),
        lambda w: {"mail_id": w.failed_mail},
    ),
]
TABLE = {(route.endpoint, route.method): route for route in ROUTES}


def cells():
    for route in ROUTES:
        for role in ROLES:
            yield pytest.param(route, role, id=f"{route.method} {route.endpoint} as {role}")


# Tests ---------------------------------------------------------------------------------


def test_every_route_is_in_the_table():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(routes - TABLE.keys()) == [], "routes missing from the table"
    assert sorted(TABLE.keys() - routes) == [], "entries for routes that no longer exist"
    assert len(TABLE) == len(ROUTES), "a route is in the table twice"


def test_every_entry_says_what_each_user_gets():
    for route in ROUTES:
        assert sorted(route.expect) == sorted(NAMED), route.endpoint


@pytest.fixture(scope="module")
def matrix(database_url):
    matrix = Matrix(database_url)
    yield matrix
    matrix.close()


@pytest.mark.parametrize(("route", "role"), list(cells()))
def test_who_gets_what(matrix, route: Route, role: str):
    expected = route.outcome(role)
    response = matrix.request(route, role)
    changed = matrix.changes()
    got = Outcome(
        response.status_code,
        changes=bool(changed),
        # Sent to log in to see the page (not merely sent on to the login page afterwards).
        to_login=response.status_code == 302
        and response.headers["Location"].startswith("/auth/login?next="),
    )
    assert got == expected, (changed, response.headers.get("Location"))
