"""The directory page: one search box over organisations and contacts, facets, pages.

Every state of the page is its query string (the read API's parameters), so any page can be
shared; the filters are a GET form that works without JavaScript.
"""

import hashlib
from functools import partial
from urllib.parse import urlencode

from flask import current_app, g, render_template, request, session, url_for
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import search, visibility
from ..core import vocabulary
from ..extensions import cache
from . import bp

# Query-string names of the facets, in the order the page shows them.
FACETS = (
    "kind",
    "country",
    "region",
    "side",
    "type",
    "eesc_group",
    "sector",
    "group",
    "verified",
)


class DirectoryArgs:
    """The page's query string, and links to the same page with one thing changed."""

    def __init__(self, args: MultiDict):
        self.args = MultiDict(
            (k, v) for k, v in args.items(multi=True) if k in search.SEARCH_PARAMS and v != ""
        )

    def url(self, args: MultiDict | None = None, **changes) -> str:
        args = MultiDict(self.args if args is None else args)
        for name, value in changes.items():
            args.poplist(name)
            if value is not None:
                args[name] = value
        return url_for("directory.index", **args.to_dict(flat=False))

    def page_url(self, page: int) -> str:
        return self.url(page=str(page) if page > 1 else None)

    def has(self, name: str, value: str) -> bool:
        return value in self.args.getlist(name)

    def without(self, name: str, value: str | None = None) -> str:
        """This page without one value of a filter (or the whole filter), from page 1."""
        args = MultiDict(self.args)
        kept = [v for v in args.poplist(name) if value is not None and v != value]
        for v in kept:
            args.add(name, v)
        args.poplist("page")
        return self.url(args)

    def active_filters(self) -> list[tuple[str, str]]:
        """(name, value) of each filter set, for the "remove" links."""
        return [(name, value) for name in FACETS for value in self.args.getlist(name)]

    def without_filters(self) -> str:
        """This page's search text and order, without any filter."""
        return self.url(**dict.fromkeys((*FACETS, "page")))


FACET_TITLES = {
    "kind": _l("Kind"),
    "country": _l("Country"),
    "region": _l("Region of Kazakhstan"),
    "side": _l("Side"),
    "type": _l("Type of organisation"),
    "eesc_group": _l("EESC group"),
    "sector": _l("Sector"),
    "group": _l("Working group"),
    "verified": _l("Verification"),
}


class _Labels(dict):
    """The labels of one facet's values, each worked out when first read."""

    def __init__(self, label):
        super().__init__()
        self.label = label

    def __missing__(self, value: str) -> str:
        found = self[value] = self.label(value)
        return found


class FacetLabels:
    """Facet values as people read them, in the page's language (looked up once each)."""

    def __init__(self, group_titles: dict):
        self.group_titles = group_titles
        self.kinds = {
            "organisation": _("Organisations"),
            "contact": _("Contacts"),
            "opportunity": _("Partner search posts"),
        }
        self.verified = {"true": _("Verified"), "false": _("Awaiting verification")}
        self.facets: dict[str, _Labels] = {}

    def __call__(self, name: str, value: str) -> str:
        return self[name][value]

    def __getitem__(self, name: str) -> _Labels:
        """The labels of one facet's values: ``labels["country"]["KZ"]`` (what a template
        reads for each result: a lookup, not a call)."""
        found = self.facets.get(name)
        if found is None:
            found = self.facets[name] = _Labels(partial(self._label, name))
        return found

    def _label(self, name: str, value: str) -> str:
        if name == "kind":
            return self.kinds.get(value, value)
        if name == "country":
            return vocabulary.country_name(value)
        if name == "region":
            return vocabulary.region_name(value)
        if name == "side":
            return str(vocabulary.SIDE_LABELS.get(vocabulary.Side(value), value))
        if name == "type":
            return str(vocabulary.TYPE_LABELS.get(vocabulary.OrganisationType(value), value))
        if name == "eesc_group":
            return str(vocabulary.EESC_GROUP_LABELS.get(vocabulary.EESCGroup(value), value))
        if name == "sector":
            return str(vocabulary.SECTOR_LABELS.get(vocabulary.Sector(value), value))
        if name == "group":
            return self.group_titles.get(value, value)
        if name == "verified":
            return self.verified.get(value, value)
        return value


def count_text(n: int) -> str:
    """A count as the page's language writes it (below 1,000 no language groups digits)."""
    return str(n) if n < 1000 else format_number(n)


def facet_groups(result: search.SearchResult, args: DirectoryArgs, label: FacetLabels) -> list:
    """The facets as the page shows them: title, and (value, label, count, checked) each."""
    groups = []
    plus = "+" if result.facets_are_lower_bounds else ""
    for name in FACETS:
        options = [
            (value, label(name, value), count_text(count) + plus, args.has(name, value))
            for value, count in result.facets.get(name, [])
        ]
        if options:
            groups.append((name, str(FACET_TITLES[name]), options))
    return groups


def facet_panel(
    query: search.SearchQuery,
    result: search.SearchResult,
    args: DirectoryArgs,
    label: FacetLabels,
    clear_url: str | None,
) -> Markup:
    """The rendered facet panel. Many searches repeat (a city, a sector): the same counts, choices
    and order in the same language give the same HTML, so it is kept (Flask-Caching), and its
    labels are looked up only when it is not."""
    chosen = [(name, value) for name in FACETS for value in args.args.getlist(name)]
    described = repr(
        (
            str(get_locale()),
            query.sort,
            clear_url,
            result.facets_are_lower_bounds,
            sorted(result.facets.items()),
            sorted(result.facet_labels.get("group", {}).items()),
            chosen,
        )
    ).encode()
    key = "facet-panel:" + hashlib.blake2b(described, digest_size=16).hexdigest()
    html = cache.get(key)
    if html is None:
        html = Markup(
            render_template(
                "directory/_facets.html",
                sort=query.sort,
                facets=facet_groups(result, args, label),
                clear_url=clear_url,
            )
        )
        cache.set(key, html)
    return html


class StatusBadges:
    """An organisation's status badge (templates/organisations/_status.html), rendered once
    per status and confirmation state on the page."""

    def __init__(self):
        self.rendered: dict = {}

    def __call__(self, org) -> Markup:
        key = (org.status, org.confirmation_state)
        if key not in self.rendered:
            self.rendered[key] = Markup(render_template("organisations/_status.html", org=org))
        return self.rendered[key]


def visitor_page_key(args: DirectoryArgs) -> str | None:
    """Where a visitor's page for these arguments is kept, or None when it must not be.

    Every visitor may see the same things (visibility.py), so the same address in the same
    language gives the same page (the language is part of the key: the address is the same in
    every language), until the search index changes: its generation is part of
    the key. Signed-in people see more and always get their own page; a page with a message
    waiting to be shown (flashed) is not kept either. The kind of viewer
    (``visibility.viewer_kind``) begins the key, so that a page made for one kind can never
    be given to another.
    """
    if not current_app.config.get("DIRECTORY_PAGE_CACHE") or current_user.is_authenticated:
        return None
    kind = visibility.viewer_kind(current_user)
    if session.get("_flashes"):
        return None
    generation = search.generation()
    if generation is None:
        return None
    return f"directory:{kind}:{get_locale()}:{generation}:{address_digest(args)}"


def kept_page() -> tuple[str | None, str | None]:
    """(key, page) of the page kept for this visitor's address, looked up once a request."""
    if "directory_kept_page" not in g:
        key = visitor_page_key(DirectoryArgs(request.args))
        g.directory_kept_page = (key, cache.get(key) if key else None)
    return g.directory_kept_page


@bp.get("/")
@search.rate_limit(exempt_when=lambda: kept_page()[1] is not None)
def index():
    key, page = kept_page()
    if page is not None:
        return page
    page, status = render_page(DirectoryArgs(request.args))
    if key and status == 200:
        cache.set(key, page)
    return page, status


def address_digest(args: DirectoryArgs) -> str:
    address = urlencode(sorted(args.args.items(multi=True))).encode()
    return hashlib.blake2b(address, digest_size=16).hexdigest()


def results_key(args: DirectoryArgs) -> str | None:
    """Where the results part of the page (directory/_results.html) is kept, or None.

    It shows exactly what the search returns, and the search returns the same to everyone who
    may see the same things (search.visibility_key: a visitor, or the people of one
    organisation), so the part is kept for them together: in the page's language, for the
    address, until the index changes (its generation is part of the key). The rest of the page
    (the header with the person's name, forms with their own tokens) is made for each request.
    """
    if not current_app.config.get("DIRECTORY_PAGE_CACHE"):
        return None
    generation = search.generation()
    if generation is None:
        return None
    viewer = search.visibility_key(current_user)
    return f"directory-results:{get_locale()}:{generation}:{viewer}:{address_digest(args)}"


def render_page(args: DirectoryArgs) -> tuple[str, int]:
    """The page and its status: 200, or 400 saying what is wrong with its address (a search
    text too long is said beside the search box)."""
    try:
        query = search.SearchQuery.from_args(args.args, strict=False)
        key = results_key(args)
        results = cache.get(key) if key else None
        if results is None:
            results = render_results(args, query, search.search(query, current_user))
            if key:
                cache.set(key, results)
    except search.BadQuery as e:
        if isinstance(e, search.QueryTooLong):
            q_error = _(
                "The search text is too long: use at most %(num)s characters.",
                num=search.MAX_QUERY_LENGTH,
            )
            return _index_page(args, q_error=q_error), 400
        return _index_page(args, error=str(e)), 400
    return _index_page(args, query, results), 200


def _index_page(
    args: DirectoryArgs,
    query=None,
    results: Markup | None = None,
    error: str | None = None,
    q_error: str | None = None,
) -> str:
    """The directory page: its results, or what is wrong with its address (``error``) or with
    its search text (``q_error``)."""
    return render_template(
        "directory/index.html",
        args=args,
        page_address=args.url(),
        query=query,
        results=results,
        error=error,
        q_error=q_error,
    )


def render_results(args: DirectoryArgs, query, result: search.SearchResult) -> Markup:
    """The results part of the page: facets, results and pages."""
    label = FacetLabels(result.facet_labels.get("group", {}))
    active = [
        (f"{FACET_TITLES[name]}: {label(name, value)}", args.without(name, value))
        for name, value in args.active_filters()
    ]
    return Markup(
        render_template(
            "directory/_results.html",
            args=args,
            query=query,
            result=result,
            facet_panel=facet_panel(
                query, result, args, label, args.without_filters() if active else None
            ),
            active=active,
            total_text=count_text(result.total),
            status_badge=StatusBadges(),
            facet_label=label,
        )
    )
