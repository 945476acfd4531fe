"""Views of the partner search: the search page, a post, posting and editing, answers,
closing, the secretariat's hiding, the CSV of a search, the weekly digest's setting."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import mailing, search, visibility
from ..core import vocabulary
from ..database import owned_or_404
from ..errors import domain_errors
from ..extensions import csrf, db, limiter
from ..links import site_url
from ..search.query import BadParameter
from . import bp, queries, services
from .forms import AnswerForm, CloseForm, DigestForm, HideForm, PostForm, group_choices
from .models import (
    ANSWER_STATUS_LABELS,
    AUDIENCE_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    AnswerStatus,
    OpportunityAnswer,
)

STATUS_LABELS = {"open": lambda: _("Open"), "closed": lambda: _("Closed")}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def facet_label(name: str, value: str, groups: dict[str, str]) -> str:
    """A facet value as people read it, in their language."""
    if name == "kind":
        return str(KIND_LABELS.get(value, value))
    if name == "group":
        return groups.get(value, value)
    if name == "sector":
        return str(vocabulary.SECTOR_LABELS.get(value, value))
    if name == "country":
        return vocabulary.country_name(value)
    if name == "region":
        return vocabulary.region_name(value)
    if name == "language":
        return vocabulary.language_name(value)
    if name == "status":
        return STATUS_LABELS[value]() if value in STATUS_LABELS else value
    return value


def facet_titles() -> dict[str, str]:
    return {
        "kind": _("Kind of post"),
        "group": _("Action Plan priority"),
        "sector": _("Sector"),
        "country": _("Country wanted"),
        "region": _("Region of Kazakhstan wanted"),
        "language": _("Language"),
        "status": _("Open or closed"),
    }


class PageArgs:
    """The search's query string, and the addresses of its other pages and filters."""

    def __init__(self, args):
        self.args = args

    def page_url(self, page: int) -> str:
        values = self.args.to_dict(flat=False)
        values["page"] = [str(page)]
        return url_for("opportunities.index", **values)

    def without(self, name: str, value: str) -> str:
        values = self.args.to_dict(flat=False)
        values[name] = [v for v in values.get(name, []) if v != value]
        values.pop("page", None)
        return url_for("opportunities.index", **values)


@bp.get("/")
@search.rate_limit()
def index():
    args = PageArgs(request.args)
    groups = dict(group_choices())
    try:
        query = queries.PostQuery.from_args(request.args, strict=False)
    except BadParameter as e:
        return render_template(
            "opportunities/index.html", args=args, query=None, result=None, error=e.message
        ), 400
    result = queries.find(query, current_user)
    facets = []
    for name in queries.FACETS:
        chosen = query.statuses if name == "status" else query.filters.get(name, [])
        counts = dict(result.facets.get(name, []))
        for value in chosen:
            counts.setdefault(value, 0)
        options = [
            (value, facet_label(name, value, groups), count, value in chosen)
            for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
        if options:
            facets.append((name, facet_titles()[name], options))
    active = [
        (facet_label(name, value, groups), args.without(name, value))
        for name, values in query.filters.items()
        for value in values
    ]
    return render_template(
        "opportunities/index.html",
        args=args,
        query=query,
        result=result,
        facets=facets,
        active=active,
        groups=groups,
        may_post=services.may_post(current_user),
        today=services.today(),
    )


@bp.get("/export.csv")
@limiter.limit(lambda: current_app.config.get("RATELIMIT_EXPORT", "30 per minute"))
def export():
    """The current search's posts (up to the first 1,000) as CSV: what the viewer may read."""
    try:
        query = queries.PostQuery.from_args(request.args, strict=False)
    except BadParameter as e:
        abort(400, description=e.message)
    query.page, query.per_page = 1, 1000
    result = queries.find(query, current_user, with_facets=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "kind", "title", "organisation", "priority", "deadline", "url"])
    for post in result.items:
        row = [
            post.id,
            post.kind.value,
            post.title,
            post.organisation.name,
            post.group.slug if post.group else "",
            post.deadline.isoformat(),
            site_url("opportunities.detail", post_id=post.id),
        ]
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=partner-search.csv"},
    )


def _post_form_page(form, post=None, status=200):
    return render_template("opportunities/form.html", form=form, post=post), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_OPPORTUNITY_POST"],
    methods=["POST"],
)
def new():
    if not services.may_post(current_user):
        raise services.NotVerified()
    form = PostForm()
    if form.validate_on_submit():
        try:
            post = services.create(form.data_for_service(), by=current_user)
        except services.FieldError as e:
            _show(form, e)
        else:
            flash(_("Your post is published."), "success")
            return redirect(url_for("opportunities.detail", post_id=post.id))
    return _post_form_page(form, status=form.http_status)


def _show(form, error: services.FieldError) -> None:
    """A refusal about one field, beside it (the service wrote nothing)."""
    name = error.field
    db.session.rollback()
    if name in form:
        form[name].errors = [*form[name].errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def _post_or_404(post_id: int):
    with domain_errors(back=url_for("opportunities.index")):
        return services.get_visible_or_404(post_id, current_user)


def _secretariat_post_or_403(post_id: int):
    post = _post_or_404(post_id)
    if not visibility.is_secretariat(current_user):
        abort(403)
    return post


@bp.get("/<int:post_id>")
def detail(post_id: int):
    return _detail_page(_post_or_404(post_id))


def _detail_page(post, answer_form=None, close_form=None, hide_form=None, status: int = 200):
    answers = services.answers_for(post, current_user)
    return render_template(
        "opportunities/detail.html",
        post=post,
        answers=answers,
        own_answer=services.own_answer(post, current_user),
        may_answer=services.may_answer(current_user, post),
        may_manage=services.may_manage(current_user, post),
        is_open=post.is_open_on(services.today()),
        is_secretariat=visibility.is_secretariat(current_user),
        see_reason=visibility.can_see_hidden_reason(current_user, post),
        answer_form=answer_form or AnswerForm(),
        close_form=close_form or CloseForm(),
        hide_form=hide_form or HideForm(),
        kind_labels=KIND_LABELS,
        audience_labels=AUDIENCE_LABELS,
        outcome_labels=OUTCOME_LABELS,
        answer_labels=ANSWER_STATUS_LABELS,
        AnswerStatus=AnswerStatus,
    ), status


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = _post_or_404(post_id)
    if not services.may_manage(current_user, post):
        abort(403)
    if request.method == "GET":
        form = PostForm(
            data={
                "kind": post.kind.value,
                "title": post.title,
                "description": post.description,
                "priority": post.group.slug if post.group else None,
                "sectors": post.sectors,
                "countries": post.countries,
                "regions": post.regions,
                "languages": post.languages,
                "deadline": post.deadline,
                "link": post.link,
                "audience": post.audience.value,
                "language": post.language,
            }
        )
    else:
        form = PostForm()
        if form.validate_on_submit():
            with domain_errors(back=url_for("opportunities.detail", post_id=post.id)):
                try:
                    services.update(post, form.data_for_service(), by=current_user)
                except services.FieldError as e:
                    _show(form, e)
                    return _post_form_page(form, post, 422)
            flash(_("Your post is updated."), "success")
            return redirect(url_for("opportunities.detail", post_id=post.id))
    return _post_form_page(form, post, form.http_status)


def _post_action(post, service, *args, done: str):
    """``service`` run on the post by the current person, ``done`` said, back to the post."""
    back = url_for("opportunities.detail", post_id=post.id)
    with domain_errors(back=back):
        service(post, *args, by=current_user)
    flash(done, "success")
    return redirect(back)


@bp.post("/<int:post_id>/close")
@login_required
def close(post_id: int):
    post = _post_or_404(post_id)
    form = CloseForm()
    if not form.validate_on_submit():
        if not services.may_manage(current_user, post):
            abort(403)
        return _detail_page(post, close_form=form, status=422)
    return _post_action(post, services.close, form.outcome.data, done=_("The post is closed."))


@bp.post("/<int:post_id>/answer")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_OPPORTUNITY_ANSWER"])
def answer(post_id: int):
    post = _post_or_404(post_id)
    form = AnswerForm()
    if not services.may_post(current_user):
        raise services.NotVerified()
    if form.validate_on_submit():
        with domain_errors(back=url_for("opportunities.detail", post_id=post.id)):
            try:
                services.answer(post, form.message.data, by=current_user)
            except services.FieldError as e:
                _show(form, e)
                return _detail_page(post, answer_form=form, status=422)
        flash(
            _("Your answer is sent to %(organisation)s.", organisation=post.organisation.name),
            "success",
        )
        return redirect(url_for("opportunities.detail", post_id=post.id))
    return _detail_page(post, answer_form=form, status=422)


@bp.post("/<int:post_id>/answers/<int:answer_id>")
@login_required
def mark_answer(post_id: int, answer_id: int):
    post = _post_or_404(post_id)
    reply = owned_or_404(db.session, OpportunityAnswer, answer_id, opportunity_id=post.id)
    if not visibility.can_view_organisation(current_user, reply.organisation):
        abort(404)
    back = url_for("opportunities.detail", post_id=post.id) + "#answers"
    with domain_errors(back=back):
        services.mark_answer(reply, request.form.get("status", ""), by=current_user)
    flash(
        _(
            "The answer of %(organisation)s is marked “%(status)s”.",
            organisation=reply.organisation.name,
            status=ANSWER_STATUS_LABELS[reply.status],
        ),
        "success",
    )
    return redirect(back)


@bp.post("/<int:post_id>/hide")
@login_required
def hide(post_id: int):
    post = _secretariat_post_or_403(post_id)
    form = HideForm()
    if not form.validate_on_submit():
        return _detail_page(post, hide_form=form, status=422)
    return _post_action(post, services.hide, form.reason.data, done=_("The post is hidden."))


@bp.post("/<int:post_id>/unhide")
@login_required
def unhide(post_id: int):
    post = _secretariat_post_or_403(post_id)
    return _post_action(post, services.unhide, done=_("The post is shown again."))


@bp.route("/digest", methods=["GET", "POST"])
@login_required
def digest_settings():
    form = DigestForm()
    if request.method == "GET":
        form.enabled.data = services.wants_digest(current_user)
    elif form.validate_on_submit():
        services.set_digest(current_user, bool(form.enabled.data))
        flash(_("Your choice is saved."), "success")
        return redirect(url_for("opportunities.digest_settings"))
    return render_template("opportunities/digest.html", form=form), form.http_status


@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients post it with no session (RFC 8058)
def unsubscribe(token: str):
    return mailing.unsubscribe_page(
        token,
        "opportunities/unsubscribe.html",
        services.user_for_digest_token,
        lambda user: services.set_digest(user, False),
    )
