"""An organisation's contact people, and its name in other languages and scripts.

Its admins (and the secretariat) add, edit and remove contact people: name, role, email and
phone (kept as written and in E.164, read with the organisation's country as a hint), each
with a visibility (public, members, private; members by default). Who sees them is decided by
``visibility``. Each change is one transaction with its audit entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional

from .. import audit, visibility
from ..contacts.models import Contact, Visibility
from ..core.models import Organisation, OrganisationName
from ..core.name_keys import same_name
from ..core.vocabulary import OTHER_COUNTRY, language_choices
from ..errors import Conflict, DomainError
from ..extensions import db
from ..forms import Form, empty_to_none, strip
from ..phones import to_e164
from . import bp, services

if TYPE_CHECKING:
    from ..auth.models import User

AUDITED = ("name", "role", "email", "phone", "phone_e164", "visibility")


# Forms


class ContactForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    role = StringField(_l("Role"), filters=[empty_to_none], validators=[Length(max=200)])
    email = EmailField(
        _l("Email"), filters=[empty_to_none], validators=[Optional(), Email(), Length(max=254)]
    )
    phone = TelField(_l("Phone"), filters=[empty_to_none], validators=[Length(max=50)])
    visibility = RadioField(
        _l("Who may see this contact"),
        choices=[
            (Visibility.PUBLIC.value, _l("Public: anyone, also without signing in")),
            (
                Visibility.MEMBERS.value,
                _l("Platform members: signed-in users of verified organisations"),
            ),
            (Visibility.PRIVATE.value, _l("Private: only your organisation and the secretariat")),
        ],
        default=Visibility.MEMBERS.value,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save the contact"))

    def values(self) -> dict:
        return {n: getattr(self, n).data for n in ("name", "role", "email", "phone", "visibility")}


class OtherNameForm(Form):
    name = StringField(
        _l("Name in another language or script"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
    )
    language = SelectField(_l("Language"), validators=[Optional()])
    submit = SubmitField(_l("Add the name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [("", _l("Not said"))] + language_choices()


# Services


class InvalidPhone(DomainError):
    """The phone number cannot be read as a number of any country."""

    status = 422
    field = "phone"
    message = _l("Enter a phone number we can read, with its country code such as +7 or +32.")


class NameTaken(Conflict):
    """The organisation already has this name, as its own or as another name."""

    field = "name"
    message = _l("The organisation already has this name.")


def phone_region(org: Organisation) -> str | None:
    """The region a phone number without its country code is read in: the org's country."""
    return None if org.country == OTHER_COUNTRY else org.country


def _snapshot(contact: Contact) -> dict:
    return {name: getattr(contact, name) for name in AUDITED}


def _apply(contact: Contact, org: Organisation, values: dict) -> None:
    phone = values.get("phone")
    e164 = to_e164(phone, phone_region(org)) if phone else None
    if phone and e164 is None:
        raise InvalidPhone()
    contact.name = values["name"]
    contact.role = values.get("role")
    contact.email = values.get("email")
    contact.phone = phone
    contact.phone_e164 = e164
    contact.visibility = Visibility(values.get("visibility") or Visibility.MEMBERS)


def add_contact(org: Organisation, values: dict, by: User) -> Contact:
    """An admin of the organisation (or the secretariat) adds a contact person."""
    services.require_admin(org, by)
    contact = Contact(organisation_id=org.id)
    _apply(contact, org, values)
    db.session.add(contact)
    db.session.flush()
    audit.record(
        by,
        "contact.create",
        "contact",
        contact.id,
        f"Added contact {contact.name} to {org.name}",
        after=_snapshot(contact),
    )
    db.session.commit()
    return contact


def update_contact(org: Organisation, contact: Contact, values: dict, by: User) -> Contact:
    services.require_admin(org, by)
    before = _snapshot(contact)
    _apply(contact, org, values)
    audit.record(
        by,
        "contact.update",
        "contact",
        contact.id,
        f"Edited contact {contact.name} of {org.name}",
        before=before,
        after=_snapshot(contact),
    )
    db.session.commit()
    return contact


def remove_contact(org: Organisation, contact: Contact, by: User) -> None:
    services.require_admin(org, by)
    audit.record(
        by,
        "contact.delete",
        "contact",
        contact.id,
        f"Removed contact {contact.name} from {org.name}",
        before=_snapshot(contact),
    )
    db.session.delete(contact)
    db.session.commit()


def add_other_name(org: Organisation, name: str, language: str | None, by: User):
    """Record the organisation's name in another language or script."""
    services.require_admin(org, by)
    if any(same_name(name, known) for known in (org.name, *(n.name for n in org.other_names))):
        raise NameTaken()
    other = OrganisationName(organisation_id=org.id, name=name, language=language or None)
    db.session.add(other)
    try:
        db.session.flush()
    except IntegrityError as e:
        db.session.rollback()
        raise NameTaken() from e
    audit.record(
        by,
        "organisation.other_name_add",
        "organisation",
        org.id,
        f"Added the other name {name} to {org.name}",
        after={"name": name, "language": language or None},
    )
    db.session.commit()
    return other


def remove_other_name(org: Organisation, other: OrganisationName, by: User) -> None:
    services.require_admin(org, by)
    audit.record(
        by,
        "organisation.other_name_remove",
        "organisation",
        org.id,
        f"Removed the other name {other.name} from {org.name}",
        before={"name": other.name, "language": other.language},
    )
    db.session.delete(other)
    db.session.commit()


def visible_contacts_of(org: Organisation, viewer) -> list[Contact]:
    """The organisation's contact people the viewer may see, by name."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.organisation_id == org.id, visibility.visible_contacts(viewer))
            .order_by(Contact.name, Contact.id)
        )
    )


def organisation_contacts(org: Organisation) -> list[Contact]:
    """The organisation's contact people the current user may see (its profile page)."""
    return visible_contacts_of(org, current_user)


# Views


def _admin_org_or_403(org_id: int) -> Organisation:
    org = services.get_or_404(org_id)
    services.require_admin(org, current_user)
    return org


def _contact_of_or_404(org: Organisation, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.organisation_id != org.id:
        abort(404)
    return contact


def _all_contacts(org: Organisation) -> list[Contact]:
    return list(
        db.session.scalars(
            select(Contact).where(Contact.organisation_id == org.id).order_by(Contact.name)
        )
    )


@bp.get("/<int:org_id>/contacts")
@login_required
def contacts(org_id: int):
    org = _admin_org_or_403(org_id)
    return render_template(
        "organisations/contacts/index.html", org=org, contacts=_all_contacts(org)
    )


def _save(org: Organisation, form: ContactForm, contact: Contact | None):
    """Validate and save; None when saved, else the status of the page to render again."""
    if not form.validate_on_submit():
        return 422 if form.errors else 200
    try:
        if contact is None:
            add_contact(org, form.values(), by=current_user)
        else:
            update_contact(org, contact, form.values(), by=current_user)
    except InvalidPhone as e:
        form.show(e)
        return 422
    return None


@bp.route("/<int:org_id>/contacts/new", methods=["GET", "POST"])
@login_required
def new_contact(org_id: int):
    org = _admin_org_or_403(org_id)
    form = ContactForm()
    status = _save(org, form, None)
    if status is None:
        flash(_("The contact %(name)s is added.", name=form.name.data), "success")
        return redirect(url_for("organisations.contacts", org_id=org.id))
    return render_template(
        "organisations/contacts/form.html", org=org, form=form, contact=None
    ), status


@bp.route("/<int:org_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contact(org_id: int, contact_id: int):
    org = _admin_org_or_403(org_id)
    contact = _contact_of_or_404(org, contact_id)
    form = ContactForm(obj=contact)
    status = _save(org, form, contact)
    if status is None:
        flash(_("The contact %(name)s is saved.", name=contact.name), "success")
        return redirect(url_for("organisations.contacts", org_id=org.id))
    return render_template(
        "organisations/contacts/form.html", org=org, form=form, contact=contact
    ), status


@bp.post("/<int:org_id>/contacts/<int:contact_id>/delete")
@login_required
def delete_contact(org_id: int, contact_id: int):
    org = _admin_org_or_403(org_id)
    contact = _contact_of_or_404(org, contact_id)
    name = contact.name
    remove_contact(org, contact, by=current_user)
    flash(_("The contact %(name)s is removed.", name=name), "success")
    return redirect(url_for("organisations.contacts", org_id=org.id))


def _names_page(org: Organisation, form: OtherNameForm, status: int = 200):
    return render_template("organisations/other_names.html", org=org, form=form), status


@bp.route("/<int:org_id>/names", methods=["GET", "POST"])
@login_required
def other_names(org_id: int):
    org = _admin_org_or_403(org_id)
    form = OtherNameForm()
    if form.validate_on_submit():
        try:
            add_other_name(org, form.name.data, form.language.data, by=current_user)
        except NameTaken as e:
            form.show(e)
        else:
            flash(_("The name %(name)s is added.", name=form.name.data), "success")
            return redirect(url_for("organisations.other_names", org_id=org.id))
    return _names_page(org, form, 422 if form.errors else 200)


@bp.post("/<int:org_id>/names/<int:name_id>/delete")
@login_required
def delete_other_name(org_id: int, name_id: int):
    org = _admin_org_or_403(org_id)
    other = db.session.get(OrganisationName, name_id)
    if other is None or other.organisation_id != org.id:
        abort(404)
    name = other.name
    remove_other_name(org, other, by=current_user)
    flash(_("The name %(name)s is removed.", name=name), "success")
    return redirect(url_for("organisations.other_names", org_id=org.id))
