"""Forms of the "Sign-in and security" page."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired

from ..forms import Form, required_line


def _code_field(label) -> StringField:
    return required_line(label, 40)


class EnableForm(Form):
    code = _code_field(_l("Code from your app"))
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class DisableForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    code = _code_field(_l("Code from your app, or a recovery code"))
    submit = SubmitField(_l("Turn off two-factor sign-in"))


class RecoveryCodesForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    code = _code_field(_l("Code from your app, or a recovery code"))
    submit = SubmitField(_l("Make new recovery codes"))
