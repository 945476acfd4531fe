"""Listing what the directory shows, within what the viewer may see."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import visibility
from ..extensions import db
from ..organisations.models import Organisation
from .models import Contact


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def organisations(viewer, page: int = 1, per_page: int = 20) -> Page:
    """Organisations the viewer may see, by name, one page of them."""
    where = visibility.visible_organisations(viewer)
    total = db.session.scalar(select(func.count(Organisation.id)).where(where))
    items = db.session.scalars(
        select(Organisation)
        .where(where)
        .options(selectinload(Organisation.sector_rows))
        .order_by(Organisation.name_key, Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def contacts(viewer) -> list[Contact]:
    """Contacts the viewer may see, by name."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(visibility.visible_contacts(viewer))
            .options(selectinload(Contact.organisation))
            .order_by(Contact.name)
        )
    )
