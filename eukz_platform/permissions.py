"""Who may act for an organisation, and the one exception every service raises when the user
may not do an action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import standing
from .core.models import Organisation
from .errors import NotAllowed
from .extensions import db

if TYPE_CHECKING:
    from .auth.models import User

__all__ = ["NotAllowed", "is_admin_of", "organisation_to_manage", "require_admin"]


def is_admin_of(user: User | None, org: Organisation, *, correcting: bool = False) -> bool:
    """An admin of this organisation who may act now (``standing.may_act``)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.organisation_id == org.id
        and user.is_org_admin
        and standing.may_act(user, correcting=correcting)
    )


def require_admin(org: Organisation, by: User, *, correcting: bool = False) -> None:
    """NotAllowed unless ``by`` is an acting admin of the organisation or the secretariat;
    ``correcting``: a rejected organisation's admins may correct its profile."""
    if not (
        is_admin_of(by, org, correcting=correcting) or (by.is_authenticated and by.is_secretariat)
    ):
        raise NotAllowed()


def organisation_to_manage(org_id: int, by: User) -> Organisation:
    """The organisation with this id (else 404), if ``by`` may manage it (else NotAllowed)."""
    org = db.get_or_404(Organisation, org_id)
    require_admin(org, by)
    return org
