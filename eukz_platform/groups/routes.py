"""Views for working groups: pages, membership, moderation, announcements, meetings."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import mailing
from ..core.models import Organisation
from ..core.vocabulary import OrganisationStatus
from ..errors import domain_errors
from ..extensions import csrf, db
from ..navigation import next_url
from ..signals import contact_details_shown
from . import announcements, bp, ics, meetings, notifications, services, templating  # noqa: F401
from . import membership as memberships
from . import private_feed as private_feeds
from .forms import (
    AnnouncementForm,
    DecisionForm,
    JoinForm,
    MeetingForm,
    NotificationSettingsForm,
    PrivateFeedForm,
    RegistrationForm,
)
from .models import Meeting, MembershipStatus, WorkingGroup

# Pages ------------------------------------------------------------------------------------


@bp.get("/")
def index():
    return render_template("groups/index.html", summaries=services.overview(current_user))


def _detail_page(group, join_form=None, status: int = 200):
    page = services.group_page(group, current_user)
    contact_details_shown.send(
        current_user,
        contacts=[c for shown in page.contacts.values() for c in shown],
        channel="group_page",
    )
    return render_template(
        "groups/detail.html",
        page=page,
        group=group,
        join_form=join_form or JoinForm(),
        can_act=current_user.is_authenticated
        and memberships.can_act_for(current_user, current_user.organisation_id),
    ), status


@bp.get("/<slug>")
def detail(slug: str):
    return _detail_page(services.get_by_slug_or_404(slug))


# Joining and leaving ------------------------------------------------------------------------


@bp.post("/<slug>/organisations/<int:org_id>/join")
@login_required
def join(slug: str, org_id: int):
    group = services.get_by_slug_or_404(slug)
    org = db.get_or_404(Organisation, org_id)
    if not memberships.can_act_for(current_user, org.id):
        abort(403)
    form = JoinForm()
    if not form.validate_on_submit():
        return _detail_page(group, form, 422)
    back = next_url("groups.detail", slug=group.slug)
    with domain_errors(back=back):
        membership = memberships.request_membership(
            org, group, by=current_user, motivation=form.motivation.data
        )
    if membership.status == MembershipStatus.ACTIVE:
        flash(_("%(org)s is now a member of this working group.", org=org.name), "success")
    elif org.status != OrganisationStatus.VERIFIED:
        flash(
            _(
                "Your request is sent. The co-chairs can approve it once the secretariat "
                "has verified your organisation."
            ),
            "success",
        )
    else:
        flash(_("Your request is sent to the co-chairs."), "success")
    return redirect(back)


@bp.post("/<slug>/organisations/<int:org_id>/withdraw")
@login_required
def withdraw(slug: str, org_id: int):
    group = services.get_by_slug_or_404(slug)
    org = db.get_or_404(Organisation, org_id)
    return _change_membership(
        group, org, memberships.withdraw_request, done=_("The request to join is withdrawn.")
    )


@bp.post("/<slug>/organisations/<int:org_id>/leave")
@login_required
def leave(slug: str, org_id: int):
    group = services.get_by_slug_or_404(slug)
    org = db.get_or_404(Organisation, org_id)
    return _change_membership(
        group,
        org,
        memberships.leave_group,
        done=_("%(org)s has left the working group.", org=org.name),
    )


def _change_membership(group, org, change, done: str):
    """An organisation's own change to its membership of a group, said back to the user."""
    back = next_url("groups.detail", slug=group.slug)
    with domain_errors(back=back):
        change(org, group, by=current_user)
    flash(done, "success")
    return redirect(back)


# Moderation -----------------------------------------------------------------------------


def _decision_form(membership_id: int) -> DecisionForm:
    return DecisionForm(prefix=f"request-{membership_id}")


def _requests_page(group, bound: DecisionForm | None = None, bound_id: int | None = None):
    pending = services.pending_requests(group, by=current_user)
    forms = {m.id: _decision_form(m.id) for m in pending}
    if bound is not None and bound_id in forms:
        forms[bound_id] = bound
    return render_template(
        "groups/requests.html", group=group, pending=pending, forms=forms
    ), 422 if bound is not None else 200


@bp.get("/<slug>/requests")
@login_required
def requests(slug: str):
    return _requests_page(services.get_by_slug_or_404(slug))


@bp.post("/<slug>/requests/<int:membership_id>")
@login_required
def decide(slug: str, membership_id: int):
    group = services.get_by_slug_or_404(slug)
    if not memberships.can_moderate(current_user, group):
        abort(403)
    membership = services.membership_of(group, membership_id)
    form = _decision_form(membership.id)
    if not form.validate_on_submit():
        return _requests_page(group, form, membership.id)
    approving = "approve" in request.form
    if not approving and "decline" not in request.form:
        abort(400)
    decide_with = memberships.approve if approving else memberships.decline
    name = membership.organisation.name
    back = url_for("groups.requests", slug=group.slug)
    with domain_errors(back=back):
        decide_with(membership, by=current_user, message=form.message.data)
    if approving:
        flash(_("%(org)s is now a member of the working group.", org=name), "success")
    else:
        flash(_("The request of %(org)s is declined.", org=name), "success")
    return redirect(back)


# Announcements ----------------------------------------------------------------------------


def _require_moderator(group) -> None:
    if not memberships.can_moderate(current_user, group):
        abort(403)


@bp.route("/<slug>/announcements/new", methods=["GET", "POST"])
@login_required
def new_announcement(slug: str):
    group = services.get_by_slug_or_404(slug)
    _require_moderator(group)
    form = AnnouncementForm()
    if form.validate_on_submit():
        announcements.post(
            group,
            by=current_user,
            title=form.title.data,
            body=form.body.data,
            versions=form.versions(),
        )
        flash(_("The announcement is posted."), "success")
        return redirect(url_for("groups.detail", slug=group.slug, _anchor="announcements"))
    return render_template(
        "groups/announcement_form.html", group=group, form=form
    ), form.http_status


# Meetings ---------------------------------------------------------------------------------


@bp.route("/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(slug: str):
    group = services.get_by_slug_or_404(slug)
    _require_moderator(group)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = meetings.create(group, by=current_user, data=form.meeting_data())
        except meetings.BadTimes as e:
            form.show(e)
        else:
            flash(_("The meeting is scheduled."), "success")
            return redirect(_meeting_url(group, meeting))
    return render_template(
        "groups/meeting_form.html", group=group, form=form, meeting=None
    ), form.http_status


def _meeting_of(slug: str, meeting_id: int) -> tuple[WorkingGroup, Meeting]:
    """The group and its meeting named in the address, or 404."""
    group = services.get_by_slug_or_404(slug)
    return group, meetings.get_or_404(group, meeting_id)


def _meeting_url(group: WorkingGroup, meeting: Meeting) -> str:
    return url_for("groups.meeting", slug=group.slug, meeting_id=meeting.id)


def _initial(meeting: Meeting) -> dict:
    return {
        "title": meeting.title,
        "timezone": meeting.timezone,
        "starts_at": meetings.local_time(meeting.starts_at, meeting.timezone).replace(tzinfo=None),
        "ends_at": meetings.local_time(meeting.ends_at, meeting.timezone).replace(tzinfo=None),
        "mode": meeting.mode.value,
        "place": meeting.place,
        "online_url": meeting.online_url,
        "agenda": meeting.agenda,
        "title_ru": meeting.title_ru,
        "title_kk": meeting.title_kk,
        "agenda_ru": meeting.agenda_ru,
        "agenda_kk": meeting.agenda_kk,
        "capacity": meeting.capacity,
        "registration_open": meeting.registration_open,
    }


@bp.route("/<slug>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(slug: str, meeting_id: int):
    group = services.get_by_slug_or_404(slug)
    _require_moderator(group)
    meeting = meetings.get_or_404(group, meeting_id)
    back = _meeting_url(group, meeting)
    with domain_errors(back=back):
        if meeting.cancelled_at is not None:
            raise meetings.MeetingCancelled()
        form = MeetingForm(data=None if request.method == "POST" else _initial(meeting))
        if form.validate_on_submit():
            try:
                meetings.update(meeting, by=current_user, data=form.meeting_data())
            except meetings.BadTimes as e:
                form.show(e)
            else:
                flash(_("The meeting is updated."), "success")
                return redirect(back)
    return render_template(
        "groups/meeting_form.html", group=group, form=form, meeting=meeting
    ), form.http_status


@bp.route("/<slug>/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_meeting(slug: str, meeting_id: int):
    """GET: the confirmation, saying who will be told; POST (its button): cancel and tell them."""
    group, meeting = _meeting_of(slug, meeting_id)
    back = _meeting_url(group, meeting)
    if request.method == "GET":
        _require_moderator(group)
        with domain_errors(back=back):
            if meeting.cancelled_at is not None:
                raise meetings.MeetingCancelled(_("This meeting was already cancelled."))
            people, organisations = meetings.cancellation_audience(meeting, by=current_user)
        return render_template(
            "groups/cancel_meeting.html",
            group=group,
            meeting=meeting,
            people=people,
            organisations=organisations,
        )
    with domain_errors(back=back):
        meetings.cancel(meeting, by=current_user)
    flash(_("The meeting is cancelled."), "success")
    return redirect(back)


def _meeting_page(group, meeting, form=None, status: int = 200):
    info = services.meeting_infos([meeting], current_user)[0]
    can_moderate = memberships.can_moderate(current_user, group)
    return render_template(
        "groups/meeting.html",
        group=group,
        meeting=meeting,
        info=info,
        can_moderate=can_moderate,
        # Co-chairs may draft the meeting's joint declaration (outputs/).
        is_coordinator=memberships.is_coordinator(current_user, group),
        can_register=meetings.can_register(current_user, group),
        open_for_registration=meetings.is_open_for_registration(meeting),
        form=form or RegistrationForm(modes=meetings.attendance_choices(meeting)),
        attendees=meetings.registrations(meeting) if can_moderate else [],
    ), status


@bp.get("/<slug>/meetings/<int:meeting_id>")
def meeting(slug: str, meeting_id: int):
    return _meeting_page(*_meeting_of(slug, meeting_id))


@bp.post("/<slug>/meetings/<int:meeting_id>/register")
@login_required
def register(slug: str, meeting_id: int):
    group, meeting = _meeting_of(slug, meeting_id)
    if not meetings.can_register(current_user, group):
        abort(403)
    form = RegistrationForm(modes=meetings.attendance_choices(meeting))
    if not form.validate_on_submit():
        return _meeting_page(group, meeting, form, 422)
    back = _meeting_url(group, meeting)
    with domain_errors(back=back):
        registration = meetings.register(meeting, current_user, form.attendance.data)
    if registration.status.value == "waiting":
        flash(_("The meeting is full: you are on the waiting list."), "info")
    else:
        flash(_("You are registered."), "success")
    return redirect(back)


@bp.post("/<slug>/meetings/<int:meeting_id>/unregister")
@login_required
def unregister(slug: str, meeting_id: int):
    group, meeting = _meeting_of(slug, meeting_id)
    back = _meeting_url(group, meeting)
    with domain_errors(back=back):
        meetings.unregister(meeting, current_user)
    flash(_("Your registration is cancelled."), "success")
    return redirect(back)


@bp.get("/<slug>/meetings/<int:meeting_id>/attendees.csv")
@login_required
def attendees_csv(slug: str, meeting_id: int):
    group, meeting = _meeting_of(slug, meeting_id)
    text = meetings.attendees_csv(meeting, by=current_user)
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{group.slug}-meeting-{meeting.id}'
            '-attendees.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<slug>/meetings/<int:meeting_id>.ics")
def meeting_ics(slug: str, meeting_id: int):
    group, meeting = _meeting_of(slug, meeting_id)
    show_link = meeting.id in services.meetings_with_link([meeting], current_user)
    return Response(
        ics.meeting_calendar(meeting, show_link),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{group.slug}-meeting-{meeting.id}.ics"',
            # With the link, the file is this person's: no shared cache keeps it.
            "Cache-Control": "private, no-store" if show_link else "no-cache",
        },
    )


@bp.get("/<slug>/meetings.ics")
def feed(slug: str):
    group = services.get_by_slug_or_404(slug)
    return Response(
        ics.group_feed(group, meetings.of_group(group)),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{group.slug}.ics"'},
    )


@bp.get("/calendar/<token>.ics")
def private_feed(token: str):
    """A person's private calendar (private_feed.py): 404 for an address that is not a
    current one of a person who may act."""
    user = private_feeds.user_for(token)
    if user is None:
        abort(404)
    found = private_feeds.meetings_of(user)
    with force_locale(user.locale or None):
        body = ics.private_feed(
            _("My working group meetings"), found, services.meetings_with_link(found, user)
        )
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="my-meetings.ics"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


# Notifications --------------------------------------------------------------------------


def _settings_page(form=None, feed_form=None, status: int = 200):
    form = form or NotificationSettingsForm(data={"notify": current_user.notify_group_updates})
    return render_template(
        "groups/notifications.html",
        form=form,
        feed_form=feed_form or PrivateFeedForm(),
        groups=services.groups_of_user(current_user),
        may_have_feed=private_feeds.may_have_feed(current_user),
        feed_address=private_feeds.address(current_user),
    ), status


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    if request.method == "GET":
        return _settings_page()
    form = NotificationSettingsForm()
    if form.validate_on_submit():
        notifications.set_preference(current_user, form.notify.data)
        if form.notify.data:
            flash(_("You will get an email about new announcements and meetings."), "success")
        else:
            flash(_("You will no longer get emails about the working groups."), "success")
        return redirect(url_for("groups.notification_settings"))
    return _settings_page(form=form, status=form.http_status)


@bp.post("/calendar/reset")
@login_required
def reset_private_feed():
    """Make the person's private calendar address, or a new one: the old one stops working."""
    if not private_feeds.may_have_feed(current_user):
        abort(403)
    form = PrivateFeedForm()
    if not form.validate_on_submit():
        return _settings_page(feed_form=form, status=422)
    had_one = current_user.calendar_key is not None
    private_feeds.reset(current_user)
    if had_one:
        flash(
            _("Your private calendar has a new address: the old one no longer works."),
            "success",
        )
    else:
        flash(_("Your private calendar address is ready."), "success")
    return redirect(url_for("groups.notification_settings", _anchor="private-calendar"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients post it with no session (RFC 8058)
def unsubscribe(token: str):
    return mailing.unsubscribe_page(
        token, "groups/unsubscribe.html", notifications.user_for_token, notifications.unsubscribe
    )
