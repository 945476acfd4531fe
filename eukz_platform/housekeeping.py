"""Periodic jobs, run by ``flask --app eukz_platform housekeeping`` (from cron, daily).

The annual confirmation, as the EU Transparency Register asks: every
ANNUAL_CONFIRMATION_DAYS an organisation's admins are reminded to confirm or update its
profile; ANNUAL_GRACE_DAYS after the reminder an unconfirmed organisation is flagged in the
directory; ANNUAL_HIDE_AFTER_DAYS after that it is hidden until confirmed. Each run moves an
organisation at most one step, and a step once taken is not taken again, so running the
command twice sends no second reminder.

Partner search posts close after their deadline, and people who asked for it get the weekly
digest of new matching posts (opportunities/services.py); each once.

Closed organisations: CLOSURE_GRACE_DAYS after an admin closed one, its people's data is
erased (account/services.py, ``erase_closed_organisations``); erased once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from . import audit, mailing
from .core.models import ConfirmationState, Organisation
from .core.vocabulary import OrganisationStatus
from .database import utcnow
from .extensions import db
from .links import site_url

logger = logging.getLogger(__name__)

State = ConfirmationState
# Organisations the directory lists: the others have nothing to confirm.
CONFIRMING_STATUSES = (OrganisationStatus.VERIFIED, OrganisationStatus.PENDING)
BATCH_SIZE = 500


@dataclass
class Result:
    reminded: int = 0
    flagged: int = 0
    hidden: int = 0
    erased: int = 0
    posts_closed: int = 0
    digests: int = 0


def run(now: datetime | None = None) -> Result:
    """Every periodic job; returns what it did."""
    from .account.services import erase_closed_organisations
    from .opportunities import services as opportunities

    result = annual_confirmation(now)
    result.erased = erase_closed_organisations(now)
    # Partner search: posts close after their deadline; the weekly digest of new posts.
    result.posts_closed = opportunities.close_past_deadline(now)
    result.digests = opportunities.send_digests(now)
    return result


def annual_confirmation(now: datetime | None = None) -> Result:
    """Remind, flag and hide organisations whose profile has gone unconfirmed too long."""
    now = now or utcnow()
    config = current_app.config
    remind_before = now - timedelta(days=config["ANNUAL_CONFIRMATION_DAYS"])
    flag_before = now - timedelta(days=config["ANNUAL_GRACE_DAYS"])
    hide_before = now - timedelta(
        days=config["ANNUAL_GRACE_DAYS"] + config["ANNUAL_HIDE_AFTER_DAYS"]
    )
    result = Result()
    # Flags and hides first, so that a reminder sent in this run starts its grace period.
    result.hidden = _advance(
        State.FLAGGED, State.HIDDEN, Organisation.confirmation_reminded_at <= hide_before
    )
    result.flagged = _advance(
        State.REMINDED, State.FLAGGED, Organisation.confirmation_reminded_at <= flag_before
    )
    result.reminded = _remind(remind_before, now)
    logger.info(
        "Annual confirmation: %s reminded, %s flagged, %s hidden",
        result.reminded,
        result.flagged,
        result.hidden,
    )
    return result


def _due(state: State, condition) -> list[int]:
    return list(
        db.session.scalars(
            select(Organisation.id)
            .where(
                Organisation.confirmation_state == state,
                Organisation.status.in_(CONFIRMING_STATUSES),
                condition,
            )
            .order_by(Organisation.id)
        )
    )


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        yield list(
            db.session.scalars(
                select(Organisation).where(Organisation.id.in_(chunk)).order_by(Organisation.id)
            )
        )


def _step(org: Organisation, to: State, action: str) -> None:
    before = org.confirmation_state
    org.confirmation_state = to
    audit.record(
        None,
        action,
        "organisation",
        org.id,
        f"{org.name}: {before.value} → {to.value}",
        {"confirmation_state": before},
        {"confirmation_state": to},
    )


def _advance(state: State, to: State, condition) -> int:
    count = 0
    action = f"organisation.confirmation_{to.value}"
    for batch in _batches(_due(state, condition)):
        for org in batch:
            _step(org, to, action)
        db.session.commit()
        count += len(batch)
    return count


def _remind(remind_before: datetime, now: datetime) -> int:
    count = 0
    for batch in _batches(_due(State.CURRENT, Organisation.profile_confirmed_at <= remind_before)):
        for org in batch:
            _step(org, State.REMINDED, "organisation.confirmation_reminded")
            org.confirmation_reminded_at = now
        db.session.commit()
        for org in batch:
            _send_reminder(org)
        count += len(batch)
    return count


def _send_reminder(org: Organisation) -> None:
    config = current_app.config
    mailing.send(
        [u for u in org.admins if u.active],
        lambda: _("Please confirm the profile of %(name)s", name=org.name),
        "annual_confirmation",
        organisation=org,
        grace_days=config["ANNUAL_GRACE_DAYS"],
        hide_days=config["ANNUAL_HIDE_AFTER_DAYS"],
        link=site_url("organisations.profile", org_id=org.id),
    )
