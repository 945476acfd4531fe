"""Template helpers of the partner search (registered by eukz_platform/templating.py)."""

from __future__ import annotations

from flask_login import current_user

from . import services
from .models import KIND_LABELS


def kind_label(kind) -> str:
    return str(KIND_LABELS[kind])


def is_open(post) -> bool:
    return post.is_open_on(services.today())


def facet_label(name: str, value: str) -> str:
    from .routes import facet_label as label

    return label(name, value, {})


def open_posts_of_group(group) -> list:
    """Open posts under a working group that the current user may read (the group's page)."""
    return services.open_posts_of_group(group.id, current_user)


def matching_posts(org) -> list:
    """Open posts that match the organisation, for its own people (its page); else none."""
    if not (
        current_user.is_authenticated
        and current_user.organisation_id == org.id
        and org.status.value == "verified"
    ):
        return []
    return services.matching_posts(org, current_user)


def organisation_posts(org) -> list:
    """The organisation's own posts, open first, for its own people (its page); else none."""
    if not (current_user.is_authenticated and current_user.organisation_id == org.id):
        return []
    return services.own_posts(org.id)
