"""Who sees what: the one place that decides it (docs/architecture.md, "Who sees what").

Every page, export, feed and API response asks these functions; none decides alone.

An organisation is public (pages, search, API, exports, feeds, vCards) once the secretariat
has verified it: before that, anyone could register under a known organisation's name. One
awaiting verification is seen by its own people, by the people of verified organisations
(with its "awaiting verification" badge) and by the secretariat. The duplicate check at
registration compares a new organisation with every one verified or awaiting verification
(``DUPLICATE_CHECK``).

An organisation at risk may be seen by platform members only (``members_only``): visitors, people
of organisations not verified and the public API then never meet it. It may also hide its
working-group memberships from the public (``hide_memberships``): member lists, counts, its page,
the API, the exports and the search's group filter show them to platform members only
(``can_see_memberships``, ``visible_memberships``).

A meeting's online link is for the people of its group's member organisations, its registered
participants and the secretariat (``can_see_meeting_link``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, bindparam, false, or_, select, true

from .auth import standing
from .contacts.models import Contact, Visibility
from .core.models import ConfirmationState, Organisation
from .core.vocabulary import OrganisationStatus

if TYPE_CHECKING:
    from .auth.models import User

# Shown to everyone, visitors included.
PUBLIC_STATUSES = (OrganisationStatus.VERIFIED,)
# Shown to platform members (people of verified organisations, the secretariat), and compared
# with at registration: the public ones and those awaiting verification.
LISTED_STATUSES = (OrganisationStatus.VERIFIED, OrganisationStatus.PENDING)
# Closed by its admin: seen by nobody but the secretariat, its own people included.
CLOSED = OrganisationStatus.CLOSED


class _DuplicateCheck:
    """The viewer the duplicate check at registration searches as: it sees every organisation
    verified or awaiting verification (a new registration must not pass for one of them),
    though the person registering is a visitor. Never signed in, never anyone's organisation."""

    is_authenticated = False
    is_secretariat = False
    organisation_id = None
    organisation = None


DUPLICATE_CHECK = _DuplicateCheck()


def _signed_in(viewer: User | None) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False)


def is_secretariat(viewer: User | None) -> bool:
    return _signed_in(viewer) and viewer.is_secretariat


def is_platform_member(viewer: User | None) -> bool:
    """A secretariat account, or a user of a verified organisation."""
    if not _signed_in(viewer):
        return False
    if viewer.is_secretariat:
        return True
    org = viewer.organisation
    return org is not None and org.status == OrganisationStatus.VERIFIED


def is_own_organisation(viewer: User | None, organisation_id: int | None) -> bool:
    return (
        _signed_in(viewer)
        and organisation_id is not None
        and viewer.organisation_id == organisation_id
    )


def viewer_kind(viewer: User | None) -> str:
    """The kind of viewer, which is all that the rules' SQL text and the pages kept for
    several people may depend on: "visitor", "member" (a person of a verified organisation),
    "secretariat", "other" (signed in, of an organisation not verified: a visitor's view plus
    their own organisation) or "duplicate-check"."""
    if viewer is DUPLICATE_CHECK:
        return "duplicate-check"
    if not _signed_in(viewer):
        return "visitor"
    if viewer.is_secretariat:
        return "secretariat"
    return "member" if is_platform_member(viewer) else "other"


def viewer_signature(viewer: User | None) -> tuple:
    """All that the rules below read from a viewer: their kind, their id and their
    organisation's. Two viewers with the same signature see the same things, so what is worked
    out from the rules for one (search.visibility_key) may be kept for the other. A rule that
    comes to read anything else of the viewer must add it here."""
    kind = viewer_kind(viewer)
    if kind in ("visitor", "duplicate-check"):
        return (kind,)
    return (kind, viewer.id, viewer.organisation_id)


def is_listed(org: Organisation) -> bool:
    """Shown to platform members and compared with at registration: verified or awaiting
    verification, and not hidden for want of the annual confirmation."""
    return org.status in LISTED_STATUSES and org.confirmation_state != ConfirmationState.HIDDEN


def _listed_statuses(viewer: User | None) -> tuple[OrganisationStatus, ...]:
    """The statuses of the organisations the viewer sees besides their own."""
    if viewer is DUPLICATE_CHECK or is_platform_member(viewer):
        return LISTED_STATUSES
    return PUBLIC_STATUSES


def can_view_organisation(viewer: User | None, org: Organisation) -> bool:
    """Verified ones are public; those awaiting verification are seen by platform members;
    the others only by their own people and the secretariat; a closed one by the secretariat
    only."""
    if is_secretariat(viewer):
        return True
    if org.status == CLOSED:
        return False
    shown = org.confirmation_state != ConfirmationState.HIDDEN and (
        not org.members_only or is_platform_member(viewer)
    )
    return (shown and org.status in _listed_statuses(viewer)) or is_own_organisation(viewer, org.id)


def can_see_status_reason(viewer: User | None, org: Organisation) -> bool:
    """The reason for a rejection or suspension: the organisation itself and the secretariat."""
    return is_secretariat(viewer) or is_own_organisation(viewer, org.id)


def _viewer_organisation(viewer: User) -> ColumnElement:
    """The viewer's organisation as a named bound parameter: a statement's text stays the
    same whoever asks (one prepared statement for all), the value comes with each run."""
    return bindparam("viewer_organisation_id", viewer.organisation_id)


def visible_organisations(viewer: User | None) -> ColumnElement[bool]:
    """A WHERE clause limiting organisations to those the viewer may see."""
    if is_secretariat(viewer):
        return true()
    listed = and_(
        Organisation.status.in_(_listed_statuses(viewer)),
        Organisation.confirmation_state != ConfirmationState.HIDDEN,
    )
    if not is_platform_member(viewer):
        # Visitors, the duplicate check and people of organisations not verified.
        listed = and_(listed, Organisation.members_only == false())
    if _signed_in(viewer) and viewer.organisation_id:
        own = and_(Organisation.id == _viewer_organisation(viewer), Organisation.status != CLOSED)
        return or_(listed, own)
    return listed


def visible_requests(viewer: User | None) -> ColumnElement[bool]:
    """A WHERE clause on organisations: those whose requests to join a working group its
    moderators read. Co-chairs read every one but a closed organisation's (they are told why a
    rejected or suspended one's cannot be approved); the secretariat reads them all."""
    if is_secretariat(viewer):
        return true()
    return Organisation.status != CLOSED


def sees_hidden_memberships(viewer: User | None) -> bool:
    """Whether the viewer sees the memberships that organisations hide from the public:
    platform members (people of verified organisations, the secretariat)."""
    return is_platform_member(viewer)


def can_see_memberships(viewer: User | None, org: Organisation) -> bool:
    """Whether the viewer may see the organisation's working-group memberships: everyone,
    unless it hides them from the public; then platform members and its own people."""
    return (
        not org.hide_memberships
        or sees_hidden_memberships(viewer)
        or is_own_organisation(viewer, org.id)
    )


def can_name_as_taking_part(viewer: User | None, org: Organisation | None) -> bool:
    """Whether the viewer may be told that this organisation takes part in a working group's
    work (a co-chair's organisation, one that endorses or signed a joint output): they may see
    the organisation and its memberships."""
    return (
        org is not None and can_view_organisation(viewer, org) and can_see_memberships(viewer, org)
    )


def visible_memberships(viewer: User | None) -> ColumnElement[bool]:
    """A WHERE clause on organisations: those whose memberships the viewer may see (member
    lists, counts, the group filter of lists). Add it beside ``visible_organisations``."""
    if sees_hidden_memberships(viewer):
        return true()
    clause = Organisation.hide_memberships == false()
    if _signed_in(viewer) and viewer.organisation_id:
        clause = or_(clause, Organisation.id == _viewer_organisation(viewer))
    return clause


def contact_visibilities(viewer: User | None) -> tuple[Visibility, ...]:
    """The contact visibilities the viewer may see in general (their own contacts aside)."""
    if is_secretariat(viewer):
        return tuple(Visibility)
    if is_platform_member(viewer):
        return (Visibility.PUBLIC, Visibility.MEMBERS)
    return (Visibility.PUBLIC,)


def can_see_contact(viewer: User | None, contact: Contact) -> bool:
    return contact.visibility in contact_visibilities(viewer) or is_own_organisation(
        viewer, contact.organisation_id
    )


def visible_contacts(viewer: User | None) -> ColumnElement[bool]:
    """A WHERE clause limiting contacts to those the viewer may see."""
    clause = Contact.visibility.in_(contact_visibilities(viewer))
    if _signed_in(viewer) and viewer.organisation_id and not is_secretariat(viewer):
        clause = or_(clause, Contact.organisation_id == _viewer_organisation(viewer))
    return clause


def can_see_contact_with_organisation(viewer: User | None, contact: Contact) -> bool:
    """``can_see_contact``, and its organisation (if any) is one the viewer may see: the
    contact of a rejected, suspended or hidden organisation is not shown apart from it."""
    if not can_see_contact(viewer, contact):
        return False
    return contact.organisation is None or can_view_organisation(viewer, contact.organisation)


def visible_contacts_with_organisation(viewer: User | None) -> ColumnElement[bool]:
    """``visible_contacts``, limited to contacts outside any organisation or of one the viewer
    may see (the rule ``can_see_contact_with_organisation`` applies, as a WHERE clause)."""
    if is_secretariat(viewer):
        return visible_contacts(viewer)
    return and_(
        visible_contacts(viewer),
        or_(
            Contact.organisation_id.is_(None),
            Contact.organisation_id.in_(
                select(Organisation.id).where(visible_organisations(viewer))
            ),
        ),
    )


# The rules above, in words, for the privacy notice (templates/main/privacy.html renders this
# table, so that what the notice promises and what the code does are read side by side).
# Each rule: what, then who sees it: visitors, signed-in people of verified organisations,
# the organisation's own people, the secretariat.


@dataclass(frozen=True)
class Rule:
    thing: str
    visitor: bool
    member: bool
    own: bool
    secretariat: bool
    note: str | None = None


RULES = (
    Rule(
        _l("Profile of a verified organisation"),
        True,
        True,
        True,
        True,
        _l("Organisations are public only once the secretariat has verified them."),
    ),
    Rule(
        _l("Organisation awaiting verification"),
        False,
        True,
        True,
        True,
        _l("Listed for signed-in people with an “awaiting verification” badge."),
    ),
    Rule(_l("Rejected or suspended organisation, with the reason"), False, False, True, True),
    Rule(
        _l("Closed organisation"),
        False,
        False,
        False,
        True,
        _l("Hidden at once; its people's data is erased after the grace period."),
    ),
    Rule(_l("Contact person with visibility “public”"), True, True, True, True),
    Rule(_l("Contact person with visibility “members”"), False, True, True, True),
    Rule(_l("Contact person with visibility “private”"), False, False, True, True),
    Rule(
        _l("Account: full name and email address"),
        False,
        False,
        True,
        True,
        _l("Colleagues of the same organisation and the secretariat only."),
    ),
    Rule(
        _l("Organisation that chose to be visible to platform members only"),
        False,
        True,
        True,
        True,
        _l("Not in the public directory, search, exports, feeds, API or member lists."),
    ),
    Rule(_l("Working group members (organisations)"), True, True, True, True),
    Rule(
        _l("Working groups of an organisation that hides its memberships"),
        False,
        True,
        True,
        True,
        _l("Its admins choose this; it is then left out of public member lists and counts."),
    ),
    Rule(
        _l("Online link of a meeting"),
        False,
        False,
        True,
        True,
        _l("Only member organisations of the group and registered participants."),
    ),
    Rule(
        _l("Partner search post for “signed-in members only”"),
        False,
        True,
        True,
        True,
        _l(
            "A post the secretariat hid: its own organisation (with the reason) and the "
            "secretariat."
        ),
    ),
    Rule(
        _l("Joint output of a working group, as a draft"),
        False,
        False,
        True,
        True,
        _l("Only member organisations of the group; public once both co-chairs have signed."),
    ),
    Rule(
        _l("Audit log of changes"),
        False,
        False,
        False,
        True,
        _l("Who changed what and when; kept with a pseudonym once an account is deleted."),
    ),
)


def is_members_only_detail(viewer: User | None, contact: Contact) -> bool:
    """Whether showing this contact's details to the viewer shows members-only details of
    another organisation (what its admins' log of views records): a contact with
    visibility *members*, of an organisation, to a signed-in person not of it."""
    return (
        _signed_in(viewer)
        and contact.organisation_id is not None
        and contact.visibility == Visibility.MEMBERS
        and not is_own_organisation(viewer, contact.organisation_id)
    )


# Meetings -----------------------------------------------------------------------------------


def can_see_meeting_link(
    viewer: User | None, *, group_member: bool = False, registered: bool = False
) -> bool:
    """A meeting's online link: the secretariat; people whose verified organisation is an
    active member of the meeting's group (``group_member``; people of one awaiting verification
    see what a visitor sees) and people registered for it, not on the waiting list
    (``registered``) — both only while their account and organisation may act
    (auth/standing.py). Everyone else is told that the link is sent to registered
    participants.

    What ties the viewer to the meeting is read by groups/ (``groups.services.meeting_ties``),
    which owns those records; the rule is decided here."""
    if not _signed_in(viewer) or not standing.may_act(viewer):
        return False
    return viewer.is_secretariat or (group_member and is_platform_member(viewer)) or registered


# Partner search posts (opportunities/) ----------------------------------------------------
# A post is seen where its organisation may be seen by everyone (verified, not hidden for want
# of the annual confirmation): a post of an organisation awaiting verification, suspended,
# rejected or closed reaches nobody but its own people and the secretariat. A post for
# "signed-in members only", or of an organisation seen by platform members only
# (``members_only``), is for platform members (is_platform_member). A post the secretariat hid
# is seen by its own organisation (with the reason) and the secretariat.
# ``opportunity_visibility`` says it in the words of contacts' visibility (public, members,
# private), and a post is seen exactly where a contact of its organisation with that visibility
# would be: so the directory's search holds that value in its documents and decides posts with
# the contacts' and organisations' clauses (search/service.py).
# The functions take the post's model as an argument, so that this module imports no feature.


def _value(member) -> str:
    return getattr(member, "value", member)


def opportunity_visibility(post) -> Visibility:
    """Who may read the post besides its own organisation and the secretariat: everyone
    (PUBLIC), platform members (MEMBERS) or nobody else (PRIVATE). ``post`` has the model's
    ``hidden_at``, ``audience`` and ``organisation`` (status, confirmation, members_only)."""
    org = post.organisation
    if (
        post.hidden_at is not None
        or _value(org.status) not in {s.value for s in PUBLIC_STATUSES}
        or _value(org.confirmation_state) == ConfirmationState.HIDDEN.value
    ):
        return Visibility.PRIVATE
    if _value(post.audience) == "everyone" and not org.members_only:
        return Visibility.PUBLIC
    return Visibility.MEMBERS


def can_view_opportunity(viewer: User | None, post) -> bool:
    """Whether the viewer may read this post (its page, the API, the search, a digest)."""
    if is_secretariat(viewer):
        return True
    if _value(post.organisation.status) == CLOSED.value:
        return False
    return opportunity_visibility(post) in contact_visibilities(viewer) or is_own_organisation(
        viewer, post.organisation_id
    )


def can_see_hidden_reason(viewer: User | None, post) -> bool:
    """Why the secretariat hid a post: its own organisation and the secretariat."""
    return is_secretariat(viewer) or is_own_organisation(viewer, post.organisation_id)


def visible_opportunities(viewer: User | None, model) -> ColumnElement[bool]:
    """A WHERE clause limiting posts (``model``: opportunities.models.Opportunity) to those the
    viewer may read, as ``can_view_opportunity`` decides for one."""
    if is_secretariat(viewer):
        return true()
    public_orgs = select(Organisation.id).where(
        Organisation.status.in_(PUBLIC_STATUSES),
        Organisation.confirmation_state != ConfirmationState.HIDDEN,
    )
    if not is_platform_member(viewer):
        public_orgs = public_orgs.where(Organisation.members_only == false())
    audiences = ("everyone", "members") if is_platform_member(viewer) else ("everyone",)
    shown = and_(
        model.hidden_at.is_(None),
        model.audience.in_(audiences),
        model.organisation_id.in_(public_orgs),
    )
    if _signed_in(viewer) and viewer.organisation_id:
        own = and_(
            model.organisation_id == _viewer_organisation(viewer),
            model.organisation_id.in_(select(Organisation.id).where(Organisation.status != CLOSED)),
        )
        return or_(shown, own)
    return shown


def can_see_answers(viewer: User | None, post) -> bool:
    """The answers to a post: the posting organisation's people and the secretariat."""
    return is_secretariat(viewer) or (
        is_own_organisation(viewer, post.organisation_id) and standing.may_act(viewer)
    )


def can_see_answer(viewer: User | None, reply) -> bool:
    """One answer to a post (``reply``: its model, with ``opportunity`` and ``organisation``):
    read where the post's answers are (``can_see_answers``), while its organisation is one the
    viewer may see: the answer of one suspended, rejected or closed since is not shown."""
    return can_see_answers(viewer, reply.opportunity) and can_view_organisation(
        viewer, reply.organisation
    )


# Joint outputs ------------------------------------------------------------------------------


def can_see_output(viewer: User | None, *, published: bool, group_member: bool = False) -> bool:
    """A joint output of a working group: public once published (signed by both co-chairs);
    a draft only for people of the group's member organisations (``group_member``) and the
    secretariat, while their account and organisation may act (auth/standing.py).

    What ties the viewer to the group is read by outputs/ (``outputs.services.is_member``);
    the rule is decided here."""
    if published:
        return True
    if not _signed_in(viewer) or not standing.may_act(viewer):
        return False
    return viewer.is_secretariat or group_member


def visible_outputs(
    viewer: User | None, published_at: ColumnElement, group_id: ColumnElement, member_groups
) -> ColumnElement[bool]:
    """``can_see_output`` as a WHERE clause over an output's publication time and group:
    ``member_groups`` are the ids of the groups the viewer's organisation is a member of."""
    if is_secretariat(viewer) and standing.may_act(viewer):
        return true()
    clause = published_at.is_not(None)
    if _signed_in(viewer) and standing.may_act(viewer) and member_groups:
        clause = or_(clause, group_id.in_(list(member_groups)))
    return clause
