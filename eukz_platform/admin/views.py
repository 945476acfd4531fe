"""Views of the secretariat console."""

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.decorators import secretariat_required
from ..extensions import db
from ..organisations.models import Organisation
from ..organisations.vocabulary import OrganisationStatus
from . import bp


@bp.after_request
def no_index(response):
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/")
@secretariat_required
def index():
    awaiting = db.session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.PENDING)
        .options(selectinload(Organisation.users))
        .order_by(Organisation.created_at, Organisation.id)
    ).all()
    return render_template("admin/index.html", awaiting=awaiting)
