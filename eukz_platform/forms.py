"""Form pieces shared by several features.

Every form of the platform derives from ``Form``, which checks each field's text whatever the
form: a single-line field (a name, a title, an email…) refuses line breaks and other control
characters, a multi-line field refuses control characters other than line breaks and tabs,
and a whole number must fit the database's integer column. A line break in a name would
otherwise end up in an email's subject, where the mail library refuses it (header injection).
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .database import INTEGER_MAX, INTEGER_MIN
from .errors import DomainError
from .extensions import db

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_NOT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same, less the line breaks and tabs that a text of several lines may hold.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def is_single_line(text: str) -> bool:
    """True if ``text`` holds no line break and no other control character."""
    return not _NOT_ON_ONE_LINE.search(text)


def is_plain_text(text: str) -> bool:
    """True if ``text`` holds no control character other than line breaks and tabs."""
    return not _NOT_IN_TEXT.search(text)


class SingleLine:
    """A single-line field: no line breaks, no control characters."""

    message = _l("Write this on one line, without line breaks or control characters.")

    def __call__(self, form, field):
        if isinstance(field.data, str) and not is_single_line(field.data):
            raise ValidationError(self.message)


class PlainText:
    """A text of several lines: no control characters other than line breaks and tabs."""

    message = _l("Remove the control characters from this text.")

    def __call__(self, form, field):
        if isinstance(field.data, str) and not is_plain_text(field.data):
            raise ValidationError(self.message)


class DatabaseInteger:
    """A whole number that fits the database's integer columns."""

    message = _l("Enter a smaller number.")

    def __call__(self, form, field):
        if isinstance(field.data, int) and not INTEGER_MIN <= field.data <= INTEGER_MAX:
            raise ValidationError(self.message)


_SINGLE_LINE = SingleLine()
_PLAIN_TEXT = PlainText()
_DATABASE_INTEGER = DatabaseInteger()


def _checks_for(field) -> list:
    if isinstance(field, TextAreaField):
        return [_PLAIN_TEXT]
    if isinstance(field, PasswordField):
        return []  # a password is never shown or mailed: any character may be part of it
    if isinstance(field, StringField):
        return [_SINGLE_LINE]
    if isinstance(field, IntegerField):
        return [_DATABASE_INTEGER]
    return []


class Form(FlaskForm):
    """The platform's form: each field's text is checked as the module says, on top of the
    field's own validators."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for field in self:
            checks = _checks_for(field)
            if checks:
                extra.setdefault(field.name, []).extend(checks)
        return super().validate(extra)

    @property
    def http_status(self) -> int:
        """The HTTP status of the page showing the form: 422 when it holds errors, else 200."""
        return 422 if self.errors else 200

    def show(self, error: DomainError) -> None:
        """Put a refused action's messages beside the fields they are about; nothing is kept."""
        db.session.rollback()
        for name, messages in error.field_errors().items():
            self[name].errors = [*self[name].errors, *messages]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a group of checkboxes, which works without JavaScript.

    Every value sent must be one of the choices: the check runs after the validators, so that
    ``Optional()`` (which clears earlier errors when the first value is blank) cannot let an
    unknown or blank value through.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass

    def post_validate(self, form, validation_stopped):
        if not self.data:
            return
        acceptable = {self.coerce(value) for value, *_ in self.iter_choices()}
        if any(value not in acceptable for value in self.data):
            raise ValidationError(_l("Choose only among the options shown."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value):
    value = strip(value)
    return value or None


def lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def email_address(value):
    """An email address in one form: lower case, its accented letters composed (NFC), so that
    the same address typed or sent decomposed finds the same account."""
    return unicodedata.normalize("NFC", lower(value)) if isinstance(value, str) else value


def required_line(label, max_length: int, message=None, **kwargs) -> StringField:
    """A line that must be given, without the spaces around it, of at most ``max_length``
    characters (its column's size); ``message`` says what to give when it is missing."""
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message=message), Length(max=max_length)],
        **kwargs,
    )


def required_text(label, max_length: int, message=None, **kwargs) -> TextAreaField:
    """A text of several lines that must be given, as ``required_line``."""
    return TextAreaField(
        label,
        filters=[strip],
        validators=[DataRequired(message=message), Length(max=max_length)],
        **kwargs,
    )
