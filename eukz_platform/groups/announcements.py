"""Announcements of a working group: plain text posted by its co-chairs.

The text is stored as written and shown escaped, with web addresses made into links; no
HTML from the author is ever rendered.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .. import audit
from ..auth.models import User
from ..extensions import db
from . import notifications
from .membership import NotAllowed, can_moderate
from .models import Announcement, WorkingGroup

# http(s) addresses and www. ones, up to the next space or angle bracket.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address.
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str | None) -> Markup:
    """The text, HTML-escaped, with its web addresses as links that open nothing else."""
    if not text:
        return Markup("")
    out = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        trimmed = url.rstrip(_TRAILING)
        # A closing bracket belongs to the address when it also opened one inside it.
        while (
            url != trimmed and url[len(trimmed)] == ")" and trimmed.count("(") > trimmed.count(")")
        ):
            trimmed = url[: len(trimmed) + 1]
        end = match.start() + len(trimmed)
        out.append(escape(text[position : match.start()]))
        href = trimmed if "://" in trimmed else f"https://{trimmed}"
        out.append(
            Markup(
                '<a class="ecl-link" href="{}" rel="nofollow noopener noreferrer">{}</a>'
            ).format(href, trimmed)
        )
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


VERSION_COLUMNS = ("title_ru", "body_ru", "title_kk", "body_kk")


def post(
    group: WorkingGroup,
    by: User,
    title: str,
    body: str,
    versions: dict[str, str | None] | None = None,
) -> Announcement:
    """A co-chair of the group (or the secretariat) posts an announcement, with its Russian and
    Kazakh versions where given (``versions``, by column); subscribers are mailed after the
    commit, each in their language."""
    if not can_moderate(by, group):
        raise NotAllowed()
    announcement = Announcement(
        group_id=group.id, author_id=by.id, title=title.strip(), body=body.strip()
    )
    for column in VERSION_COLUMNS:
        setattr(announcement, column, ((versions or {}).get(column) or "").strip() or None)
    db.session.add(announcement)
    db.session.flush()
    audit.commit(
        by,
        "announcement.post",
        announcement,
        f"{group.slug}: {announcement.title}",
        None,
        {
            "title": announcement.title,
            "body": announcement.body,
            **{column: getattr(announcement, column) for column in VERSION_COLUMNS},
        },
    )
    notifications.announcement_posted(announcement, group)
    return announcement
