"""The EESC's contacts, kept by the secretariat: add, edit, hide and delete.

These are the contacts outside any registered organisation (``organisation_id`` is NULL),
such as the two EESC staff named in the opinion. Every change is one transaction with its
audit entry. Values are checked here, so that the form and the CSV import refuse the same
things with the same messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from email_validator import EmailNotValidError, validate_email
from flask import abort
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select

from .. import audit
from ..database import serialise
from ..extensions import db
from ..forms import is_single_line
from ..permissions import NotAllowed
from ..phones import to_e164
from .models import Contact, Visibility

if TYPE_CHECKING:
    from ..auth.models import User

DEFAULT_ORGANISATION = "EESC"
DEFAULT_VISIBILITY = Visibility.PUBLIC
# The editable fields, in the order of the form and of the CSV columns.
FIELDS = ("name", "role", "organisation_name", "email", "phone", "visibility")
MAX_LENGTHS = {"name": 200, "role": 200, "organisation_name": 200, "email": 254, "phone": 50}
# What the audit log keeps of a contact, before and after a change.
AUDITED = (*FIELDS, "phone_e164", "key")


@dataclass(frozen=True)
class Problem:
    """Why a value is refused: the field, a code, and the values its message needs."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, **self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        params = {k: v for k, v in data.items() if k not in ("field", "code")}
        return cls(data["field"], data["code"], params)


def problem_message(problem: Problem) -> str:
    """The problem in words, in the current language."""
    p = problem.params
    messages = {
        "missing_name": lambda: _("Enter the contact's name."),
        "too_long": lambda: _("Use at most %(num)d characters.", num=p.get("max", 0)),
        "bad_email": lambda: _("Enter a valid email address, such as name@example.org."),
        "bad_phone": lambda: _(
            "Enter a phone number with its country code, starting with +, such as +32 2 546 9088."
        ),
        "bad_visibility": lambda: _(
            "“%(value)s” is not a visibility: use public, members or private.",
            value=p.get("value", ""),
        ),
        "email_taken": lambda: _("Another EESC contact already has this email."),
        "not_single_line": lambda: _(
            "Write this on one line, without line breaks or control characters."
        ),
    }
    return messages[problem.code]()


class InvalidContact(Exception):
    """Values that cannot be saved; ``problems`` says which and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(", ".join(f"{p.field}:{p.code}" for p in problems))
        self.problems = problems


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


# A plain ASCII address: a dot-atom local part and a host name. It is checked here and its
# domain once per domain, as checking each address whole costs too much for a long import.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>[A-Za-z0-9.-]+)"
)
_LOCAL_PART_MAX = 64


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    """The domain as email_validator writes it (lower case), or None if it refuses it."""
    try:
        return validate_email(f"postmaster@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalise_email(email: str) -> str:
    """The address as written, with the domain in lower case (email_validator's form).

    Raises EmailNotValidError for an address email_validator refuses.
    """
    plain = _PLAIN_EMAIL.fullmatch(email)
    if plain is None or len(plain["local"]) > _LOCAL_PART_MAX:
        return validate_email(email, check_deliverability=False).normalized
    domain = _checked_domain(plain["domain"])
    if domain is None:
        raise EmailNotValidError("The domain name is not valid.")
    normalised = f"{plain['local']}@{domain}"
    if len(normalised) > MAX_LENGTHS["email"]:
        raise EmailNotValidError("The email address is too long.")
    return normalised


# Phone numbers of a file are checked when it is previewed and again when it is applied.
_e164 = lru_cache(maxsize=65536)(to_e164)


def email_key(email: str | None) -> str | None:
    """The form emails are matched on: case does not matter."""
    return email.lower() if email else None


def clean(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Check and normalise a contact's values.

    Returns the cleaned values (with ``phone_e164``) and the problems found. A blank
    organisation is the EESC's; a blank visibility is left as None (the caller decides:
    public for a new contact, unchanged for an existing one).
    """
    problems: list[Problem] = []
    cleaned: dict[str, Any] = {}
    for name in ("name", "role", "organisation_name", "email", "phone"):
        if name in values:
            cleaned[name] = _text(values[name])
    for name, limit in MAX_LENGTHS.items():
        if cleaned.get(name) and len(cleaned[name]) > limit:
            problems.append(Problem(name, "too_long", {"max": limit}))
        elif cleaned.get(name) and not is_single_line(cleaned[name]):
            problems.append(Problem(name, "not_single_line"))
    refused = {problem.field for problem in problems}
    if "name" in values and not cleaned.get("name"):
        problems.append(Problem("name", "missing_name"))
    if "organisation_name" in values and not cleaned["organisation_name"]:
        cleaned["organisation_name"] = DEFAULT_ORGANISATION
    if cleaned.get("email") and "email" not in refused:
        try:
            cleaned["email"] = normalise_email(cleaned["email"])
        except EmailNotValidError:
            problems.append(Problem("email", "bad_email"))
    if "phone" in values:
        cleaned["phone_e164"] = None
        if cleaned["phone"] and "phone" not in refused:
            cleaned["phone_e164"] = _e164(cleaned["phone"])
            if cleaned["phone_e164"] is None:
                problems.append(Problem("phone", "bad_phone"))
    if "visibility" in values:
        raw = _text(values["visibility"])
        cleaned["visibility"] = None
        if raw:
            try:
                cleaned["visibility"] = Visibility(raw.lower())
            except ValueError:
                problems.append(Problem("visibility", "bad_visibility", {"value": raw[:40]}))
    return cleaned, problems


# The lock taken by every change that checks the EESC contacts' emails (a form, an import),
# so that two changes at once cannot both find an email free and both use it.
EMAIL_LOCK = "eesc-contact-emails"


def eesc_contacts():
    """The select of the contacts the secretariat keeps (outside any organisation)."""
    return select(Contact).where(Contact.organisation_id.is_(None))


def get_or_404(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.organisation_id is not None:
        abort(404)
    return contact


def list_contacts(query: str | None, page: int, per_page: int = 50) -> Pagination:
    """One page of the EESC contacts, of every visibility, by name, and how many match."""
    stmt = eesc_contacts()
    if query and query.strip():
        words = query.strip().lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(words, autoescape=True)
                    for column in (
                        Contact.name,
                        Contact.email,
                        Contact.role,
                        Contact.organisation_name,
                    )
                )
            )
        )
    return db.paginate(
        stmt.order_by(Contact.name, Contact.id), page=page, per_page=per_page, error_out=False
    )


def _snapshot(contact: Contact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in AUDITED}


def _require_secretariat(by: User) -> None:
    if not (by.is_authenticated and by.is_secretariat):
        raise NotAllowed()


def _check(values: dict[str, Any], exclude_id: int | None = None) -> dict[str, Any]:
    cleaned, problems = clean(values)
    email = cleaned.get("email")
    if email and not any(p.field == "email" for p in problems):
        serialise(db.session, EMAIL_LOCK)
        same = eesc_contacts().where(func.lower(Contact.email) == email_key(email))
        if exclude_id is not None:
            same = same.where(Contact.id != exclude_id)
        if db.session.scalar(same.limit(1)) is not None:
            problems.append(Problem("email", "email_taken"))
    if problems:
        raise InvalidContact(problems)
    return cleaned


def create(values: dict[str, Any], by: User) -> Contact:
    """Add an EESC contact; a blank organisation is the EESC, a blank visibility public."""
    _require_secretariat(by)
    cleaned = _check({name: values.get(name) for name in FIELDS})
    cleaned["visibility"] = cleaned["visibility"] or DEFAULT_VISIBILITY
    contact = Contact(organisation_id=None, **cleaned)
    db.session.add(contact)
    db.session.flush()
    audit.record(
        by,
        "contact.create",
        "contact",
        contact.id,
        f"Contact {contact.name} added",
        after=_snapshot(contact),
    )
    db.session.commit()
    return contact


def update(contact: Contact, values: dict[str, Any], by: User) -> Contact:
    """Change an EESC contact's values; a blank visibility keeps the current one."""
    _require_secretariat(by)
    cleaned = _check({name: values.get(name) for name in FIELDS}, exclude_id=contact.id)
    cleaned["visibility"] = cleaned["visibility"] or contact.visibility
    before = _snapshot(contact)
    for name, value in cleaned.items():
        setattr(contact, name, value)
    after = _snapshot(contact)
    if after != before:
        changed = [name for name in AUDITED if before[name] != after[name]]
        audit.record(
            by,
            "contact.update",
            "contact",
            contact.id,
            f"Contact {contact.name} edited",
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    db.session.commit()
    return contact


def hide(contact: Contact, by: User) -> Contact:
    """Make the contact private: only the secretariat sees it."""
    _require_secretariat(by)
    if contact.visibility != Visibility.PRIVATE:
        before = contact.visibility
        contact.visibility = Visibility.PRIVATE
        audit.record(
            by,
            "contact.hide",
            "contact",
            contact.id,
            f"Contact {contact.name} hidden",
            before={"visibility": before},
            after={"visibility": Visibility.PRIVATE},
        )
        db.session.commit()
    return contact


def delete(contact: Contact, by: User) -> None:
    """Remove the contact; a seeded one stays removed, as the seed remembers its key."""
    _require_secretariat(by)
    before = _snapshot(contact)
    audit.record(
        by,
        "contact.delete",
        "contact",
        contact.id,
        f"Contact {contact.name} deleted",
        before=before,
    )
    db.session.delete(contact)
    db.session.commit()
