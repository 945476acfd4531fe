"""Email about new announcements and meetings, for the members who asked for it.

A user chooses it on the notification settings page; it covers the groups their
organisation is an active member of. Every message carries a one-click unsubscribe link
(a signed token, also given in the ``List-Unsubscribe`` header, RFC 8058). Messages go out
after the change has been committed; a failure is logged by ``mailing.send`` and changes
nothing.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select

from .. import mailing
from ..auth import tokens
from ..auth.models import User
from ..core.models import Organisation
from ..core.vocabulary import OrganisationStatus
from ..extensions import db
from ..links import site_url
from .models import Announcement, Meeting, Membership, MembershipStatus, WorkingGroup

logger = logging.getLogger(__name__)

UNSUBSCRIBE_PURPOSE = "group-updates-unsubscribe"

InvalidToken = tokens.InvalidToken


def unsubscribe_token(user: User) -> str:
    """A token that stops the user's group emails; it dies if the email address changes."""
    return tokens.make_for(UNSUBSCRIBE_PURPOSE, user)


def user_for_token(token: str) -> User:
    """The user an unsubscribe token was made for, or InvalidToken."""
    return tokens.user_for(UNSUBSCRIBE_PURPOSE, token)


def set_preference(user: User, enabled: bool) -> User:
    """The user's own choice: email about their organisation's groups, or not."""
    user.notify_group_updates = bool(enabled)
    db.session.commit()
    return user


def unsubscribe(user: User) -> User:
    return set_preference(user, False)


def subscribers(group: WorkingGroup) -> list[User]:
    """Users who chose the emails and whose verified organisation is an active member.

    They are among those who may see the group's meeting links
    (visibility.can_see_meeting_link: people of member organisations that may act), so the
    mail about a new meeting carries its link."""
    return list(
        db.session.scalars(
            select(User)
            .join(Organisation, User.organisation_id == Organisation.id)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.group_id == group.id,
                Membership.status == MembershipStatus.ACTIVE,
                Organisation.status == OrganisationStatus.VERIFIED,
                User.notify_group_updates.is_(True),
                User.active.is_(True),
                User.email_confirmed_at.is_not(None),
            )
            .order_by(User.id)
        )
    )


def _send_to_subscribers(
    group: WorkingGroup, subject: mailing.Subject, template: str, **context
) -> int:
    sent = 0
    for user in subscribers(group):
        link = site_url("groups.unsubscribe", token=unsubscribe_token(user))
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if mailing.send(
            user,
            subject,
            template,
            headers=headers,
            user=user,
            group=group,
            unsubscribe_link=link,
            settings_link=site_url("groups.notification_settings"),
            **context,
        ):
            sent += 1
    logger.info("Group %s: %s update emails sent (%s)", group.id, sent, template)
    return sent


def announcement_posted(announcement: Announcement, group: WorkingGroup) -> int:
    """Mail the group's subscribers a new announcement."""
    return _send_to_subscribers(
        group,
        lambda: _("%(group)s: %(title)s", group=group.title, title=announcement.local_title),
        "group_announcement",
        announcement=announcement,
        link=site_url("groups.detail", slug=group.slug),
    )


def meeting_scheduled(meeting: Meeting, group: WorkingGroup) -> int:
    """Mail the group's subscribers a new meeting."""
    return _send_to_subscribers(
        group,
        lambda: _(
            "%(group)s: new meeting “%(title)s”", group=group.title, title=meeting.local_title
        ),
        "group_meeting",
        meeting=meeting,
        link=site_url("groups.meeting", slug=group.slug, meeting_id=meeting.id),
        ics_link=site_url("groups.meeting_ics", slug=group.slug, meeting_id=meeting.id),
    )
