"""The OpenAPI 3.1 description of the read API: its parameters from the limits and vocabularies
that ``SearchQuery.from_args`` checks, its schemas from the types its responses are built as
(``schemas``)."""

from __future__ import annotations

from .. import search
from ..search import query as params
from . import schemas

VERSION = "1.0.0"
# Ids are 32-bit integers in the database.
MAX_ID = 2**31 - 1


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array_param(name: str, description: str, values: list[str] | None) -> dict:
    item = (
        {"type": "string", "enum": values}
        if values
        else {
            "type": "string",
            "pattern": params.SLUG.pattern,
        }
    )
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Repeatable: any of the values given.",
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": item},
    }


PARAMETER_DOCS = {
    "kind": "Only organisations or only contacts.",
    "country": "The organisation's country, ISO 3166-1 alpha-2 in upper or lower case (ZZ: other).",
    "region": "Kazakhstan's region or city of republican significance, ISO 3166-2 (KZ-75: Almaty).",
    "side": "EU, Kazakhstan (kz) or other.",
    "type": "The type of organisation.",
    "eesc_group": "The EESC group (I Employers, II Workers, III Civil Society Organisations).",
    "sector": "A sector the organisation works in.",
    "group": "A working group (by slug) the organisation is an active member of.",
}


def _facet_values(name: str, group_slugs: list[str]) -> list[str] | None:
    """The values a facet parameter takes; None for the working groups when there are none."""
    if name == "group":
        return group_slugs or None
    values = list(params.FACETS[name][1])
    if name in ("country", "region"):
        values += [code.lower() for code in values]
    return values


def _parameters(group_slugs: list[str]) -> dict:
    found = {
        "q": {
            "name": "q",
            "in": "query",
            "required": False,
            "description": "Words to find, in any script: case, accents and Cyrillic/Latin "
            "are folded, and the last word matches as a prefix. At most "
            f"{search.MAX_QUERY_LENGTH} characters (a longer text is refused with 400), of "
            f"which the first {search.MAX_WORDS} words are searched; control characters are "
            "refused with 400. Empty: no text.",
            "schema": {
                "type": "string",
                "maxLength": search.MAX_QUERY_LENGTH,
                # Control characters (C0, DEL, C1) are refused in every request: 400.
                "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
            },
        },
        "page": {
            "name": "page",
            "in": "query",
            "required": False,
            "description": f"The page, from 1 to {params.MAX_PAGE}: the first "
            f"{search.MAX_OFFSET:,} results can be paged through (with per_page=100).",
            "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_PAGE, "default": 1},
        },
        "per_page": {
            "name": "per_page",
            "in": "query",
            "required": False,
            "description": "Items per page.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": params.MAX_PER_PAGE,
                "default": params.DEFAULT_PER_PAGE,
            },
        },
        "sort": {
            "name": "sort",
            "in": "query",
            "required": False,
            "description": "relevance (by name when there is no q), name, or newest first.",
            "schema": {"type": "string", "enum": list(params.SORTS), "default": "relevance"},
        },
        "verified": {
            "name": "verified",
            "in": "query",
            "required": False,
            "description": "Only verified organisations (true) or only those not verified (false).",
            "schema": {"type": "string", "enum": ["true", "false"]},
        },
    }
    for name in params.FACETS:
        found[name] = _array_param(name, PARAMETER_DOCS[name], _facet_values(name, group_slugs))
    return found


def _opportunity_parameters(group_slugs: list[str]) -> dict:
    """The partner search's own parameters (opportunities/queries.py), named ``opportunity_*``
    among the components; ``q``, ``page`` and ``per_page`` are the search's."""
    from ..opportunities import queries as posts

    docs = {
        "kind": "The kind of post: looking for partners, offering a place in a project, "
        "exchange or traineeship, call or event.",
        "group": "The Action Plan priority (a working group's slug).",
        "sector": "A sector the post is about.",
        "country": "A country the post wants partners from (ISO 3166-1 alpha-2).",
        "region": "A region of Kazakhstan the post wants partners from (ISO 3166-2).",
        "language": "A language the post's organisation works in.",
        "status": "Open or closed posts; open ones only when not given.",
    }
    found = {
        f"opportunity_{name}": _array_param(
            name,
            docs[name],
            (group_slugs or None) if name == "group" else list(posts._choices(name)),
        )
        for name in posts.FACETS
    }
    found["opportunity_sort"] = {
        "name": "sort",
        "in": "query",
        "required": False,
        "description": "deadline (closing soonest first) or newest first.",
        "schema": {"type": "string", "enum": list(posts.SORTS), "default": "deadline"},
    }
    return found


OPPORTUNITY_PARAMS = (
    "q",
    "page",
    "per_page",
    "opportunity_sort",
    *(
        f"opportunity_{name}"
        for name in ("kind", "group", "sector", "country", "region", "language", "status")
    ),
)


def _ok(schema: str, description: str, limited: bool = False) -> dict:
    """The responses of an operation: ``limited`` ones count against the client's searches."""
    responses = {
        "200": {
            "description": description,
            "headers": {
                "ETag": {"$ref": "#/components/headers/ETag"},
                "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
            },
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "304": {"$ref": "#/components/responses/NotModified"},
        "400": {"$ref": "#/components/responses/BadRequest"},
    }
    if limited:
        responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    return responses


def _operation(op_id: str, summary: str, names: tuple[str, ...], responses: dict) -> dict:
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{n}"} for n in names],
            "responses": responses,
        }
    }


def _one(op_id: str, summary: str, path_param: dict, responses: dict) -> dict:
    """The operation reading one item, named by its path parameter: 404 when there is none."""
    operation = _operation(
        op_id, summary, (), {**responses, "404": {"$ref": "#/components/responses/NotFound"}}
    )
    operation["get"]["parameters"] = [path_param]
    return operation


def document(server_url: str, group_slugs: list[str], search_limit: str) -> dict:
    """The OpenAPI document, with ``server_url`` (…/api/v1) as its server; ``group_slugs`` are
    the working groups' slugs that the ``group`` filter takes, ``search_limit`` the limit of
    searches per client (e.g. "120 per minute")."""
    slug_param = {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": params.SLUG.pattern},
    }
    id_param = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "EU–Kazakhstan Civil Society Platform read API",
            "version": VERSION,
            "description": "Organisations, contacts, working groups and the groups' published "
            "joint outputs of the platform, "
            "read-only. Each response holds only what the caller may see: a visitor sees "
            "public contacts; a signed-in user of a verified organisation also those for "
            "members. Visitors' responses may be cached for a minute; every response has an "
            "ETag (send it back in If-None-Match to get 304 Not Modified). A parameter that is "
            "unknown, empty or has a value outside its list is refused with 400. Searches "
            "(search, and organisations and contacts) are limited per client address, "
            f"shared with the directory's pages ({search_limit}): past that, 429.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/search": _operation(
                "search",
                "Organisations and contacts together, ranked, with facet counts.",
                params.SEARCH_PARAMS,
                _ok("SearchList", "One page of results.", limited=True),
            ),
            "/organisations": _operation(
                "listOrganisations",
                "Organisations, filtered by facets (by name unless sorted otherwise).",
                params.ORGANISATION_PARAMS,
                _ok("OrganisationList", "One page of organisations.", limited=True),
            ),
            "/organisations/{id}": _one(
                "getOrganisation",
                "One organisation, with its other names and the contacts the caller may see.",
                id_param,
                _ok("OrganisationDetail", "The organisation."),
            ),
            "/working-groups": _operation(
                "listWorkingGroups",
                "The working groups, in the Action Plan's order.",
                params.GROUP_PARAMS,
                _ok("WorkingGroupList", "One page of working groups."),
            ),
            "/working-groups/{slug}": _one(
                "getWorkingGroup",
                "One working group, with its member organisations and their balance by side "
                "and EESC group.",
                slug_param,
                _ok("WorkingGroupDetail", "The working group."),
            ),
            "/map": _operation(
                "getMap",
                "Who works on what, where: the member organisations of each working group by "
                "country and by Kazakhstan's region (those the caller may see).",
                (),
                _ok("MemberMap", "The counts."),
            ),
            "/opportunities": _operation(
                "listOpportunities",
                "Partner search posts the caller may read (open ones unless status says "
                "otherwise), closing soonest first.",
                OPPORTUNITY_PARAMS,
                _ok("OpportunityList", "One page of posts.", limited=True),
            ),
            "/opportunities/{id}": _one(
                "getOpportunity",
                "One partner search post, with its description.",
                id_param,
                _ok("OpportunityDetail", "The post."),
            ),
            "/outputs": _operation(
                "listOutputs",
                "Published joint outputs of the working groups (signed by both co-chairs), "
                "newest first, with where each stands in its follow-up.",
                params.PAGING,
                _ok("JointOutputList", "One page of joint outputs."),
            ),
            "/outputs/{id}": _one(
                "getOutput",
                "One published joint output, with its paragraphs in English, Russian and Kazakh.",
                id_param,
                _ok("JointOutputDetail", "The joint output."),
            ),
            "/contacts": _operation(
                "listContacts",
                "Contacts the caller may see.",
                params.CONTACT_PARAMS,
                _ok("ContactList", "One page of contacts.", limited=True),
            ),
        },
        "components": {
            "parameters": {**_parameters(group_slugs), **_opportunity_parameters(group_slugs)},
            "schemas": schemas.json_schemas(),
            "headers": {
                "ETag": {
                    "description": "A hash of the body.",
                    "schema": {"type": "string"},
                },
                "Cache-Control": {
                    "description": "public, max-age=60 for visitors; private, no-store when "
                    "signed in.",
                    "schema": {"type": "string"},
                },
            },
            "responses": {
                "NotModified": {"description": "The body has not changed since that ETag."},
                "BadRequest": {
                    "description": "An unknown parameter, an empty value, a value outside its "
                    "list or range, or a search text too long.",
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
                "TooManyRequests": {
                    "description": "The client (by address) has run more searches in a "
                    "minute than it may; try again after Retry-After seconds.",
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds until the client may search again.",
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    },
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
                "NotFound": {
                    "description": "No such id or slug (or not one the caller may see).",
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            },
        },
    }
