"""Reading working groups."""

from sqlalchemy import select

from ..extensions import db
from .models import WorkingGroup


def list_groups(include_archived: bool = True) -> list[WorkingGroup]:
    """Every working group in the Action Plan's order; texts loaded in one more query."""
    query = select(WorkingGroup).order_by(WorkingGroup.priority, WorkingGroup.id)
    if not include_archived:
        query = query.where(WorkingGroup.archived_at.is_(None))
    return list(db.session.scalars(query))
