"""Forms of the "Sign-in and security" page."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import Form, strip


def _code_field(label) -> StringField:
    return StringField(label, filters=[strip], validators=[DataRequired(), Length(max=40)])


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
