"""The secretariat's organisations: the verification queue, search, one organisation's file,
suspension and merging of duplicates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..audit import AuditEntry
from ..auth.decorators import secretariat_required
from ..auth.models import User
from ..contacts.models import Contact
from ..core.models import ConfirmationState, Organisation, OrganisationName, name_key
from ..core.vocabulary import (
    SIDE_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    OrganisationStatus,
    country_choices,
)
from ..database import parse_id
from ..errors import domain_errors
from ..extensions import db
from ..forms import Form, required_text, strip
from ..groups.models import Membership
from ..navigation import page_number
from ..organisations import services as organisation_services
from ..organisations import verification
from . import bp
from .groups import MEMBERSHIP_LABELS

# The profile's fields a merge may fill in, by the labels of the registration form.
MERGED_FIELD_LABELS = {
    "acronym": _l("Acronym"),
    "city": _l("City"),
    "website": _l("Website"),
    "description": _l("Description"),
    "registration_number": _l("Registration number"),
}

PER_PAGE = 50
REASON_MAX = 2000

CONFIRMATION_LABELS = {
    ConfirmationState.CURRENT: _l("Confirmed this year"),
    ConfirmationState.REMINDED: _l("Reminded to confirm"),
    ConfirmationState.FLAGGED: _l("Not confirmed this year"),
    ConfirmationState.HIDDEN: _l("Hidden until confirmed"),
}


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Forms ----------------------------------------------------------------------------------


class ReasonForm(Form):
    """A rejection or suspension: the reason is mailed to the organisation's admins."""

    reason = required_text(
        _l("Reason"),
        REASON_MAX,
        message=_l("Give the reason: the organisation's admins receive it."),
    )


class MergeForm(Form):
    duplicate_id = HiddenField(validators=[InputRequired()])


class OrganisationFilterForm(Form):
    """Search and filters of the organisations list; read from the query string."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name, email or registration number"), filters=[strip], validators=[Length(max=200)]
    )
    status = SelectField(_l("Status"), validators=[Optional()])
    side = SelectField(_l("Side"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    type = SelectField(_l("Type of organisation"), validators=[Optional()])
    confirmation = SelectField(_l("Annual confirmation"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = ("", _l("Any"))
        self.status.choices = [anything] + [(k.value, v) for k, v in STATUS_LABELS.items()]
        self.side.choices = [anything] + [(k.value, v) for k, v in SIDE_LABELS.items()]
        self.country.choices = [anything] + country_choices()
        self.type.choices = [anything] + [(k.value, v) for k, v in TYPE_LABELS.items()]
        self.confirmation.choices = [anything] + [
            (k.value, v) for k, v in CONFIRMATION_LABELS.items()
        ]

    def filters(self) -> dict:
        return {name: self[name].data for name in ("q", *FILTER_COLUMNS) if self[name].data}


class DuplicateSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(
        _l("Find the duplicate by name, email or registration number"),
        filters=[strip],
        validators=[Length(max=200)],
    )
    duplicate = IntegerField(validators=[Optional()])


# Queries --------------------------------------------------------------------------------

FILTER_COLUMNS = {
    "status": Organisation.status,
    "side": Organisation.side,
    "country": Organisation.country,
    "type": Organisation.type,
    "confirmation": Organisation.confirmation_state,
}


def _matches(q: str):
    """Organisations whose name (or other name, acronym, registration number) or one of
    whose users' email contains ``q``."""
    pattern = contains(q.lower())
    key = contains(name_key(q))
    return or_(
        Organisation.name_key.like(key, escape="\\"),
        func.lower(Organisation.acronym).like(pattern, escape="\\"),
        func.lower(Organisation.registration_number).like(pattern, escape="\\"),
        select(User.id)
        .where(User.organisation_id == Organisation.id, User.email.like(pattern, escape="\\"))
        .exists(),
        select(OrganisationName.id)
        .where(
            OrganisationName.organisation_id == Organisation.id,
            func.lower(OrganisationName.name).like(pattern, escape="\\"),
        )
        .exists(),
    )


def search_organisations(
    filters: dict, page: int = 1, per_page: int = PER_PAGE, exclude_id: int | None = None
) -> Pagination:
    """Every organisation (rejected and suspended too) matching the search and filters."""
    conditions = [
        column == filters[name] for name, column in FILTER_COLUMNS.items() if name in filters
    ]
    if filters.get("q"):
        conditions.append(_matches(filters["q"]))
    if exclude_id is not None:
        conditions.append(Organisation.id != exclude_id)
    return db.paginate(
        select(Organisation)
        .where(*conditions)
        .options(selectinload(Organisation.users))
        .order_by(Organisation.name_key, Organisation.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def awaiting_verification(page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """Organisations awaiting verification, oldest first."""
    return db.paginate(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.PENDING)
        .options(selectinload(Organisation.users))
        .order_by(Organisation.created_at, Organisation.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def first_admin(org: Organisation) -> User | None:
    """The admin who registered the organisation (the oldest admin account)."""
    admins = sorted(org.admins, key=lambda u: (u.created_at, u.id))
    return admins[0] if admins else None


def organisation_file(org: Organisation) -> dict:
    """Everything the secretariat sees about one organisation."""
    return {
        "memberships": list(
            db.session.scalars(
                select(Membership)
                .where(Membership.organisation_id == org.id)
                .options(selectinload(Membership.group))
                .order_by(Membership.id)
            )
        ),
        "contacts": list(
            db.session.scalars(
                select(Contact).where(Contact.organisation_id == org.id).order_by(Contact.name)
            )
        ),
        "invitations": organisation_services.pending_invitations(org),
        "history": list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_type == "organisation", AuditEntry.target_id == org.id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            )
        ),
    }


# Views ----------------------------------------------------------------------------------


def _reject_form(org: Organisation, formdata=None) -> ReasonForm:
    """A reject form of its own per organisation on the page: unique ids, same field name."""
    form = ReasonForm(formdata=formdata)
    form.reason.id = f"reason-{org.id}"
    return form


def _queue_page(failed: tuple[int, ReasonForm] | None = None, status: int = 200):
    awaiting = awaiting_verification(page_number())
    forms = {org.id: _reject_form(org) for org in awaiting.items}
    if failed:
        forms[failed[0]] = failed[1]
    return render_template(
        "admin/verification.html",
        awaiting=awaiting,
        reject_forms=forms,
        first_admin=first_admin,
    ), status


@bp.get("/verification")
@secretariat_required
def verification_queue():
    return _queue_page()


def _back(org: Organisation) -> str:
    if request.args.get("back") == "organisation":
        return url_for("admin.organisation", org_id=org.id)
    return url_for("admin.verification_queue")


@bp.post("/organisations/<int:org_id>/verify")
@secretariat_required
def verify_organisation(org_id: int):
    org = organisation_services.get_or_404(org_id)
    with domain_errors(back=_back(org)):
        verification.verify(org, by=current_user)
    flash(_("%(name)s is verified.", name=org.name), "success")
    return redirect(_back(org))


@bp.post("/organisations/<int:org_id>/reject")
@secretariat_required
def reject_organisation(org_id: int):
    org = organisation_services.get_or_404(org_id)
    form = _reject_form(org, request.form)
    if form.validate_on_submit():
        with domain_errors(back=_back(org)):
            verification.reject(org, form.reason.data, by=current_user)
        flash(_("%(name)s is rejected; its admins are told why.", name=org.name), "success")
        return redirect(_back(org))
    if request.args.get("back") == "organisation":
        return _organisation_page(org, reject_form=form, status=422)
    return _queue_page((org.id, form), 422)


@bp.get("/organisations")
@secretariat_required
def organisations():
    form = OrganisationFilterForm(formdata=request.args)
    if not form.validate():
        return render_template(
            "admin/organisations/index.html", form=form, results=None, args={}
        ), 400
    filters = form.filters()
    return render_template(
        "admin/organisations/index.html",
        form=form,
        results=search_organisations(filters, page_number()),
        args=filters,
        confirmation_labels=CONFIRMATION_LABELS,
    )


def _organisation_page(
    org: Organisation,
    reject_form: ReasonForm | None = None,
    suspend_form: ReasonForm | None = None,
    status: int = 200,
):
    return render_template(
        "admin/organisations/detail.html",
        org=org,
        reject_form=reject_form or _reject_form(org),
        suspend_form=suspend_form or ReasonForm(formdata=None),
        first_admin=first_admin(org),
        confirmation_labels=CONFIRMATION_LABELS,
        **organisation_file(org),
    ), status


@bp.get("/organisations/<int:org_id>")
@secretariat_required
def organisation(org_id: int):
    return _organisation_page(organisation_services.get_or_404(org_id))


@bp.post("/organisations/<int:org_id>/suspend")
@secretariat_required
def suspend_organisation(org_id: int):
    org = organisation_services.get_or_404(org_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _organisation_page(org, suspend_form=form, status=422)
    back = url_for("admin.organisation", org_id=org.id)
    with domain_errors(back=back):
        verification.suspend(org, form.reason.data, by=current_user)
    flash(_("%(name)s is suspended; its users can no longer log in.", name=org.name), "success")
    return redirect(back)


@bp.post("/organisations/<int:org_id>/reinstate")
@secretariat_required
def reinstate_organisation(org_id: int):
    org = organisation_services.get_or_404(org_id)
    back = url_for("admin.organisation", org_id=org.id)
    with domain_errors(back=back):
        verification.reinstate(org, by=current_user)
    flash(_("%(name)s is reinstated.", name=org.name), "success")
    return redirect(back)


@bp.route("/organisations/<int:org_id>/merge", methods=["GET", "POST"])
@secretariat_required
def merge_organisation(org_id: int):
    keep = organisation_services.get_or_404(org_id)
    if request.method == "POST":
        form = MergeForm()
        duplicate_id = parse_id(form.duplicate_id.data) if form.validate_on_submit() else None
        if duplicate_id is None:
            abort(400)
        duplicate = organisation_services.get_or_404(duplicate_id)
        verification.merge(keep, duplicate, by=current_user)
        flash(
            _("%(duplicate)s is merged into %(name)s.", duplicate=duplicate.name, name=keep.name),
            "success",
        )
        return redirect(url_for("admin.organisation", org_id=keep.id))

    search = DuplicateSearchForm(formdata=request.args)
    search.validate()
    plan = None
    if search.duplicate.data and not search.duplicate.errors and search.duplicate.data != keep.id:
        duplicate = organisation_services.get_or_404(search.duplicate.data)
        plan = verification.plan_merge(keep, duplicate)
    candidates = None
    if plan is None and search.q.data:
        candidates = search_organisations({"q": search.q.data}, per_page=20, exclude_id=keep.id)
    return render_template(
        "admin/organisations/merge.html",
        membership_labels=MEMBERSHIP_LABELS,
        field_labels=MERGED_FIELD_LABELS,
        keep=keep,
        search=search,
        candidates=candidates,
        plan=plan,
        form=MergeForm(formdata=None, duplicate_id=plan.duplicate.id if plan else None),
    )
