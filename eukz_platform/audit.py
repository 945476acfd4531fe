"""The audit log: every change made by someone with a role, with the values before and after.

Entries are added in the same transaction as the change they describe, and the app offers
no way to edit or delete them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .database import UTCDateTime, utcnow
from .extensions import db

if TYPE_CHECKING:
    from .auth.models import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The actor's email at the time, kept if the account is later removed.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(40), index=True)
    target_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the session; the caller's commit writes it with the change."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:300],
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.session.add(entry)
    return entry


def commit(
    actor: User | None,
    action: str,
    target: db.Model,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record the entry about ``target``, the row the action changed, and commit it with the
    change: how a service's one transaction ends."""
    entry = record(actor, action, target.__tablename__, target.id, summary, before, after)
    db.session.commit()
    return entry


def values(row, names: Iterable[str]) -> dict[str, Any]:
    """The row's values of the attributes named, for an entry's ``before`` or ``after``."""
    return {name: getattr(row, name) for name in names}


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, (list, tuple, set)):
            value = [str(v) for v in value]
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        out[key] = value
    return out
