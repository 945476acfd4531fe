"""Contacts: the EESC's, kept by the secretariat, and each organisation's contact people,
kept by its admins. Every change is one transaction with its audit entry.

The EESC's contacts are outside any registered organisation (``organisation_id`` is NULL), such
as the two EESC staff named in the opinion; their values are checked here, so that the form and
the CSV import refuse the same things with the same messages. An organisation's contact people
have a name, role, email and phone (kept as written and in E.164, read with the organisation's
country as a hint), each with a visibility (members by default). Who sees a contact is decided
by ``visibility.py``.
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

from .. import audit, phones
from ..core.vocabulary import OTHER_COUNTRY
from ..database import owned_or_404, serialise
from ..errors import DomainError
from ..extensions import db
from ..forms import is_single_line
from ..permissions import NotAllowed, require_admin
from ..phones import to_e164
from .models import Contact, Visibility

if TYPE_CHECKING:
    from ..auth.models import User
    from ..core.models import Organisation

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
        "bad_phone": lambda: phones.describe(p),
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


class InvalidContact(DomainError, status=422):
    """Values that cannot be saved; ``problems`` says which and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__()
        self.problems = problems

    @property
    def message(self) -> str:
        return " ".join(problem_message(p) for p in self.problems)

    def field_errors(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for problem in self.problems:
            errors.setdefault(problem.field, []).append(problem_message(problem))
        return errors


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
                refused_phone = phones.problem(cleaned["phone"])
                details = refused_phone.as_dict() if refused_phone else {}
                problems.append(Problem("phone", "bad_phone", details))
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
    return _add(contact, by, f"Contact {contact.name} added", AUDITED)


def _add(contact: Contact, by: User, summary: str, audited: tuple[str, ...]) -> Contact:
    """Save a new contact, with the audit entry of what it is."""
    db.session.add(contact)
    db.session.flush()
    audit.commit(by, "contact.create", contact, summary, after=audit.values(contact, audited))
    return contact


def update(contact: Contact, values: dict[str, Any], by: User) -> Contact:
    """Change an EESC contact's values; a blank visibility keeps the current one."""
    _require_secretariat(by)
    cleaned = _check({name: values.get(name) for name in FIELDS}, exclude_id=contact.id)
    cleaned["visibility"] = cleaned["visibility"] or contact.visibility
    before = audit.values(contact, AUDITED)
    for name, value in cleaned.items():
        setattr(contact, name, value)
    after = audit.values(contact, AUDITED)
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
        audit.commit(
            by,
            "contact.hide",
            contact,
            f"Contact {contact.name} hidden",
            before={"visibility": before},
            after={"visibility": Visibility.PRIVATE},
        )
    return contact


def delete(contact: Contact, by: User) -> None:
    """Remove the contact; a seeded one stays removed, as the seed remembers its key."""
    _require_secretariat(by)
    _remove(contact, by, f"Contact {contact.name} deleted", AUDITED)


def _remove(contact: Contact, by: User, summary: str, audited: tuple[str, ...]) -> None:
    """Delete the contact, with the audit entry of what it was."""
    before = audit.values(contact, audited)
    audit.record(by, "contact.delete", "contact", contact.id, summary, before=before)
    db.session.delete(contact)
    db.session.commit()


# An organisation's contact people ---------------------------------------------------------

# What the audit log keeps of an organisation's contact person.
ORGANISATION_AUDITED = ("name", "role", "email", "phone", "phone_e164", "visibility")


class InvalidPhone(DomainError, status=422, field="phone"):
    """The phone number is refused by the numbering rules; the message says why."""

    def __init__(self, problem: phones.PhoneProblem | None = None):
        super().__init__()
        self.problem = problem or phones.PhoneProblem(phones.UNREADABLE)

    @property
    def message(self) -> str:
        return self.problem.message()


def phone_region(org: Organisation) -> str | None:
    """The region a phone number without its country code is read in: the org's country."""
    return None if org.country == OTHER_COUNTRY else org.country


def _apply(contact: Contact, org: Organisation, values: dict) -> None:
    phone = values.get("phone")
    e164 = to_e164(phone, phone_region(org)) if phone else None
    if phone and e164 is None:
        raise InvalidPhone(phones.problem(phone, phone_region(org)))
    contact.name = values["name"]
    contact.role = values.get("role")
    contact.email = values.get("email")
    contact.phone = phone
    contact.phone_e164 = e164
    contact.visibility = Visibility(values.get("visibility") or Visibility.MEMBERS)


def add_contact(org: Organisation, values: dict, by: User) -> Contact:
    """An admin of the organisation (or the secretariat) adds a contact person."""
    require_admin(org, by)
    contact = Contact(organisation_id=org.id)
    _apply(contact, org, values)
    return _add(contact, by, f"Added contact {contact.name} to {org.name}", ORGANISATION_AUDITED)


def update_contact(org: Organisation, contact: Contact, values: dict, by: User) -> Contact:
    """An admin of the organisation (or the secretariat) changes a contact person."""
    require_admin(org, by)
    before = audit.values(contact, ORGANISATION_AUDITED)
    _apply(contact, org, values)
    audit.commit(
        by,
        "contact.update",
        contact,
        f"Edited contact {contact.name} of {org.name}",
        before=before,
        after=audit.values(contact, ORGANISATION_AUDITED),
    )
    return contact


def remove_contact(org: Organisation, contact: Contact, by: User) -> None:
    """An admin of the organisation (or the secretariat) removes a contact person."""
    require_admin(org, by)
    _remove(contact, by, f"Removed contact {contact.name} from {org.name}", ORGANISATION_AUDITED)


def contact_of_or_404(org: Organisation, contact_id: int) -> Contact:
    """The organisation's contact person with this id, else 404."""
    return owned_or_404(db.session, Contact, contact_id, organisation_id=org.id)


def contacts_of(org: Organisation) -> list[Contact]:
    """All the organisation's contact people, by name (its admins' list)."""
    return list(
        db.session.scalars(
            select(Contact).where(Contact.organisation_id == org.id).order_by(Contact.name)
        )
    )
