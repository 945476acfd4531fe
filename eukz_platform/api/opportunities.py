"""The partner search in the read API: ``/api/v1/opportunities`` and one post by id. The same
parameters as the page (``opportunities.queries.PostQuery``, strictly read), and only the posts
the caller may read (visibility.py)."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import search
from ..extensions import db
from ..links import site_url
from ..opportunities import queries
from ..opportunities.models import Opportunity
from ..visibility import can_view_opportunity
from . import bp, schemas
from .routes import MAX_ID, _json
from .serialise import organisation_url


def post_item(post: Opportunity, today) -> schemas.Opportunity:
    """A post's item (the partner search's and the directory search's)."""
    return schemas.Opportunity(
        id=post.id,
        kind="opportunity",
        name=post.title,
        url=site_url("opportunities.detail", post_id=post.id),
        opportunity_kind=post.kind.value,
        organisation=schemas.OrganisationRef(
            id=post.organisation_id,
            name=post.organisation.name,
            url=organisation_url(post.organisation_id),
        ),
        priority=post.group.slug if post.group else None,
        sectors=post.sectors,
        countries=post.countries,
        regions=post.regions,
        languages=post.languages,
        deadline=post.deadline.isoformat(),
        open=post.is_open_on(today),
        outcome=post.outcome.value if post.outcome else None,
        link=post.link,
        audience=post.audience.value,
        language=post.language,
        created_at=post.created_at.isoformat(),
    )


@bp.get("/opportunities")
@search.rate_limit()
def opportunities():
    query = queries.PostQuery.from_args(request.args, strict=True)
    result = queries.find(query, current_user, with_facets=False)
    today = queries.services.today()
    return _json(
        {
            "items": [post_item(post, today) for post in result.items],
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
        }
    )


@bp.get("/opportunities/<int:post_id>")
def opportunity(post_id: int):
    search.SearchQuery.from_args(request.args, ())  # no parameters: any is a 400
    post = db.session.get(Opportunity, post_id) if post_id <= MAX_ID else None
    if post is None or not can_view_opportunity(current_user, post):
        abort(404, description=_("No post has the id %(id)s.", id=post_id))
    item = post_item(post, queries.services.today())
    item["description"] = post.description
    return _json(item)
