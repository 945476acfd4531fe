"""Routes of the read API, ``/api/v1/`` (docs/architecture.md, "Interfaces").

Every response is JSON with an ``ETag`` (a hash of its body, so a client sending it back in
``If-None-Match`` gets 304) and ``Cache-Control``: shared caches may keep a visitor's answer for
a minute; a signed-in caller's answer holds what only they may see, so it is never stored.
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import search
from ..core.vocabulary import KAZAKHSTAN, country_name, region_choices
from ..groups import balance, presence
from ..groups.services import SIDE_ORDER
from ..links import site_url
from ..organisations import services as organisations_services
from ..search.query import (
    CONTACT_PARAMS,
    GROUP_PARAMS,
    ORGANISATION_PARAMS,
    PAGING,
    SEARCH_PARAMS,
    SLUG,
)
from ..signals import contact_details_shown
from . import bp, openapi, queries, schemas, serialise
from .serialise import (
    contact_item,
    organisation_item,
    organisation_url,
    related_for,
)

PUBLIC_MAX_AGE = 60
# Ids are 32-bit integers in the database: a larger one names nothing.
MAX_ID = 2**31 - 1


def _json(payload: dict) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if not current_user.is_authenticated:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    # A signed-in caller's answer is made private, no-store with every signed-in response
    # (security.set_security_headers).
    response.vary.update(("Cookie", "Accept-Language"))
    return response.make_conditional(request)


def _query(allowed) -> search.SearchQuery:
    """The search the query string asks for; a parameter not allowed is a 400 (BadParameter)."""
    return search.SearchQuery.from_args(request.args, allowed)


def _listing(items: list, listing: queries.Listing, **extra) -> dict:
    payload = {
        "items": items,
        "total": listing.total,
        "page": listing.page,
        "per_page": listing.per_page,
    }
    payload.update(extra)
    if listing.total_is_lower_bound:
        payload["total_is_lower_bound"] = True
    return payload


def _items(objects: list) -> list[schemas.Organisation | schemas.Contact]:
    items = serialise.items(objects, current_user)
    contacts = [o for o in objects if hasattr(o, "visibility")]
    contact_details_shown.send(current_user, contacts=contacts, channel="api")
    return items


def _found(allowed, find) -> Response:
    """A page of what ``find`` gives for the query string's search, as the API shows it."""
    listing = find(_query(allowed), current_user)
    return _json(_listing(_items(listing.items), listing))


def _facets(facets: dict) -> dict:
    return {
        name: [schemas.FacetCount(value=str(value), count=count) for value, count in values]
        for name, values in facets.items()
    }


@bp.get("/search", endpoint="search")
@search.rate_limit()
def search_all():
    query = _query(SEARCH_PARAMS)
    listing = queries.searched(query, current_user)
    return _json(_listing(_items(listing.items), listing, facets=_facets(listing.facets)))


@bp.get("/organisations")
@search.rate_limit()
def organisations():
    return _found(ORGANISATION_PARAMS, queries.organisations)


@bp.get("/organisations/<int:org_id>")
def organisation(org_id: int):
    _query(())
    org = queries.organisation(org_id, current_user) if org_id <= MAX_ID else None
    if org is None:
        abort(404, description=_("No organisation has the id %(id)s.", id=org_id))
    contacts = organisations_services.visible_contacts_of(org, current_user)
    related = related_for([org], contacts)
    item = organisation_item(org, related, current_user)
    item["description"] = org.description
    item["other_names"] = [
        schemas.OtherName(name=n.name, language=n.language) for n in org.other_names
    ]
    item["contacts"] = [contact_item(c, related, current_user) for c in contacts]
    contact_details_shown.send(current_user, contacts=contacts, channel="api")
    return _json(item)


@bp.get("/contacts")
@search.rate_limit()
def contacts():
    return _found(CONTACT_PARAMS, queries.contacts)


def _group_item(group, facts: queries.GroupFacts) -> schemas.WorkingGroup:
    return schemas.WorkingGroup(
        slug=group.slug,
        kind="working_group",
        name=group.title,
        url=site_url("groups.detail", slug=group.slug),
        priority=group.priority,
        purpose=group.purpose,
        translations={
            t.locale: schemas.GroupText(name=t.title, purpose=t.purpose)
            for t in sorted(group.translations, key=lambda t: ("en", "ru", "kk").index(t.locale))
        },
        moderated=group.moderated,
        coordinators=[
            schemas.Coordinator(
                name=c["name"],
                side=c["side"],
                organisation=(
                    schemas.OrganisationRef(
                        id=c["organisation_id"],
                        name=c["organisation"],
                        url=organisation_url(c["organisation_id"]),
                    )
                    if c["organisation_id"]
                    else None
                ),
            )
            for c in facts.coordinators[group.id]
        ],
        members_by_side=facts.members_by_side[group.id],
    )


@bp.get("/working-groups")
def working_groups():
    query = _query(GROUP_PARAMS)
    listing = queries.groups(query)
    facts = queries.group_facts([g.id for g in listing.items], current_user)
    return _json(_listing([_group_item(g, facts) for g in listing.items], listing))


@bp.get("/working-groups/<slug>")
def working_group(slug: str):
    _query(())
    # Only a slug's characters reach the database (not, say, a NUL byte).
    group = queries.group_by_slug(slug) if SLUG.match(slug) else None
    if group is None:
        abort(404, description=_("No working group has the slug “%(slug)s”.", slug=slug))
    facts = queries.group_facts([group.id], current_user)
    item = _group_item(group, facts)
    item["members"] = [
        schemas.Member(
            id=org.id,
            name=org.name,
            url=organisation_url(org.id),
            country=org.country,
            side=org.side.value,
        )
        for org in queries.group_members(group, current_user)
    ]
    found = balance.of_groups([group.id], current_user)[group.id]
    item["balance"] = schemas.Balance(
        by_side={
            side.value: {eesc.value: found.count(side, eesc) for eesc in balance.EESC_ORDER}
            for side in SIDE_ORDER
        },
        unbalanced=found.unbalanced,
        problems=[str(p) for p in found.problems()],
    )
    return _json(item)


def _map_rows(groups, rows, counts, link) -> list[schemas.MapRow]:
    return [
        schemas.MapRow(
            code=code,
            name=name,
            counts={g.slug: counts.get((g.id, code), 0) for g in groups},
            directory_urls={g.slug: link(g, code) for g in groups if counts.get((g.id, code), 0)},
        )
        for code, name in rows
    ]


@bp.get("/map")
def member_map():
    _query(())
    groups = presence.current_groups()
    codes, by_country = presence.by_country(current_user)
    return _json(
        schemas.MemberMap(
            groups=[
                schemas.MapGroup(slug=g.slug, priority=g.priority, name=g.title) for g in groups
            ],
            countries=_map_rows(
                groups,
                [(c, country_name(c)) for c in codes],
                by_country,
                lambda g, c: site_url(
                    "directory.index", kind="organisation", group=g.slug, country=c
                ),
            ),
            regions=_map_rows(
                groups,
                region_choices(),
                presence.by_region(current_user),
                lambda g, c: site_url(
                    "directory.index",
                    kind="organisation",
                    group=g.slug,
                    country=KAZAKHSTAN,
                    region=c,
                ),
            ),
        )
    )


def _output_item(output) -> schemas.JointOutput:
    return schemas.JointOutput(
        id=output.id,
        kind="joint_output",
        type=output.kind.value,
        name=output.local_title,
        url=site_url("outputs.detail", output_id=output.id),
        print_url=site_url("outputs.print_view", output_id=output.id),
        group=output.group.slug,
        priority=output.group.priority,
        state=output.state.value,
        published_at=output.published_at.isoformat(),
        signoffs=[
            schemas.Signoff(
                side=s.side,
                name=s.signer_name,
                organisation=s.organisation_for(current_user),
                signed_at=s.signed_at.isoformat(),
            )
            for s in output.signoffs
        ],
        endorsed_by=[
            schemas.OrganisationRef(
                id=e.organisation_id,
                name=e.organisation.name,
                url=organisation_url(e.organisation_id),
            )
            for e in output.endorsements_for(current_user)
        ],
        steps=[
            schemas.OutputStep(
                state=t.to_state.value,
                at=t.at.isoformat(),
                note=t.note,
                answer=t.answer_text,
                answer_url=t.answer_url,
            )
            for t in output.transitions
        ],
    )


@bp.get("/outputs")
def outputs():
    query = _query(PAGING)
    listing = queries.outputs(query)
    return _json(_listing([_output_item(o) for o in listing.items], listing))


@bp.get("/outputs/<int:output_id>")
def output(output_id: int):
    _query(())
    found = queries.output(output_id) if output_id <= MAX_ID else None
    if found is None:
        abort(404, description=_("No published output has the id %(id)s.", id=output_id))
    item = _output_item(found)
    item["paragraphs"] = [
        schemas.OutputParagraph(
            position=p.position,
            texts={
                lang: schemas.ParagraphText(text=p.text(lang), status=p.status(lang).value)
                for lang in ("en", "ru", "kk")
            },
        )
        for p in found.paragraphs
    ]
    return _json(item)


@bp.get("/openapi.json")
def openapi_document():
    server = site_url("api.search").rsplit("/", 1)[0]
    limit = current_app.config["RATELIMIT_SEARCH"]
    return _json(openapi.document(server, queries.group_slugs(), limit))
