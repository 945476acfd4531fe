"""Whether a person may sign in and act now: the one place that decides it.

People of a suspended or closed organisation, and people removed from theirs (closed accounts), are
signed out everywhere at once and kept out of every way in: log in, password reset,
invitation and "remember me", each with the message the login form gives. People of a
rejected organisation are signed out when it is rejected; they may sign in again to read the
reason, correct the profile and ask again (a rejected organisation is shown to its own people
with the reason: docs/architecture.md, "Who sees what"), and may do nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from ..core.vocabulary import OrganisationStatus
from .models import new_session_token

if TYPE_CHECKING:
    from ..core.models import Organisation
    from .models import User

# Organisations whose people cannot sign in at all.
BARRED = frozenset({OrganisationStatus.SUSPENDED, OrganisationStatus.CLOSED})
# Organisations whose people may act (invite, edit contacts, join groups, co-chair...).
ACTING = frozenset({OrganisationStatus.VERIFIED, OrganisationStatus.PENDING})
# A rejected organisation's admins may still correct the profile and ask again.
CORRECTING = ACTING | {OrganisationStatus.REJECTED}

MESSAGES = {
    "inactive": _l("This account is closed. Contact the secretariat."),
    "suspended": _l(
        "Your organisation is suspended, so its accounts cannot log in. Contact the secretariat."
    ),
    "closed": _l("Your organisation's account on the platform is closed."),
    "rejected": _l(
        "This organisation was not verified by the secretariat, so it cannot add people now."
    ),
}


def organisation_refusal(org: Organisation | None) -> str | None:
    """Why people of this organisation may not sign in, or None."""
    if org is not None and org.status == OrganisationStatus.CLOSED:
        return "closed"
    if org is not None and org.status in BARRED:
        return "suspended"
    return None


def joining_refusal(org: Organisation) -> str | None:
    """Why nobody may join this organisation now (by accepting an invitation), or None: a
    suspended one, and a rejected one, which may not add people."""
    if org.status == OrganisationStatus.REJECTED:
        return "rejected"
    return organisation_refusal(org)


def sign_in_refusal(user: User) -> str | None:
    """Why this person may not sign in now ("inactive", "suspended"), or None."""
    if not user.active:
        return "inactive"
    return organisation_refusal(user.organisation)


def message(reason: str) -> str:
    return str(MESSAGES[reason])


def may_act(user: User | None, *, correcting: bool = False) -> bool:
    """A signed-in person whose account and organisation may still act.

    ``correcting``: the action corrects a rejected organisation's profile or asks again.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.is_secretariat:
        return True
    org = user.organisation
    return org is not None and org.status in (CORRECTING if correcting else ACTING)


def end_sessions(users: Iterable[User]) -> None:
    """Sign these people out everywhere: their session and "remember me" cookies stop
    working. The caller commits."""
    for user in users:
        user.session_token = new_session_token()
