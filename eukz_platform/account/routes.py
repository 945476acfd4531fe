"""Views of a person's own account: thin, each calling one service."""

import json

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..auth.decorators import secretariat_required
from ..core.models import Organisation
from ..errors import domain_errors
from ..extensions import db, limiter
from ..navigation import redirect_next
from ..permissions import is_admin_of
from . import bp, services
from .forms import CloseOrganisationForm, ConsentForm, DeleteAccountForm, DetailsForm


def _me():
    """The signed-in person's own record (not the proxy): the services read its model."""
    return current_user._get_current_object()


@bp.after_request
def not_kept(response):
    """Pages about one person are kept by no cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(details: DetailsForm | None = None, delete: DeleteAccountForm | None = None, status=200):
    details = details or DetailsForm(
        formdata=None,
        data={
            "full_name": current_user.full_name,
            "email": current_user.email,
            "locale": current_user.locale,
        },
    )
    org = current_user.organisation
    return render_template(
        "account/index.html",
        details=details,
        delete_form=delete or DeleteAccountForm(formdata=None),
        org=org,
        can_close=org is not None and is_admin_of(current_user, org, correcting=True),
    ), status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.get("/my-data.json")
@login_required
def download():
    """Everything the platform holds about the signed-in person, as a JSON file."""
    body = json.dumps(services.export(_me()), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@bp.post("/details")
@login_required
# A new email asks for the password: tried no faster than at logging in.
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def details():
    form = DetailsForm()
    if form.validate_on_submit():
        try:
            changed = services.update_details(
                _me(),
                full_name=form.full_name.data,
                email=form.email.data,
                locale=form.locale.data,
                password=form.password.data,
            )
        except (services.WrongPassword, services.NewEmailTaken) as e:
            form.show(e)
        else:
            if changed:
                flash(
                    _(
                        "Your details are saved. We sent a confirmation link to %(email)s: "
                        "open it to confirm your new address.",
                        email=current_user.email,
                    ),
                    "success",
                )
            else:
                flash(_("Your details are saved."), "success")
            return redirect(url_for("account.index"))
    return _page(details=form, status=422)


@bp.post("/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for("account.index")):
            try:
                services.delete_account(_me(), form.password.data)
            except services.WrongPassword as e:
                form.show(e)
            else:
                logout_user()
                flash(_("Your account is deleted, with your personal data."), "success")
                return redirect(url_for("main.index"))
    return _page(delete=form, status=422)


@bp.route("/organisation/close", methods=["GET", "POST"])
@login_required
def close_organisation():
    org = current_user.organisation
    if org is None or not is_admin_of(current_user, org, correcting=True):
        return redirect(url_for("account.index"))
    form = CloseOrganisationForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for("account.index")):
            try:
                services.close_organisation(org, _me(), form.password.data)
            except services.WrongPassword as e:
                form.show(e)
            else:
                logout_user()
                flash(_("%(name)s is closed.", name=org.name), "success")
                return redirect(url_for("main.index"))
    return render_template(
        "account/close_organisation.html", form=form, org=org, grace_days=_grace_days()
    ), form.http_status


def _grace_days() -> int:
    return int(current_app.config["CLOSURE_GRACE_DAYS"])


@bp.route("/consent", methods=["GET", "POST"])
@login_required
def consent():
    form = ConsentForm()
    if not services.needs_consent(current_user):
        return redirect_next("account.index")
    if form.validate_on_submit():
        services.agree(_me())
        flash(_("Thank you."), "success")
        return redirect_next("account.index")
    return render_template(
        "account/consent.html",
        form=form,
        first_time=current_user.privacy_consent_at is None
        and current_user.privacy_notice_version is None,
    ), form.http_status


# The secretariat: organisations whose people have all left --------------------------------


@bp.post("/no-people-left/<int:org_id>/settled")
@secretariat_required
def settle_no_people(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    services.settle_no_people(org, current_user)
    flash(_("%(name)s is no longer in the list.", name=org.name), "success")
    return redirect(url_for("admin.index"))
