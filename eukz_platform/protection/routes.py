"""An organisation's protection page: its choices, the log of views of its members-only
contact details, and the button that withdraws them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..errors import domain_errors
from ..permissions import organisation_to_manage
from . import bp, services
from .forms import ProtectionForm, WithdrawForm
from .models import Channel

CHANNEL_LABELS = {
    Channel.CONTACT_PAGE.value: _l("A contact's page"),
    Channel.ORGANISATION_PAGE.value: _l("Your organisation's page"),
    Channel.GROUP_PAGE.value: _l("A working group's page"),
    Channel.VCARD.value: _l("A vCard download"),
    Channel.EXPORT.value: _l("A directory export"),
    Channel.API.value: _l("The read API"),
}


def _page(org, form: ProtectionForm, status: int = 200):
    return render_template(
        "protection/index.html",
        org=org,
        form=form,
        withdraw_form=WithdrawForm(prefix="withdraw"),
        views=services.views_of(org, by=current_user),
        shown=services.LOG_SHOWN,
        channel_labels=CHANNEL_LABELS,
    ), status


@bp.route("/<int:org_id>/protection", methods=["GET", "POST"])
@login_required
def index(org_id: int):
    org = organisation_to_manage(org_id, current_user)
    form = ProtectionForm(obj=org)
    if form.validate_on_submit():
        with domain_errors(back=url_for("protection.index", org_id=org.id)):
            services.set_protection(
                org,
                members_only=form.members_only.data,
                hide_memberships=form.hide_memberships.data,
                by=current_user,
            )
        flash(_("The protection is saved."), "success")
        return redirect(url_for("protection.index", org_id=org.id))
    return _page(org, form, form.http_status)


@bp.post("/<int:org_id>/protection/withdraw")
@login_required
def withdraw(org_id: int):
    org = organisation_to_manage(org_id, current_user)
    form = WithdrawForm(prefix="withdraw")
    if not form.validate_on_submit():
        return _page(org, ProtectionForm(obj=org), 400)
    with domain_errors(back=url_for("protection.index", org_id=org.id)):
        n = services.withdraw_contact_details(org, by=current_user)
    flash(
        ngettext(
            "%(num)d contact is now private: only your organisation and the secretariat see it.",
            "%(num)d contacts are now private: only your organisation and the secretariat "
            "see them.",
            n,
        ),
        "success",
    )
    return redirect(url_for("protection.index", org_id=org.id))
