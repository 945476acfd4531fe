"""Redirect targets that stay on this site, and page numbers of lists."""

from urllib.parse import urlsplit

from flask import redirect, request, url_for


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site: no scheme, no host, no protocol-relative trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def next_url(default_endpoint: str, **values) -> str:
    """``next`` when it is on this site, else the default page."""
    target = request.args.get("next") or request.form.get("next")
    return target if is_safe_next(target) else url_for(default_endpoint, **values)


def redirect_next(default_endpoint: str, **values):
    """Redirect to ``next`` when it is on this site, else to the default page."""
    return redirect(next_url(default_endpoint, **values))


# The deepest page of a list: the offset stays a small number for the database.
MAX_PAGE = 100_000


def page_number() -> int:
    """The ``page`` of the query string, from 1; page 1 when it is missing or out of range."""
    page = request.args.get("page", 1, type=int)
    return page if page and 0 < page <= MAX_PAGE else 1
