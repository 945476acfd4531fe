"""Open posts in the directory's search: their documents in the search index (search/indexing.py
keeps them in step with every change, in the same transaction, and ``flask reindex`` rebuilds
them), as a kind of record beside organisations and contacts.

A post has a document while it is open (not closed, its deadline not passed) and not hidden by
the secretariat; closing it (its admin, or housekeeping after the deadline) or hiding it takes
the document away in the same transaction. Who may find it is visibility.py's decision: the
document holds ``visibility.opportunity_visibility`` of the post as a contact's visibility, and
its organisation's facets and status, which the search's visibility clause reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import joinedload

from .. import database, visibility
from ..core.models import Organisation
from ..core.vocabulary import Sector, region_name
from ..extensions import db
from ..groups.models import WorkingGroup
from ..search import indexing
from .models import Opportunity

_post = Opportunity.__table__
_org = Organisation.__table__


def post_document(post, org, group_slug: str | None) -> dict:
    """The document of an open post (``post``, ``org``: rows or objects with the models'
    attribute names)."""
    known = {s.value: s for s in Sector}
    sectors = [known[s] for s in (post.sectors_text or "").split() if s in known]
    regions = " ; ".join(region_name(code) for code in (post.regions_text or "").split())
    facets = indexing.organisation_facets(org._mapping if hasattr(org, "_mapping") else org)
    return {
        **facets,
        "kind": indexing.OPPORTUNITY,
        "ref_id": post.id,
        "contact_id": None,
        "sectors": sum(indexing.SECTOR_BITS[s] for s in sectors),
        "group_slugs": f" {group_slug} " if group_slug else "",
        # A post's priority is not a membership: its organisation's choice to hide its
        # memberships does not hide it.
        "org_hides_groups": False,
        "contact_visibility": visibility.opportunity_visibility(
            SimpleNamespace(hidden_at=post.hidden_at, audience=post.audience, organisation=org)
        ).value,
        **indexing.name_fields(post.title),
        "created_at": post.created_at,
        "body_text": " ".join(indexing.index_words(post.description, org.name, regions)),
    }


class PostSource(indexing.Source):
    kind = indexing.OPPORTUNITY
    model = Opportunity

    def touched(self, obj) -> int | None:
        return obj.id

    def documents(
        self, conn: Connection, ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()
    ) -> list[dict]:
        ids, organisation_ids = list(ids), list(organisation_ids)
        if not ids and not organisation_ids:
            return []
        today = database.utcnow().date()
        posts = conn.execute(
            select(_post, WorkingGroup.slug.label("group_slug"))
            .outerjoin(WorkingGroup, WorkingGroup.id == _post.c.group_id)
            .where(
                or_(_post.c.id.in_(ids), _post.c.organisation_id.in_(organisation_ids)),
                # Open and not hidden: the others are not found.
                _post.c.closed_at.is_(None),
                _post.c.deadline >= today,
                _post.c.hidden_at.is_(None),
            )
        ).all()
        if not posts:
            return []
        orgs = {
            o.id: o
            for o in conn.execute(
                select(_org).where(_org.c.id.in_({p.organisation_id for p in posts}))
            )
        }
        return [
            post_document(p, orgs[p.organisation_id], p.group_slug)
            for p in posts
            if p.organisation_id in orgs
        ]

    def ids_after(self, conn: Connection, last: int, batch: int) -> list[int]:
        return list(
            conn.scalars(
                select(_post.c.id).where(_post.c.id > last).order_by(_post.c.id).limit(batch)
            )
        )

    def load(self, ids: list[int]) -> dict[int, object]:
        posts = db.session.scalars(
            select(Opportunity)
            .where(Opportunity.id.in_(ids))
            .options(joinedload(Opportunity.organisation), joinedload(Opportunity.group))
        )
        return {post.id: post for post in posts}


indexing.register(PostSource())
