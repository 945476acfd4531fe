"""Until a signed-in person has agreed to the current privacy notice, every signed-in page
sends them to the consent page (an interstitial); reading the notice, changing the language
and logging out stay open."""

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from . import bp, services

# Pages a person who has not agreed yet may still open.
OPEN_ENDPOINTS = frozenset(
    {
        "account.consent",
        # Their rights do not wait for their consent: see, download, delete.
        "account.index",
        "account.download",
        "account.delete",
        "auth.logout",
        "main.privacy",
        "main.set_language",
        "main.healthz",
        "static",
    }
)


@bp.before_app_request
def ask_for_consent():
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not services.needs_consent(current_user):
        return None
    if request.path.startswith("/api/"):
        return {
            "error": "Consent required",
            "message": _("Agree to the current privacy notice on the platform's site first."),
        }, 403
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("account.consent", next=target.rstrip("?") if target else None))
