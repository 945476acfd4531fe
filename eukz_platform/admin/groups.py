"""Secretariat console: working groups, their texts, members and co-chairs."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..auth.decorators import secretariat_required
from ..core.vocabulary import SIDE_LABELS, Side
from ..errors import domain_errors
from ..forms import DatabaseInteger, Form, required_line, required_text, strip
from ..groups import admin_services as services
from ..groups.admin_services import GroupTexts
from ..groups.models import LOCALES, WorkingGroup
from . import bp

TITLE_MAX = 300
PURPOSE_MAX = 5000
MODERATION_CHOICES = [
    ("moderated", _l("Moderated: the co-chairs approve requests to join")),
    ("open", _l("Open: verified organisations join at once")),
]
LANGUAGE_NAMES = {"en": _l("English"), "ru": _l("Russian"), "kk": _l("Kazakh")}
MEMBERSHIP_LABELS = {
    "pending": _l("request waiting"),
    "active": _l("active member"),
    "declined": _l("declined"),
    "withdrawn": _l("request withdrawn"),
    "left": _l("left the group"),
}


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class GroupTextsForm(Form):
    """Title and purpose in English (required), Russian and Kazakh (optional), and moderation."""

    moderation = RadioField(_l("Moderation"), choices=MODERATION_CHOICES, default="moderated")
    title_en = required_line(_l("Title in English"), TITLE_MAX)
    purpose_en = required_text(_l("Purpose in English"), PURPOSE_MAX)
    title_ru = StringField(
        _l("Title in Russian"), filters=[strip], validators=[Length(max=TITLE_MAX)]
    )
    purpose_ru = TextAreaField(
        _l("Purpose in Russian"), filters=[strip], validators=[Length(max=PURPOSE_MAX)]
    )
    title_kk = StringField(
        _l("Title in Kazakh"), filters=[strip], validators=[Length(max=TITLE_MAX)]
    )
    purpose_kk = TextAreaField(
        _l("Purpose in Kazakh"), filters=[strip], validators=[Length(max=PURPOSE_MAX)]
    )

    def _both_or_neither(self, locale: str) -> None:
        title, purpose = self[f"title_{locale}"], self[f"purpose_{locale}"]
        if bool(title.data) != bool(purpose.data):
            missing = purpose if title.data else title
            missing.errors.append(
                _(
                    "Give both the title and the purpose in %(language)s, or leave both empty "
                    "to show the English text.",
                    language=LANGUAGE_NAMES[locale],
                )
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for locale in LOCALES[1:]:
            self._both_or_neither(locale)
        return valid and not self.errors

    def load(self, group: WorkingGroup) -> None:
        """Fill the form from the group (on GET)."""
        self.moderation.data = "moderated" if group.moderated else "open"
        by_locale = {t.locale: t for t in group.translations}
        for locale in LOCALES:
            row = by_locale.get(locale)
            self[f"title_{locale}"].data = row.title if row else ""
            self[f"purpose_{locale}"].data = row.purpose if row else ""

    @property
    def moderated(self) -> bool:
        return self.moderation.data == "moderated"

    def texts(self) -> dict[str, GroupTexts | None]:
        texts: dict[str, GroupTexts | None] = {}
        for locale in LOCALES:
            title = self[f"title_{locale}"].data or ""
            purpose = self[f"purpose_{locale}"].data or ""
            texts[locale] = GroupTexts(title, purpose) if title else None
        return texts


class GroupCreateForm(GroupTextsForm):
    """A working group for a new priority of the Action Plan."""

    slug = StringField(
        _l("Short name in web addresses"),
        filters=[_lower],
        validators=[DataRequired(), Length(max=services.SLUG_MAX)],
    )
    priority = IntegerField(
        _l("Priority number"), validators=[DataRequired(), NumberRange(min=1, max=999)]
    )

    def validate_slug(self, field):
        if not services.SLUG_PATTERN.match(field.data or "") or field.data in (
            services.RESERVED_SLUGS
        ):
            raise ValidationError(
                _l(
                    "Use lowercase letters, digits and single hyphens between words, "
                    "for example energy-transition."
                )
            )


class AddOrganisationForm(Form):
    organisation_id = IntegerField(validators=[DataRequired()])


class AppointForm(Form):
    # The service checks the person, so a clear message says why someone cannot be appointed.
    user_id = SelectField(
        _l("Person"), coerce=int, validators=[Optional(), DatabaseInteger()], validate_choice=False
    )

    def fill(self, candidates) -> None:
        self.user_id.choices = [(0, _l("Choose a person"))] + [
            (
                user.id,
                f"{user.full_name} – {user.organisation.name} "
                f"({SIDE_LABELS[Side(user.organisation.side)]})",
            )
            for user in candidates
        ]


def _manage_page(group: WorkingGroup, appoint_form: AppointForm | None = None, status=200):
    query = request.args.get("q", "").strip()
    candidates = services.coordinator_candidates(group)
    if appoint_form is None:
        appoint_form = AppointForm()
    appoint_form.fill(candidates)
    chairs = services.coordinators(group)
    return render_template(
        "admin/groups/manage.html",
        group=group,
        chairs=chairs,
        not_acting=services.not_acting_by_group({group.id: chairs})[group.id],
        members=services.active_members(group),
        candidates=candidates,
        appoint_form=appoint_form,
        query=query,
        membership_labels=MEMBERSHIP_LABELS,
        found=services.find_organisations(group, query) if query else None,
        sides=[
            (Side.EU.value, SIDE_LABELS[Side.EU]),
            (Side.KAZAKHSTAN.value, SIDE_LABELS[Side.KAZAKHSTAN]),
        ],
    ), status


@bp.get("/groups")
@secretariat_required
def groups():
    return render_template("admin/groups/index.html", overview=services.overview())


@bp.route("/groups/new", methods=["GET", "POST"])
@secretariat_required
def group_create():
    form = GroupCreateForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(
                form.slug.data, form.priority.data, form.moderated, form.texts(), by=current_user
            )
        except (services.SlugInvalid, services.SlugTaken, services.PriorityTaken) as e:
            form.show(e)
        else:
            flash(_("The working group “%(title)s” is created.", title=group.title), "success")
            return redirect(url_for("admin.group", slug=group.slug))
    return render_template("admin/groups/new.html", form=form), form.http_status


@bp.get("/groups/<slug>")
@secretariat_required
def group(slug: str):
    return _manage_page(services.get_group_or_404(slug))


@bp.route("/groups/<slug>/edit", methods=["GET", "POST"])
@secretariat_required
def group_edit(slug: str):
    group = services.get_group_or_404(slug)
    form = GroupTextsForm()
    if request.method == "GET":
        form.load(group)
    elif form.validate_on_submit():
        changed = services.update_group(group, form.moderated, form.texts(), by=current_user)
        if changed:
            flash(_("The working group is saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("admin.group", slug=group.slug))
    return render_template("admin/groups/edit.html", form=form, group=group), form.http_status


@bp.post("/groups/<slug>/members")
@secretariat_required
def group_add_organisation(slug: str):
    group = services.get_group_or_404(slug)
    form = AddOrganisationForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("admin.group", slug=group.slug)
    with domain_errors(back=back):
        membership = services.add_organisation(group, form.organisation_id.data, by=current_user)
    flash(
        _("%(name)s is now a member of the group.", name=membership.organisation.name),
        "success",
    )
    return redirect(back)


@bp.post("/groups/<slug>/co-chairs")
@secretariat_required
def group_appoint(slug: str):
    group = services.get_group_or_404(slug)
    form = AppointForm()
    form.fill(services.coordinator_candidates(group))
    if form.validate_on_submit() and form.user_id.data:
        try:
            chair = services.appoint_coordinator(group, form.user_id.data, by=current_user)
        except services.CannotChair as e:
            form.show(e)
        else:
            flash(
                _(
                    "%(name)s is now co-chair for the %(side)s side.",
                    name=chair.user.full_name,
                    side=SIDE_LABELS[Side(chair.side)],
                ),
                "success",
            )
            return redirect(url_for("admin.group", slug=group.slug))
    elif not form.errors:
        form.user_id.errors.append(_("Choose a person."))
    return _manage_page(group, form, 422)


@bp.route("/groups/<slug>/co-chairs/<int:coordinator_id>/remove", methods=["GET", "POST"])
@secretariat_required
def group_remove_coordinator(slug: str, coordinator_id: int):
    group = services.get_group_or_404(slug)
    chair = services.get_coordinator_or_404(group, coordinator_id)
    form = Form()
    if form.validate_on_submit():
        name = chair.user.full_name
        services.remove_coordinator(group, chair, by=current_user)
        flash(_("%(name)s is no longer a co-chair of the group.", name=name), "success")
        return redirect(url_for("admin.group", slug=group.slug))
    if request.method == "POST":
        abort(400)
    return render_template(
        "admin/groups/remove_coordinator.html",
        group=group,
        chair=chair,
        side=SIDE_LABELS[Side(chair.side)],
        form=form,
    )


@bp.route("/groups/<slug>/archive", methods=["GET", "POST"])
@secretariat_required
def group_archive(slug: str):
    group = services.get_group_or_404(slug)
    form = Form()
    if form.validate_on_submit():
        back = url_for("admin.group", slug=group.slug)
        with domain_errors(back=back):
            services.archive_group(group, by=current_user)
        flash(_("The working group is archived."), "success")
        return redirect(back)
    if request.method == "POST":
        abort(400)
    return render_template("admin/groups/archive.html", group=group, form=form)


@bp.post("/groups/<slug>/reopen")
@secretariat_required
def group_reopen(slug: str):
    group = services.get_group_or_404(slug)
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("admin.group", slug=group.slug)
    with domain_errors(back=back):
        services.reopen_group(group, by=current_user)
    flash(_("The working group is open again."), "success")
    return redirect(back)
