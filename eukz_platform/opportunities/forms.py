"""Forms of the partner search: a post, an answer, a decision on an answer, closing, hiding,
the digest setting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..core import vocabulary
from ..extensions import db
from ..forms import Form, MultiCheckboxField, empty_to_none, required_line, required_text
from ..groups.models import WorkingGroup
from . import services
from .models import (
    ANSWER_MAX,
    AUDIENCE_LABELS,
    KIND_LABELS,
    LINK_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Audience,
    Kind,
    Outcome,
)

LANGUAGE_LABELS = {"en": _l("English"), "ru": _l("Russian"), "kk": _l("Kazakh")}


class NotPast:
    message = _l("The deadline cannot be in the past.")

    def __call__(self, form, field):
        if field.data is not None and field.data < services.today():
            raise ValidationError(self.message)


class WebLink:
    message = _l("Give a web address starting with http:// or https://.")

    def __call__(self, form, field):
        if field.data and not services.is_web_link(field.data):
            raise ValidationError(self.message)


def group_choices() -> list[tuple[str, str]]:
    groups = db.session.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.archived_at.is_(None))
        .order_by(WorkingGroup.priority, WorkingGroup.id)
    )
    return [(g.slug, g.title) for g in groups]


class PostForm(Form):
    """A partner request or an opportunity."""

    kind = RadioField(
        _l("Kind of post"),
        choices=[(k.value, label) for k, label in KIND_LABELS.items()],
        default=Kind.PARTNERS.value,
        validators=[InputRequired(message=_l("Choose the kind of post."))],
    )
    title = required_line(_l("Title"), TITLE_MAX, message=_l("Give the post a title."))
    description = required_text(
        _l("What you look for or offer"),
        TEXT_MAX,
        message=_l("Say what you look for or offer."),
        render_kw={"rows": 8},
    )
    priority = SelectField(
        _l("Action Plan priority"),
        validators=[InputRequired(message=_l("Choose one of the Action Plan's priorities."))],
    )
    sectors = MultiCheckboxField(_l("Sectors"), validators=[Optional()])
    countries = MultiCheckboxField(_l("Countries wanted"), validators=[Optional()])
    regions = MultiCheckboxField(_l("Regions of Kazakhstan wanted"), validators=[Optional()])
    languages = MultiCheckboxField(_l("Languages"), validators=[Optional()])
    deadline = DateField(
        _l("Deadline"),
        validators=[
            InputRequired(message=_l("Give the deadline (for example 2027-03-31).")),
            NotPast(),
        ],
    )
    link = StringField(
        _l("Link to the call (optional)"),
        filters=[empty_to_none],
        validators=[Optional(), Length(max=LINK_MAX), WebLink()],
    )
    audience = RadioField(
        _l("Who sees the post"),
        choices=[(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        default=Audience.EVERYONE.value,
        validators=[InputRequired()],
    )
    language = SelectField(
        _l("Language of the post"),
        choices=list(LANGUAGE_LABELS.items()),
        default="en",
        validators=[InputRequired()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priority.choices = group_choices()
        self.sectors.choices = [(s.value, label) for s, label in vocabulary.SECTOR_LABELS.items()]
        self.countries.choices = vocabulary.country_choices()
        self.regions.choices = vocabulary.region_choices()
        self.languages.choices = vocabulary.language_choices()

    def data_for_service(self) -> services.PostData:
        return services.PostData(
            kind=self.kind.data,
            title=self.title.data or "",
            description=self.description.data or "",
            group_slug=self.priority.data,
            deadline=self.deadline.data,
            sectors=self.sectors.data or [],
            countries=self.countries.data or [],
            regions=self.regions.data or [],
            languages=self.languages.data or [],
            link=self.link.data,
            audience=self.audience.data,
            language=self.language.data,
        )


class AnswerForm(Form):
    message = required_text(
        _l("Your message"), ANSWER_MAX, message=_l("Write a message."), render_kw={"rows": 6}
    )


class CloseForm(Form):
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            (Outcome.PARTNERSHIP.value, _l("Partnership formed")),
            (Outcome.NO_PARTNER.value, _l("No partner found")),
        ],
        validators=[InputRequired(message=_l("Choose the outcome."))],
    )


class HideForm(Form):
    reason = required_text(
        _l("Reason (the organisation reads it)"),
        REASON_MAX,
        message=_l("Say why the post is hidden."),
        render_kw={"rows": 3},
    )


class DigestForm(Form):
    enabled = BooleanField(_l("Email me a weekly digest of new posts that match my organisation"))
