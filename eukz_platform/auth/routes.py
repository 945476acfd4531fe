"""Views for accounts: thin, each calling one service."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import domain_errors
from ..extensions import limiter
from ..navigation import redirect_next
from . import bp, services
from .forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm, ResetPasswordForm


def _home_for(user) -> tuple[str, dict]:
    """Where a person lands after signing in, unless a ``next`` page was given: the
    secretariat on its console, an organisation's people on their organisation's profile."""
    if user.is_secretariat:
        return "admin.index", {}
    if user.organisation_id:
        return "organisations.profile", {"org_id": user.organisation_id}
    return "main.index", {}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        endpoint, values = _home_for(current_user)
        return redirect(url_for(endpoint, **values))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginRefused as e:
            form.show(e)
        else:
            login_user(user, remember=form.remember.data)
            endpoint, values = _home_for(user)
            return redirect_next(endpoint, **values)
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # The session and "remember me" cookies captured before stop working too.
        services.logout(current_user)
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    with domain_errors(back=url_for("main.index")):
        services.confirm_email(token, by=current_user)
    flash(_("Thank you: your email address is confirmed."), "success")
    if current_user.is_authenticated:
        endpoint, values = _home_for(current_user)
        return redirect(url_for(endpoint, **values))
    return redirect(url_for("auth.login"))


@bp.post("/confirm/resend")
@login_required
@limiter.limit("5 per hour")
def resend_confirmation():
    if current_user.email_confirmed:
        flash(_("Your email address is already confirmed."), "info")
    elif services.send_confirmation(current_user):
        flash(
            _("We sent a new confirmation link to %(email)s.", email=current_user.email), "success"
        )
    else:
        flash(_("We could not send the email just now. Please try again later."), "error")
    endpoint, values = _home_for(current_user)
    return redirect_next(endpoint, **values)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account uses %(email)s, we have sent it a link to reset the password. "
                "The link works for one hour.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], methods=["POST"])
def reset_password(token: str):
    with domain_errors(back=url_for("auth.forgot_password")):
        user = services.user_for_reset_token(token)
    form = ResetPasswordForm()
    with domain_errors(back=url_for("auth.login")):
        services.check_may_sign_in(user)
        if form.validate_on_submit():
            user = services.reset_password(token, form.password.data)
            logout_user()
            login_user(user)
            flash(_("Your password is changed."), "success")
            endpoint, values = _home_for(user)
            return redirect(url_for(endpoint, **values))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    with domain_errors(back=url_for("main.index")):
        invitation = services.invitation_for_token(token)
        services.check_may_join(invitation)
    if current_user.is_authenticated:
        logout_user()
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for("auth.login")):
            user = services.accept_invitation(token, form.full_name.data, form.password.data)
        login_user(user)
        flash(_("Welcome to %(org)s.", org=invitation.organisation.name), "success")
        return redirect(url_for("organisations.profile", org_id=user.organisation_id))
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation
    ), 422 if form.errors else 200
