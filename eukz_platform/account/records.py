"""Where the platform keeps a person's data, found by walking every model: each column that
refers to a user, and each email column. New tables are covered without being listed here,
so the export and the erasure cannot forget one (tests/test_account_rights.py checks it).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column

from ..extensions import db

USER_TABLE = "user"
# Never exported: secrets that would help someone who got hold of the file.
SECRET_WORDS = ("password", "token", "secret", "hash", "otp", "totp")


@dataclass(frozen=True)
class Reference:
    """One column of one model that holds a person's id or email address."""

    model: type
    column: Column
    attribute: str
    kind: str  # "user" (a foreign key to user.id) or "email"

    @property
    def table(self) -> str:
        return self.column.table.name

    @property
    def ondelete(self) -> str | None:
        for fk in self.column.foreign_keys:
            return (fk.ondelete or "").upper() or None
        return None


def _models() -> Iterator[type]:
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.local_table.name):
        yield mapper.class_


def references() -> list[Reference]:
    """Every column, outside the user table itself, holding a user's id or email."""
    found = []
    for model in _models():
        mapper = db.inspect(model)
        if mapper.local_table.name == USER_TABLE:
            continue
        for attribute in mapper.column_attrs:
            for column in attribute.columns:
                if column.table is not mapper.local_table:
                    continue
                if any(fk.column.table.name == USER_TABLE for fk in column.foreign_keys):
                    found.append(Reference(model, column, attribute.key, "user"))
                elif column.name == "email" or column.name.endswith("_email"):
                    found.append(Reference(model, column, attribute.key, "email"))
    return found


def is_secret(name: str) -> bool:
    return any(word in name.lower() for word in SECRET_WORDS)


def plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def row(obj) -> dict[str, Any]:
    """A model instance's columns, secrets left out."""
    mapper = db.inspect(type(obj))
    return {
        attribute.key: plain(getattr(obj, attribute.key))
        for attribute in mapper.column_attrs
        if not is_secret(attribute.key)
    }
