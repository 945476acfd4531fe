"""Views of the joint outputs: the Action Plan, a group's outputs, drafting, signing,
endorsing and the follow-up."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import domain_errors
from ..extensions import limiter
from . import bp, services
from .forms import CommentForm, FollowUpForm, OutputForm, ParagraphForm
from .models import OutputKind


def _said_withdrawn(withdrawn: list[str]) -> None:
    if withdrawn:
        flash(
            _(
                "The text changed, so the sign-offs given are withdrawn: both co-chairs "
                "need to sign again."
            ),
            "warning",
        )


# Public pages ---------------------------------------------------------------------------------


@bp.get("/action-plan")
def action_plan():
    return render_template("outputs/action_plan.html", priorities=services.action_plan())


@bp.get("/outputs/groups/<slug>")
def group_outputs(slug: str):
    group = services.group_by_slug_or_404(slug)
    return render_template(
        "outputs/group.html",
        group=group,
        outputs=services.outputs_of(group, current_user),
        can_draft=services.can_draft(current_user, group.id),
    )


def _detail_page(
    output, *, paragraph_form=None, comment_form=None, comment_on=None, state_form=None
):
    group = output.group
    comment_forms = {}
    if services.can_comment(current_user, output):
        for paragraph in output.paragraphs:
            form = (
                comment_form
                if comment_on == paragraph.id and comment_form is not None
                else CommentForm(prefix=f"comment-{paragraph.id}", formdata=None)
            )
            form.body.label.text = _("Your comment on paragraph %(n)s", n=paragraph.position)
            comment_forms[paragraph.id] = form
    if state_form is None and services.can_follow_up(current_user, group.id):
        state_form = FollowUpForm(formdata=None)
    if state_form is not None:
        state_form.set_states(services.next_states(output))
    bound = any(f is not None and f.errors for f in (paragraph_form, comment_form, state_form))
    return render_template(
        "outputs/detail.html",
        output=output,
        group=group,
        side=services.chair_side(current_user, group.id),
        can_edit=output.state.value == "draft" and services.can_draft(current_user, group.id),
        comment_forms=comment_forms,
        paragraph_form=paragraph_form or ParagraphForm(formdata=None),
        state_form=state_form if services.next_states(output) else None,
        can_endorse=services.can_endorse(current_user, output),
        endorsed=services.endorsed_by(output, getattr(current_user, "organisation_id", None)),
        endorsements=output.endorsements_for(current_user),
        signed_sides={s.side for s in output.signoffs},
        labels=services,
    ), 422 if bound else 200


@bp.get("/outputs/<int:output_id>")
def detail(output_id: int):
    return _detail_page(services.get_or_404(output_id, current_user))


@bp.get("/outputs/<int:output_id>/print")
def print_view(output_id: int):
    output = services.get_or_404(output_id, current_user)
    return render_template(
        "outputs/print.html",
        output=output,
        group=output.group,
        endorsements=output.endorsements_for(current_user),
        labels=services,
    )


# Drafting ------------------------------------------------------------------------------------


def _meeting_label(meeting) -> str:
    return f"{meeting.local_title} ({format_date(meeting.starts_at, 'medium')})"


@bp.route("/outputs/groups/<slug>/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    group = services.group_by_slug_or_404(slug)
    if not services.can_draft(current_user, group.id):
        abort(403)
    form = OutputForm()
    form.set_meetings(services.meetings_of(group), _meeting_label)
    if request.method == "GET" and request.args.get("meeting"):
        form.meeting.data = request.args["meeting"]
        form.kind.data = OutputKind.DECLARATION.value
    if form.validate_on_submit():
        with domain_errors(back=url_for("outputs.group_outputs", slug=group.slug)):
            output = services.create(
                group,
                by=current_user,
                kind=OutputKind(form.kind.data),
                title=form.title.data,
                title_ru=form.title_ru.data,
                title_kk=form.title_kk.data,
                meeting_id=form.meeting_id(),
            )
        flash(_("The draft is opened. Add its paragraphs."), "success")
        return redirect(url_for("outputs.detail", output_id=output.id))
    return render_template("outputs/new.html", group=group, form=form), form.http_status


def _editable_or_403(output_id: int):
    output = services.get_or_404(output_id, current_user)
    if not services.can_draft(current_user, output.group_id):
        abort(403)
    return output


@bp.post("/outputs/<int:output_id>/paragraphs")
@login_required
def add_paragraph(output_id: int):
    output = _editable_or_403(output_id)
    form = ParagraphForm()
    if not form.validate_on_submit():
        return _detail_page(output, paragraph_form=form)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        withdrawn = services.add_paragraph(
            output, by=current_user, texts=form.texts(), validated=form.validated()
        )
    flash(_("The paragraph is added."), "success")
    _said_withdrawn(withdrawn)
    return redirect(back + "#paragraphs")


@bp.route("/outputs/<int:output_id>/paragraphs/<int:paragraph_id>/edit", methods=["GET", "POST"])
@login_required
def edit_paragraph(output_id: int, paragraph_id: int):
    output = _editable_or_403(output_id)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        if output.state.value != "draft":
            raise services.NotADraft()
        paragraph = services.paragraph_of(output, paragraph_id)
        initial = None
        if request.method == "GET":
            initial = {f"text_{lang}": paragraph.text(lang) for lang in ("en", "ru", "kk")}
            initial.update(
                {
                    f"validated_{lang}": paragraph.status(lang).value == "validated"
                    for lang in ("en", "ru", "kk")
                }
            )
        form = ParagraphForm(data=initial)
        if form.validate_on_submit():
            withdrawn = services.update_paragraph(
                output,
                paragraph.id,
                by=current_user,
                texts=form.texts(),
                validated=form.validated(),
            )
            flash(_("The paragraph is updated."), "success")
            _said_withdrawn(withdrawn)
            return redirect(back + f"#paragraph-{paragraph.id}")
    return render_template(
        "outputs/paragraph_form.html",
        output=output,
        group=output.group,
        paragraph=paragraph,
        form=form,
        signed=bool(output.signoffs),
    ), form.http_status


@bp.post("/outputs/<int:output_id>/paragraphs/<int:paragraph_id>/delete")
@login_required
def remove_paragraph(output_id: int, paragraph_id: int):
    output = _editable_or_403(output_id)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        withdrawn = services.remove_paragraph(output, paragraph_id, by=current_user)
    flash(_("The paragraph is removed."), "success")
    _said_withdrawn(withdrawn)
    return redirect(back + "#paragraphs")


@bp.post("/outputs/<int:output_id>/paragraphs/<int:paragraph_id>/move")
@login_required
def move_paragraph(output_id: int, paragraph_id: int):
    output = _editable_or_403(output_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        withdrawn = services.move_paragraph(
            output, paragraph_id, by=current_user, up=direction == "up"
        )
    flash(_("The paragraph is moved."), "success")
    _said_withdrawn(withdrawn)
    return redirect(back + f"#paragraph-{paragraph_id}")


@bp.post("/outputs/<int:output_id>/paragraphs/<int:paragraph_id>/comments")
@login_required
@limiter.limit(
    lambda: current_app.config.get("RATELIMIT_OUTPUT_COMMENTS", "60 per hour"), methods=["POST"]
)
def comment(output_id: int, paragraph_id: int):
    output = services.get_or_404(output_id, current_user)
    if not services.is_member(current_user, output.group_id):
        abort(403)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        paragraph = services.paragraph_of(output, paragraph_id)
        if output.state.value != "draft":
            raise services.NotADraft(_("This output is published: comments are closed."))
    form = CommentForm(prefix=f"comment-{paragraph.id}")
    if not form.validate_on_submit():
        return _detail_page(output, comment_form=form, comment_on=paragraph.id)
    with domain_errors(back=back):
        services.comment(output, paragraph.id, by=current_user, body=form.body.data)
    flash(_("Your comment is added."), "success")
    return redirect(back + f"#paragraph-{paragraph.id}")


# Sign-off, endorsement, follow-up --------------------------------------------------------------


@bp.post("/outputs/<int:output_id>/sign")
@login_required
def sign(output_id: int):
    output = services.get_or_404(output_id, current_user)
    if services.chair_side(current_user, output.group_id) is None:
        abort(403)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        published = services.sign(output, by=current_user)
    if published:
        flash(_("Both co-chairs have signed: the output is published."), "success")
    else:
        flash(_("Your sign-off is recorded. The other co-chair's is awaited."), "success")
    return redirect(back)


def _endorsement_change(output_id: int, change, done: str):
    """``change`` (endorse or withdraw) made by the person's organisation, ``done`` said."""
    output = services.get_or_404(output_id, current_user)
    back = url_for("outputs.detail", output_id=output.id)
    with domain_errors(back=back):
        change(output, by=current_user)
    flash(done, "success")
    return redirect(back + "#endorsements")


@bp.post("/outputs/<int:output_id>/endorse")
@login_required
def endorse(output_id: int):
    return _endorsement_change(
        output_id, services.endorse, _("Your organisation endorses this output.")
    )


@bp.post("/outputs/<int:output_id>/endorsement/withdraw")
@login_required
def withdraw_endorsement(output_id: int):
    return _endorsement_change(
        output_id, services.withdraw_endorsement, _("Your organisation's endorsement is withdrawn.")
    )


@bp.post("/outputs/<int:output_id>/state")
@login_required
def follow_up(output_id: int):
    output = services.get_or_404(output_id, current_user)
    if not services.can_follow_up(current_user, output.group_id):
        abort(403)
    back = url_for("outputs.detail", output_id=output.id)
    if not services.next_states(output):
        with domain_errors(back=back):
            raise services.NotANextStep(
                _("A draft is adopted only when both co-chairs have signed it.")
                if output.state.value == "draft"
                else _("This output is closed: its follow-up is over.")
            )
    form = FollowUpForm()
    form.set_states(services.next_states(output))
    if form.validate_on_submit():
        try:
            services.move(
                output,
                by=current_user,
                to=form.chosen(),
                note=form.note.data,
                answer_text=form.answer_text.data,
                answer_url=form.answer_url.data,
            )
        except services.AnswerNeeded as e:
            form.show(e)
        else:
            flash(
                _(
                    "The output is now “%(state)s”.",
                    state=services.STATE_LABELS[output.state],
                ),
                "success",
            )
            return redirect(back + "#follow-up")
    return _detail_page(output, state_form=form)
