"""An organisation's contact people, kept by its admins (and the secretariat)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.models import Organisation
from ..permissions import organisation_to_manage
from . import bp, services
from .forms import ContactForm
from .models import Contact


@bp.get("/<int:org_id>/contacts")
@login_required
def index(org_id: int):
    org = organisation_to_manage(org_id, current_user)
    return render_template(
        "organisations/contacts/index.html", org=org, contacts=services.contacts_of(org)
    )


def _save(org: Organisation, form: ContactForm, contact: Contact | None):
    """Validate and save; None when saved, else the status of the page to render again."""
    if not form.validate_on_submit():
        return form.http_status
    try:
        if contact is None:
            services.add_contact(org, form.values(), by=current_user)
        else:
            services.update_contact(org, contact, form.values(), by=current_user)
    except services.InvalidPhone as e:
        form.show(e)
        return 422
    return None


@bp.route("/<int:org_id>/contacts/new", methods=["GET", "POST"])
@login_required
def new_contact(org_id: int):
    org = organisation_to_manage(org_id, current_user)
    form = ContactForm()
    status = _save(org, form, None)
    if status is None:
        flash(_("The contact %(name)s is added.", name=form.name.data), "success")
        return redirect(url_for("contacts.index", org_id=org.id))
    return render_template(
        "organisations/contacts/form.html", org=org, form=form, contact=None
    ), status


@bp.route("/<int:org_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contact(org_id: int, contact_id: int):
    org = organisation_to_manage(org_id, current_user)
    contact = services.contact_of_or_404(org, contact_id)
    form = ContactForm(obj=contact)
    status = _save(org, form, contact)
    if status is None:
        flash(_("The contact %(name)s is saved.", name=contact.name), "success")
        return redirect(url_for("contacts.index", org_id=org.id))
    return render_template(
        "organisations/contacts/form.html", org=org, form=form, contact=contact
    ), status


@bp.post("/<int:org_id>/contacts/<int:contact_id>/delete")
@login_required
def delete_contact(org_id: int, contact_id: int):
    org = organisation_to_manage(org_id, current_user)
    contact = services.contact_of_or_404(org, contact_id)
    name = contact.name
    services.remove_contact(org, contact, by=current_user)
    flash(_("The contact %(name)s is removed.", name=name), "success")
    return redirect(url_for("contacts.index", org_id=org.id))
