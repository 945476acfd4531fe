"""What the read API lists, within what the caller may see.

Lists without a text query are read straight from their tables; with one, and for ``search``,
the search service ranks them. Each list runs a fixed number of SQL statements whatever the
number of items (count, page, and one for what the items carry beyond their row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import search, visibility
from ..auth.models import User
from ..contacts.models import Contact
from ..core.models import Organisation, OrganisationSector
from ..core.vocabulary import OrganisationStatus, Side
from ..extensions import db
from ..groups.membership import acting_coordinators
from ..groups.models import Coordinator, Membership, MembershipStatus, WorkingGroup
from ..outputs.models import JointOutput, OutputEndorsement, OutputSignoff


@dataclass
class Listing:
    items: list
    total: int
    page: int
    per_page: int
    total_is_lower_bound: bool = False
    facets: dict = field(default_factory=dict)


def _page(statement, query: search.SearchQuery) -> Listing:
    """One page of the statement's rows, and how many there are (beyond the last page: none)."""
    page = db.paginate(statement, page=query.page, per_page=query.per_page, error_out=False)
    return Listing(page.items, page.total or 0, query.page, query.per_page)


def organisation_filters(query: search.SearchQuery, viewer) -> list[ColumnElement[bool]]:
    """The facet filters of ``query`` as WHERE clauses: any value of one facet, every facet."""
    where = [visibility.visible_organisations(viewer)]
    if query.countries:
        where.append(Organisation.country.in_(query.countries))
    if query.sides:
        where.append(Organisation.side.in_(query.sides))
    if query.types:
        where.append(Organisation.type.in_(query.types))
    if query.eesc_groups:
        where.append(Organisation.eesc_group.in_(query.eesc_groups))
    if query.sectors:
        where.append(
            Organisation.id.in_(
                select(OrganisationSector.organisation_id).where(
                    OrganisationSector.sector.in_(query.sectors)
                )
            )
        )
    if query.regions:
        where.append(Organisation.region.in_(query.regions))
    if query.groups:
        where.append(visibility.visible_memberships(viewer))
        where.append(
            Organisation.id.in_(
                select(Membership.organisation_id)
                .join(WorkingGroup, WorkingGroup.id == Membership.group_id)
                .where(
                    WorkingGroup.slug.in_(query.groups),
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
    if query.verified is True:
        where.append(Organisation.status == OrganisationStatus.VERIFIED)
    elif query.verified is False:
        where.append(Organisation.status != OrganisationStatus.VERIFIED)
    return where


def require_known_groups(slugs: list[str]) -> None:
    """BadParameter unless every slug is a working group's (the search service checks this
    itself, in its own statement)."""
    if not slugs:
        return
    known = set(db.session.scalars(select(WorkingGroup.slug).where(WorkingGroup.slug.in_(slugs))))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise search.BadParameter("group", f"no working group has the slug {unknown[0]!r}.")


def _organisation_order(sort: str):
    if sort == "newest":
        return (Organisation.created_at.desc(), Organisation.id.desc())
    return (Organisation.name_key, Organisation.id)


def organisations(query: search.SearchQuery, viewer) -> Listing:
    """Organisations, filtered by facets; ranked by the search service when there is text."""
    if query.q:
        return searched(query, viewer, kinds=["organisation"])
    require_known_groups(query.groups)
    where = and_(*organisation_filters(query, viewer))
    return _page(
        select(Organisation).where(where).order_by(*_organisation_order(query.sort)), query
    )


def contacts(query: search.SearchQuery, viewer) -> Listing:
    """Contacts the caller may see; ranked by the search service when there is text."""
    if query.q:
        return searched(query, viewer, kinds=["contact"])
    where = visibility.visible_contacts_with_organisation(viewer)
    order = (
        (Contact.created_at.desc(), Contact.id.desc())
        if query.sort == "newest"
        else (Contact.name, Contact.id)
    )
    return _page(select(Contact).where(where).order_by(*order), query)


def searched(query: search.SearchQuery, viewer, kinds: list[str] | None = None) -> Listing:
    """One page from the search service: its objects, total and, when asked, facet counts."""
    if kinds is not None:
        query.kinds = kinds
        query.with_facets = False
    result = search.search(query, viewer)
    return Listing(
        [hit.obj for hit in result.items],
        result.total,
        result.page,
        result.per_page,
        result.total_is_lower_bound,
        result.facets,
    )


@dataclass
class GroupFacts:
    """What a working group's item carries beyond its row."""

    coordinators: dict[int, list[dict]] = field(default_factory=dict)
    members_by_side: dict[int, dict[str, int]] = field(default_factory=dict)


def groups(query: search.SearchQuery) -> Listing:
    """Current working groups (not archived), in the Action Plan's order, with their texts."""
    return _page(
        select(WorkingGroup)
        .where(WorkingGroup.archived_at.is_(None))
        .options(joinedload(WorkingGroup.translations))
        .order_by(WorkingGroup.priority, WorkingGroup.id),
        query,
    )


def group_slugs() -> list[str]:
    """Every working group's slug (archived ones too: the ``group`` filter takes them)."""
    return list(
        db.session.scalars(
            select(WorkingGroup.slug).order_by(WorkingGroup.priority, WorkingGroup.slug)
        )
    )


def group_by_slug(slug: str) -> WorkingGroup | None:
    return (
        db.session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.slug == slug)
            .options(joinedload(WorkingGroup.translations))
        )
        .unique()
        .one_or_none()
    )


def group_facts(group_ids: list[int], viewer) -> GroupFacts:
    """Co-chairs and member counts by side of the groups, in two statements."""
    facts = GroupFacts(
        coordinators={i: [] for i in group_ids},
        members_by_side={i: {s.value: 0 for s in Side} for i in group_ids},
    )
    if not group_ids:
        return facts
    rows = db.session.execute(
        acting_coordinators()
        .with_only_columns(
            Coordinator.group_id,
            Coordinator.side,
            User.full_name,
            Organisation.id,
            Organisation.name,
            # Whether the co-chair's organisation may be named to this caller as a member.
            and_(
                visibility.visible_organisations(viewer),
                visibility.visible_memberships(viewer),
            ).label("named"),
        )
        .where(Coordinator.group_id.in_(group_ids))
        .order_by(Coordinator.group_id, Coordinator.side)
    ).all()
    for group_id, side, name, org_id, org_name, named in rows:
        if not named:
            org_id = org_name = None
        facts.coordinators[group_id].append(
            {"name": name, "side": side, "organisation_id": org_id, "organisation": org_name}
        )
    counts = db.session.execute(
        select(Membership.group_id, Organisation.side, func.count())
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.group_id.in_(group_ids),
            Membership.status == MembershipStatus.ACTIVE,
            visibility.visible_organisations(viewer),
            visibility.visible_memberships(viewer),
        )
        .group_by(Membership.group_id, Organisation.side)
    ).all()
    for group_id, side, n in counts:
        facts.members_by_side[group_id][Side(side).value] = n
    return facts


def group_members(group: WorkingGroup, viewer) -> list[Organisation]:
    """The group's active member organisations the caller may see, by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.group_id == group.id,
                Membership.status == MembershipStatus.ACTIVE,
                visibility.visible_organisations(viewer),
                visibility.visible_memberships(viewer),
            )
            .order_by(Organisation.name_key, Organisation.id)
        )
    )


def organisation(org_id: int, viewer) -> Organisation | None:
    """The organisation, if the caller may see it, with its other names."""
    org = db.session.scalar(
        select(Organisation)
        .where(Organisation.id == org_id)
        .options(selectinload(Organisation.other_names))
    )
    if org is None or not visibility.can_view_organisation(viewer, org):
        return None
    return org


def _published_outputs():
    """Joint outputs as a visitor sees them: published ones only (visibility.visible_outputs),
    with what their items carry, loaded for the whole page at once."""
    return (
        select(JointOutput)
        .where(visibility.visible_outputs(None, JointOutput.published_at, JointOutput.group_id, ()))
        .options(
            selectinload(JointOutput.group).selectinload(WorkingGroup.translations),
            selectinload(JointOutput.signoffs).selectinload(OutputSignoff.signer),
            selectinload(JointOutput.transitions),
            selectinload(JointOutput.endorsements).selectinload(OutputEndorsement.organisation),
        )
    )


def outputs(query: search.SearchQuery) -> Listing:
    """Published joint outputs, newest first; drafts never, whoever asks."""
    return _page(
        _published_outputs().order_by(JointOutput.published_at.desc(), JointOutput.id.desc()),
        query,
    )


def output(output_id: int) -> JointOutput | None:
    """One published joint output, with its paragraphs; None for a draft or no such id."""
    return db.session.scalar(
        _published_outputs()
        .where(JointOutput.id == output_id)
        .options(selectinload(JointOutput.paragraphs))
    )
