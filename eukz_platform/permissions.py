"""Who may act for an organisation, and the one exception every service raises when the user
may not do an action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import standing
from .errors import NotAllowed

if TYPE_CHECKING:
    from .auth.models import User
    from .core.models import Organisation

__all__ = ["NotAllowed", "is_admin_of", "require_admin"]


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
