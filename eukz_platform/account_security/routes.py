"""Views of the "Sign-in and security" page: thin, each calling one service of auth."""

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from ..auth import sessions, twofactor
from ..errors import domain_errors
from ..extensions import limiter
from . import bp
from .forms import DisableForm, EnableForm, RecoveryCodesForm

# The refusals that belong beside a field of the form (shown again, 422); any other is a flash
# on the page (domain_errors).
FIELD_ERRORS = (twofactor.WrongCode, twofactor.WrongPassword)


def _private(response):
    """Secrets and recovery codes: kept by no cache, the browser's included."""
    response.headers["Cache-Control"] = "no-store"
    return response


# What a secretariat account without two-factor sign-in may still open when it is required:
# this blueprint (to set it up), the consent page, the notice, the language, logging out.
OPEN_WITHOUT_TWO_FACTOR = frozenset(
    {
        "account.consent",
        "auth.logout",
        "main.privacy",
        "main.set_language",
        "main.healthz",
        "static",
    }
)


@bp.before_app_request
def second_factor_for_the_console():
    """With ``SECRETARIAT_2FA_REQUIRED`` on, the secretariat's rights (the console, and its
    rights on every other page and in the API) only after two-factor sign-in is set up: the
    person is sent to set it up."""
    if (
        not current_app.config.get("SECRETARIAT_2FA_REQUIRED")
        or request.endpoint is None
        or request.blueprint == bp.name
        or request.endpoint in OPEN_WITHOUT_TWO_FACTOR
    ):
        return None
    if current_user.is_authenticated and twofactor.required_for(current_user):
        if not twofactor.is_enabled(current_user):
            message = _(
                "Secretariat accounts must use two-factor sign-in. "
                "Set it up to use the secretariat's console."
            )
            if request.path.startswith("/api/"):
                return {"error": "Two-factor sign-in required", "message": message}, 403
            flash(message, "warning")
            return redirect(url_for("account_security.setup"))
    return None


@bp.get("/")
@login_required
def index():
    enabled = twofactor.is_enabled(current_user)
    return render_template(
        "account_security/index.html",
        enabled=enabled,
        setting=twofactor.of(current_user) if enabled else None,
        codes_left=twofactor.recovery_codes_left(current_user) if enabled else 0,
        required=twofactor.required_for(current_user),
        devices=sessions.of(current_user),
    )


@bp.route("/two-factor/set-up", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def setup():
    with domain_errors(back=url_for(".index")):
        secret = twofactor.setup_secret(current_user)
    form = EnableForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for(".index")):
            try:
                codes = twofactor.enable(current_user, form.code.data)
            except FIELD_ERRORS as e:
                form.show(e)
            else:
                flash(_("Two-factor sign-in is on."), "success")
                return _private(
                    make_response(
                        render_template("account_security/recovery_codes.html", codes=codes)
                    )
                )
    uri = twofactor.provisioning_uri(current_user, secret)
    page = render_template(
        "account_security/setup.html",
        form=form,
        secret=twofactor.grouped(secret),
        qr=twofactor.qr_code(uri, _("QR code for your authenticator app")),
        required=twofactor.required_for(current_user),
    )
    return _private(make_response(page, form.http_status))


@bp.route("/two-factor/turn-off", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def disable():
    if not twofactor.is_enabled(current_user):
        return redirect(url_for(".index"))
    form = DisableForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for(".index")):
            try:
                twofactor.disable(current_user, form.password.data, form.code.data)
            except FIELD_ERRORS as e:
                form.show(e)
            else:
                flash(_("Two-factor sign-in is off."), "success")
                return redirect(url_for(".index"))
    page = render_template(
        "account_security/disable.html", form=form, required=twofactor.required_for(current_user)
    )
    return page, form.http_status


@bp.route("/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def recovery_codes():
    if not twofactor.is_enabled(current_user):
        return redirect(url_for(".index"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        with domain_errors(back=url_for(".index")):
            try:
                codes = twofactor.new_recovery_codes(
                    current_user, form.password.data, form.code.data
                )
            except FIELD_ERRORS as e:
                form.show(e)
            else:
                flash(_("You have new recovery codes; the old ones no longer work."), "success")
                return _private(
                    make_response(
                        render_template("account_security/recovery_codes.html", codes=codes)
                    )
                )
    page = render_template("account_security/new_recovery_codes.html", form=form)
    return page, form.http_status


@bp.post("/sessions/<int:session_id>/sign-out")
@login_required
def sign_out_device(session_id: int):
    if session_id == current_user.session_id:
        sessions.end_current(current_user)
        twofactor.release()
        logout_user()
        flash(_("You are logged out."), "success")
        return redirect(url_for("main.index"))
    with domain_errors(back=url_for(".index")):
        sessions.end_one(current_user, session_id)
    flash(_("That device is signed out."), "success")
    return redirect(url_for(".index"))


@bp.post("/sessions/sign-out-others")
@login_required
def sign_out_others():
    ended = sessions.end_others(current_user)
    flash(
        ngettext(
            "%(num)d other device is signed out.", "%(num)d other devices are signed out.", ended
        )
        if ended
        else _("No other device was signed in."),
        "success",
    )
    return redirect(url_for(".index"))
