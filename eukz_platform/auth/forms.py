"""Forms for accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from ..forms import Form, email_address, required_line
from .passwords import MIN_LENGTH, is_common


def full_name_field() -> StringField:
    """A person's full name, as the user's column holds it."""
    return required_line(_l("Full name"), 200)


def email_field() -> EmailField:
    """A person's email address, in lower case and composed (NFC)."""
    return EmailField(
        _l("Email"), filters=[email_address], validators=[DataRequired(), Email(), Length(max=254)]
    )


def consent_field() -> BooleanField:
    """Agreement to the privacy notice, required."""
    return BooleanField(
        _l("I agree to the privacy notice"),
        validators=[DataRequired(message=_l("You need to agree to the privacy notice."))],
    )


class LoginForm(Form):
    email = EmailField(
        _l("Email"), filters=[email_address], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField(_l("Send me a reset link"))


class StrongPassword:
    """At least MIN_LENGTH characters and not in the list of common passwords."""

    def __call__(self, form, field):
        password = field.data or ""
        if len(password) < MIN_LENGTH:
            raise ValidationError(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
        if is_common(password):
            raise ValidationError(
                _l("This password is too common; choose one that is harder to guess.")
            )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and the same typed again, for the form's ``password`` and
    ``confirm_password``; made afresh in each form, so that they keep their place among the
    fields."""
    return (
        PasswordField(_l("Password"), validators=[InputRequired(), StrongPassword()]),
        PasswordField(
            _l("Confirm password"),
            validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
        ),
    )


class ResetPasswordForm(Form):
    password, confirm_password = new_password_fields()
    submit = SubmitField(_l("Set my new password"))


class AcceptInvitationForm(Form):
    full_name = full_name_field()
    password, confirm_password = new_password_fields()
    consent = consent_field()
    submit = SubmitField(_l("Join the organisation"))


class SecondFactorForm(Form):
    code = required_line(_l("Sign-in code"), 40)
    remember_device = BooleanField(_l("Remember this device for 30 days"))
    submit = SubmitField(_l("Continue"))
