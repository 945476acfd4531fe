"""Forms of the joint outputs: open a draft, write a paragraph, comment, follow up."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from ..forms import Form, empty_to_none, required_line, required_text, strip
from .models import LANGUAGES, OutputKind, OutputState
from .services import (
    KIND_LABELS,
    LANGUAGE_LABELS,
    NOTE_MAX,
    STATE_LABELS,
    TEXT_MAX,
    TITLE_MAX,
    URL_MAX,
)


class OutputForm(Form):
    """A co-chair opens a draft: its kind, title and, for a declaration, its meeting."""

    kind = RadioField(
        _l("Kind of output"),
        choices=[(k.value, KIND_LABELS[k]) for k in OutputKind],
        default=OutputKind.DECLARATION.value,
        validators=[DataRequired()],
    )
    title = required_line(lazy_pgettext("output", "Title"), TITLE_MAX)
    title_ru = StringField(
        _l("Title in Russian"), filters=[empty_to_none], validators=[Length(max=TITLE_MAX)]
    )
    title_kk = StringField(
        _l("Title in Kazakh"), filters=[empty_to_none], validators=[Length(max=TITLE_MAX)]
    )
    meeting = SelectField(_l("Joint declaration of the meeting"), choices=[], default="")

    def set_meetings(self, meetings, label) -> None:
        """The group's meetings to choose from, after "none"."""
        self.meeting.choices = [("", str(_l("None: a new text")))] + [
            (str(m.id), label(m)) for m in meetings
        ]

    def meeting_id(self) -> int | None:
        return int(self.meeting.data) if self.meeting.data else None


def _text(language: str):
    return TextAreaField(
        _l("%(language)s text", language=LANGUAGE_LABELS[language]),
        filters=[strip],
        validators=[Length(max=TEXT_MAX)],
        render_kw={"rows": 5},
    )


def _validated(language: str):
    return BooleanField(_l("%(language)s text validated", language=LANGUAGE_LABELS[language]))


class ParagraphForm(Form):
    """A paragraph in the three languages, each marked validated or left a draft."""

    text_en = _text("en")
    validated_en = _validated("en")
    text_ru = _text("ru")
    validated_ru = _validated("ru")
    text_kk = _text("kk")
    validated_kk = _validated("kk")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not any(self[f"text_{lang}"].data for lang in LANGUAGES):
            self.text_en.errors.append(_l("Write the paragraph in at least one language."))
            ok = False
        for lang in LANGUAGES:
            if self[f"validated_{lang}"].data and not self[f"text_{lang}"].data:
                self[f"validated_{lang}"].errors.append(
                    _l("Only a text that is written can be marked validated.")
                )
                ok = False
        return ok

    def texts(self) -> dict[str, str]:
        return {lang: self[f"text_{lang}"].data or "" for lang in LANGUAGES}

    def validated(self) -> set[str]:
        return {lang for lang in LANGUAGES if self[f"validated_{lang}"].data}


class CommentForm(Form):
    body = required_text(_l("Your comment"), TEXT_MAX, render_kw={"rows": 3})


WEB = ("http://", "https://")


class FollowUpForm(Form):
    """A co-chair or the secretariat moves a published output on."""

    state = SelectField(_l("New state"), choices=[], validators=[DataRequired()])
    note = TextAreaField(
        _l("Note (optional)"),
        filters=[empty_to_none],
        validators=[Length(max=NOTE_MAX)],
        render_kw={"rows": 3},
    )
    answer_text = TextAreaField(
        _l("Answer received (its text)"),
        filters=[empty_to_none],
        validators=[Length(max=TEXT_MAX)],
        render_kw={"rows": 5},
    )
    answer_url = URLField(
        _l("Link to the answer (optional)"),
        filters=[empty_to_none],
        validators=[
            Optional(),
            URL(message=_l("Enter a web address such as https://example.org/answer.")),
            Length(max=URL_MAX),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        """Besides each field's checks: the link is a web address (http or https)."""
        ok = super().validate(extra_validators)
        url = self.answer_url.data
        if url and not self.answer_url.errors and not url.lower().startswith(WEB):
            self.answer_url.errors.append(_l("Enter a web address starting with https://."))
            ok = False
        return ok

    def set_states(self, states) -> None:
        self.state.choices = [(s.value, str(STATE_LABELS[s])) for s in states]

    def chosen(self) -> OutputState:
        return OutputState(self.state.data)
