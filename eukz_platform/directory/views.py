"""The directory page: one search box over organisations and contacts, facets, pages.

Every state of the page is its query string (the read API's parameters), so any page can be
shared; the filters are a GET form that works without JavaScript.
"""

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import search
from ..api import params
from ..organisations import vocabulary
from . import bp

# Query-string names of the facets, in the order the page shows them.
FACETS = ("kind", "country", "side", "type", "eesc_group", "sector", "group", "verified")


class DirectoryArgs:
    """The page's query string, and links to the same page with one thing changed."""

    def __init__(self, args: MultiDict):
        self.args = MultiDict(
            (k, v) for k, v in args.items(multi=True) if k in params.SEARCH_PARAMS and v != ""
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


def facet_label(name: str, value: str, labels: dict) -> str:
    """A facet value as people read it."""
    if name == "kind":
        return {"organisation": _("Organisations"), "contact": _("Contacts")}.get(value, value)
    if name == "country":
        return vocabulary.country_name(value)
    if name == "side":
        return str(vocabulary.SIDE_LABELS.get(vocabulary.Side(value), value))
    if name == "type":
        return str(vocabulary.TYPE_LABELS.get(vocabulary.OrganisationType(value), value))
    if name == "eesc_group":
        return str(vocabulary.EESC_GROUP_LABELS.get(vocabulary.EESCGroup(value), value))
    if name == "sector":
        return str(vocabulary.SECTOR_LABELS.get(vocabulary.Sector(value), value))
    if name == "group":
        return labels.get("group", {}).get(value, value)
    if name == "verified":
        return _("Verified") if value == "true" else _("Awaiting verification")
    return value


@bp.get("/")
def index():
    args = DirectoryArgs(request.args)
    export = "directory.export" in current_app.view_functions
    try:
        query = params.parse(request.args, params.SEARCH_PARAMS, strict=False)
        result = search.search(query, current_user)
    except (params.BadParameter, search.BadQuery) as e:
        return render_template(
            "directory/index.html",
            args=args,
            query=None,
            result=None,
            error=str(e),
            facet_names=FACETS,
            facet_label=facet_label,
            export=False,
        ), 400
    return render_template(
        "directory/index.html",
        args=args,
        query=query,
        result=result,
        error=None,
        facet_names=FACETS,
        facet_label=facet_label,
        export=export,
    )
