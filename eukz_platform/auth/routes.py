"""Views for accounts: thin, each calling one service."""

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from ..errors import domain_errors
from ..extensions import limiter
from ..navigation import is_safe_next, redirect_next
from . import bp, services, sessions, twofactor
from .forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SecondFactorForm,
)


def _home_for(user) -> tuple[str, dict]:
    """Where a person lands after signing in, unless a ``next`` page was given: the
    secretariat on its console, an organisation's people on their organisation's profile."""
    if user.is_secretariat:
        return "admin.index", {}
    if user.organisation_id:
        return "organisations.profile", {"org_id": user.organisation_id}
    return "main.index", {}


def _sign_in(user, remember: bool = False, next_url: str | None = None):
    """Every way in ends here: signed in at once, or, with two-factor sign-in on and this
    device not remembered, held until the second step (``auth.second_factor``)."""
    if twofactor.is_enabled(user) and not twofactor.is_remembered_device(user):
        twofactor.hold(user, remember, next_url)
        return redirect(url_for("auth.second_factor"))
    twofactor.release()
    sessions.begin(user, remember=remember)
    return _after_sign_in(user, next_url)


def _after_sign_in(user, next_url: str | None = None):
    if twofactor.required_for(user) and not twofactor.is_enabled(user):
        flash(
            _(
                "Secretariat accounts must use two-factor sign-in. "
                "Set it up to use the secretariat's console."
            ),
            "warning",
        )
        return redirect(url_for("account_security.setup"))
    if is_safe_next(next_url):
        return redirect(next_url)
    endpoint, values = _home_for(user)
    return redirect(url_for(endpoint, **values))


def _next_asked() -> str | None:
    return request.args.get("next") or request.form.get("next")


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
            return _sign_in(user, remember=form.remember.data, next_url=_next_asked())
    return render_template("auth/login.html", form=form), form.http_status


def _second_factor_key() -> str:
    return f"second-factor:{twofactor.held_user_id()}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SECOND_FACTOR"],
    key_func=_second_factor_key,
    methods=["POST"],
)
def second_factor():
    """The second step of logging in: a code of the person's app, or a recovery code."""
    waiting = twofactor.held()
    if waiting is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user, asked = waiting
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            kind = twofactor.verify(user, form.code.data)
        except twofactor.WrongCode as e:
            form.show(e)
        else:
            twofactor.release()
            sessions.begin(user, remember=asked.get("remember", False))
            if kind == "recovery":
                left = twofactor.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You used a recovery code; it will not work again. %(num)d is left.",
                        "You used a recovery code; it will not work again. %(num)d are left.",
                        left,
                    ),
                    "warning",
                )
            response = _after_sign_in(user, asked.get("next"))
            if form.remember_device.data:
                twofactor.remember_device(response, user)
            return response
    response = make_response(
        render_template("auth/second_factor.html", form=form), form.http_status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # The session and "remember me" cookies captured before stop working too.
        services.logout(current_user)
    twofactor.release()
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
    return render_template("auth/forgot_password.html", form=form), form.http_status


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
            flash(_("Your password is changed."), "success")
            return _sign_in(user)
    return render_template("auth/reset_password.html", form=form), form.http_status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    with domain_errors(back=url_for("main.index")):
        invitation = services.invitation_for_token(token)
        services.check_may_join(invitation)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for("auth.login")):
            user = services.accept_invitation(token, form.full_name.data, form.password.data)
        if current_user.is_authenticated:
            # Whoever was signed in on this browser gives way to the new colleague (on the
            # form's POST: opening the link signs nobody out).
            services.logout(current_user)
            logout_user()
        flash(_("Welcome to %(org)s.", org=invitation.organisation.name), "success")
        return _sign_in(
            user, next_url=url_for("organisations.profile", org_id=user.organisation_id)
        )
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation
    ), form.http_status
