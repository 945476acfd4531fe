"""An organisation's admins: ask for verification again, confirm the profile each year."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import domain_errors
from . import bp, services, verification


@bp.post("/<int:org_id>/ask-again")
@login_required
def ask_again(org_id: int):
    org = services.get_or_404(org_id)
    back = url_for("organisations.profile", org_id=org.id)
    with domain_errors(back=back):
        verification.ask_again(org, by=current_user)
    flash(_("Thank you. The secretariat will look at your organisation again."), "success")
    return redirect(back)


@bp.post("/<int:org_id>/confirm-profile")
@login_required
def confirm_profile(org_id: int):
    org = services.get_or_404(org_id)
    services.confirm_profile(org, by=current_user)
    flash(_("Thank you: the profile is confirmed for another year."), "success")
    return redirect(url_for("organisations.profile", org_id=org.id))
