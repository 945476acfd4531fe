"""Forms for accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from ..forms import StrongPassword, lower, strip


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[lower], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[lower], validators=[DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField(_l("Send me a reset link"))


class NewPasswordMixin:
    password = PasswordField(_l("Password"), validators=[InputRequired(), StrongPassword()])
    confirm_password = PasswordField(
        _l("Confirm password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Set my new password"))


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    full_name = StringField(
        _l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )
    consent = BooleanField(
        _l("I agree to the privacy notice"),
        validators=[DataRequired(message=_l("You need to agree to the privacy notice."))],
    )
    submit = SubmitField(_l("Join the organisation"))
