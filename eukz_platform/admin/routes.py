"""The secretariat console's home page: every area, and what awaits attention."""

from flask import render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.decorators import secretariat_required
from ..core.models import ConfirmationState, Organisation
from ..core.vocabulary import OrganisationStatus
from ..extensions import db
from . import bp

# Organisations awaiting verification named on the home page, oldest first.
OLDEST_SHOWN = 5


@bp.after_request
def no_index(response):
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count(Organisation.id)).where(*conditions))


def _areas() -> list[tuple[str, str, str]]:
    """(link, name, what it is for) of every area of the console."""
    areas = [
        (
            "admin.verification_queue",
            _("Verification queue"),
            _("Organisations awaiting verification, oldest first: verify or reject."),
        ),
        (
            "admin.organisations",
            _("Organisations"),
            _("Search and filter every organisation; suspend, reinstate, merge duplicates."),
        ),
        (
            "admin.groups",
            _("Working groups"),
            _("Titles and purposes, moderation, members and co-chairs."),
        ),
        (
            "admin.contacts",
            _("Contacts"),
            _("The contact directory: add, edit, hide, remove, import from CSV."),
        ),
        ("admin.dashboard", _("Dashboard"), _("Counts at a glance, with charts and CSV files.")),
        ("admin.audit_log", _("Audit log"), _("Every change made by someone with a role.")),
        (
            "admin.failed_mail",
            _("Failed mail"),
            _("Mail that could not be sent after every attempt: to whom, why; send it again."),
        ),
    ]
    return [(url_for(endpoint), name, purpose) for endpoint, name, purpose in areas]


@bp.get("/")
@secretariat_required
def index():
    listed = Organisation.status.in_((OrganisationStatus.VERIFIED, OrganisationStatus.PENDING))
    counts = {
        "awaiting": _count(Organisation.status == OrganisationStatus.PENDING),
        "suspended": _count(Organisation.status == OrganisationStatus.SUSPENDED),
        "flagged": _count(listed, Organisation.confirmation_state == ConfirmationState.FLAGGED),
        "hidden": _count(listed, Organisation.confirmation_state == ConfirmationState.HIDDEN),
    }
    oldest = db.session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.PENDING)
        .order_by(Organisation.created_at, Organisation.id)
        .limit(OLDEST_SHOWN)
    ).all()
    # Organisations whose last person deleted their account (account/services.py).
    no_people = db.session.scalars(
        select(Organisation)
        .where(Organisation.no_people_since.is_not(None))
        .order_by(Organisation.no_people_since, Organisation.id)
    ).all()
    return render_template(
        "admin/index.html", areas=_areas(), counts=counts, oldest=oldest, no_people=no_people
    )
