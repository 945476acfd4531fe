"""Views for organisations: register, profile, edit, people."""

from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import visibility
from ..core.models import Organisation, OrganisationName
from ..database import owned_or_404, utcnow
from ..errors import domain_errors
from ..extensions import db, limiter
from ..permissions import organisation_to_manage
from ..signals import contact_details_shown
from . import bp, duplicates, registration_limit, services, verification
from .forms import (
    AskToJoinForm,
    EditOrganisationForm,
    InviteForm,
    OtherNameForm,
    RegistrationForm,
    RoleForm,
)


def _register_page(form, status: int = 200, **context):
    return render_template("organisations/register.html", form=form, **context), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        flash(_("You are already registered. Log out to register another organisation."), "info")
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    same_name = []
    if request.method == "POST":
        wait = registration_limit.seconds_to_wait()
        if wait is not None:
            # The form again, as typed (passwords are never shown again), with when to retry.
            page, status = _register_page(
                form,
                429,
                limited=_(
                    "Too many organisations were registered from your network today. You can "
                    "register %(when)s, at %(time)s. What you typed is kept below: enter the "
                    "password again then.",
                    when=format_timedelta(timedelta(seconds=wait), add_direction=True),
                    time=format_datetime(utcnow() + timedelta(seconds=wait), "short"),
                ),
            )
            return page, status, {"Retry-After": str(wait)}
    if form.validate_on_submit():
        # An exact duplicate name is refused below; its organisation is shown instead of
        # near matches, with the offer to ask to be added to it.
        same_name = duplicates.same_name_listed(form.name.data)
        matches = [] if same_name else duplicates.matches_to_confirm(form)
        if matches:
            return _register_page(form, matches=matches)
        try:
            services.register(
                form.profile_data(), form.full_name.data, form.email.data, form.password.data
            )
        except services.Taken as e:
            form.show(e)
        else:
            # The same answer whether the address was new or already had an account (its
            # owner is told by email): nobody learns from it who has an account.
            registration_limit.count_completed()
            session["registered_email"] = form.email.data
            return redirect(url_for("organisations.check_your_inbox"))
    return _register_page(form, form.http_status, same_name=same_name)


@bp.get("/register/check-your-inbox")
def check_your_inbox():
    return render_template(
        "organisations/check_your_inbox.html", email=session.get("registered_email")
    )


@bp.get("/<int:org_id>")
def profile(org_id: int):
    org = services.get_or_404(org_id)
    if not visibility.can_view_organisation(current_user, org):
        abort(404)
    contact_details_shown.send(
        current_user,
        contacts=services.visible_contacts_of(org, current_user),
        channel="organisation_page",
    )
    return render_template(
        "organisations/profile.html",
        org=org,
        is_admin=services.is_admin_of(current_user, org),
        can_correct=services.is_admin_of(current_user, org, correcting=True),
        can_see_people=services.can_see_people(current_user, org),
        show_reason=visibility.can_see_status_reason(current_user, org),
    )


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    org = services.get_or_404(org_id)
    services.require_admin(org, current_user, correcting=True)
    form = EditOrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            services.update_profile(org, form.profile_data(), by=current_user)
        except services.Taken as e:
            form.show(e)
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("organisations.profile", org_id=org.id))
    return render_template("organisations/edit.html", form=form, org=org), form.http_status


@bp.get("/<int:org_id>/people")
@login_required
def people(org_id: int):
    org = services.get_or_404(org_id)
    if not services.can_see_people(current_user, org):
        abort(403)
    return _people_page(org, InviteForm())


def _people_page(org, invite_form, status: int = 200):
    return render_template(
        "organisations/people.html",
        org=org,
        invite_form=invite_form,
        role_form=RoleForm(),
        invitations=services.pending_invitations(org),
        is_admin=services.is_admin_of(current_user, org) or current_user.is_secretariat,
    ), status


@bp.post("/<int:org_id>/people/invite")
@login_required
def invite(org_id: int):
    org = services.get_or_404(org_id)
    form = InviteForm()
    services.require_admin(org, current_user)
    if form.validate_on_submit():
        try:
            services.invite(org, form.email.data, by=current_user)
        except services.AlreadyUser as e:
            form.show(e)
        else:
            flash(_("We sent an invitation to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("organisations.people", org_id=org.id))
    return _people_page(org, form, 422)


@bp.post("/<int:org_id>/people/<int:user_id>/role")
@login_required
def set_role(org_id: int, user_id: int):
    org = services.get_or_404(org_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("organisations.people", org_id=org.id)
    with domain_errors(back=back):
        colleague = services.set_role(org, user_id, form.role.data, by=current_user)
    if colleague.is_org_admin:
        flash(_("%(name)s is now an admin.", name=colleague.full_name), "success")
    else:
        flash(_("%(name)s is now a member.", name=colleague.full_name), "success")
    return redirect(back)


@bp.post("/<int:org_id>/people/<int:user_id>/remove")
@login_required
def remove_colleague(org_id: int, user_id: int):
    org = services.get_or_404(org_id)
    back = url_for("organisations.people", org_id=org.id)
    with domain_errors(back=back):
        colleague = services.remove_colleague(org, user_id, by=current_user)
    flash(
        _(
            "%(name)s is removed from the organisation and signed out everywhere.",
            name=colleague.full_name,
        ),
        "success",
    )
    if colleague.id == current_user.id:
        return redirect(url_for("main.index"))
    return redirect(back)


def _names_page(org: Organisation, form: OtherNameForm, status: int = 200):
    return render_template("organisations/other_names.html", org=org, form=form), status


@bp.route("/<int:org_id>/names", methods=["GET", "POST"])
@login_required
def other_names(org_id: int):
    org = organisation_to_manage(org_id, current_user)
    form = OtherNameForm()
    if form.validate_on_submit():
        try:
            services.add_other_name(org, form.name.data, form.language.data, by=current_user)
        except services.NameTaken as e:
            form.show(e)
        else:
            flash(_("The name %(name)s is added.", name=form.name.data), "success")
            return redirect(url_for("organisations.other_names", org_id=org.id))
    return _names_page(org, form, form.http_status)


@bp.post("/<int:org_id>/names/<int:name_id>/delete")
@login_required
def delete_other_name(org_id: int, name_id: int):
    org = organisation_to_manage(org_id, current_user)
    other = owned_or_404(db.session, OrganisationName, name_id, organisation_id=org.id)
    name = other.name
    services.remove_other_name(org, other, by=current_user)
    flash(_("The name %(name)s is removed.", name=name), "success")
    return redirect(url_for("organisations.other_names", org_id=org.id))


# An organisation's admins: ask for verification again, confirm the profile each year


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


# Asking to be added to an existing organisation (duplicates.py)


def _page_of(org: Organisation) -> str:
    """The organisation's page, or the home page while the person may not see it (one
    awaiting verification, asked to join from the duplicate check)."""
    if visibility.can_view_organisation(current_user, org):
        return url_for("organisations.profile", org_id=org.id)
    return url_for("main.index")


def _limit_message() -> str:
    return _(
        "You have asked to be added to organisations several times in a short while. To keep "
        "unwanted email from their admins, please wait before asking again."
    )


@bp.route("/<int:org_id>/ask-to-join", methods=["GET", "POST"], endpoint="ask_to_join")
@limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ASK_TO_JOIN", "5 per hour"),
    methods=["POST"],
    error_message=_limit_message,
)
def ask_to_join_view(org_id: int):
    org = services.get_or_404(org_id)
    # Asked from the duplicate check (the registration form's button posts here), so it
    # reaches what that check sees; the page on its own is for those who may see the
    # organisation, so that nobody pages through the ones awaiting verification. One seen by
    # platform members only is not among what that check sees.
    if not visibility.can_view_organisation(visibility.DUPLICATE_CHECK, org):
        abort(404)
    if request.method == "GET" and not visibility.can_view_organisation(current_user, org):
        abort(404)
    if current_user.is_authenticated:
        flash(_("You already belong to an organisation on the platform."), "info")
        return redirect(_page_of(org))
    form = AskToJoinForm()
    if form.validate_on_submit():
        asked = duplicates.ask_to_join(org, form.full_name.data, form.email.data, form.message.data)
        flash(
            _(
                "We sent a link to %(email)s. Open it to confirm your email address, and we "
                "will pass your request on to the admins of %(organisation)s.",
                email=asked.email,
                organisation=org.name,
            ),
            "success",
        )
        return redirect(_page_of(org))
    return render_template("organisations/ask_to_join.html", org=org, form=form), form.http_status


@bp.get("/<int:org_id>/ask-to-join/<token>", endpoint="confirm_ask_to_join")
def confirm_ask_to_join_view(org_id: int, token: str):
    with domain_errors(back=url_for("organisations.ask_to_join", org_id=org_id)):
        asked = duplicates.forward(org_id, token)
    flash(
        _(
            "Thank you: your email address is confirmed, and we sent your request to the "
            "admins of %(organisation)s. If they invite you, you will get an email with a link "
            "to join.",
            organisation=asked.organisation.name,
        ),
        "success",
    )
    return redirect(_page_of(asked.organisation))
