"""Importing EESC contacts from a CSV file, in two steps: a planned batch, then applying it.

The file is read (whatever encoding and separator a spreadsheet wrote), each row is checked
and matched on its email (case does not matter) to say whether it creates a contact,
updates one, changes nothing, or is refused and why. The web console stores that plan as a
``ContactImportBatch`` for a preview; nothing changes until the secretariat confirms, and
then the whole batch is checked again against the database and applied in one transaction.
The command line does the same without storing a batch.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, any_, bindparam, func, insert, update
from sqlalchemy.dialects import postgresql

from .. import audit
from ..database import serialise, utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..permissions import NotAllowed
from . import services as contact_services
from .models import Contact, ContactImportBatch
from .services import DEFAULT_VISIBILITY, Problem

if TYPE_CHECKING:
    from ..auth.models import User

# The file's columns, in this order in the documentation, and the contact field of each.
COLUMNS = ("name", "role", "organisation", "email", "phone", "visibility")
REQUIRED_COLUMNS = ("name", "email")
FIELD_OF_COLUMN = {
    "name": "name",
    "role": "role",
    "organisation": "organisation_name",
    "email": "email",
    "phone": "phone",
    "visibility": "visibility",
}
COLUMN_OF_FIELD = {v: k for k, v in FIELD_OF_COLUMN.items()}
SEPARATORS = (",", ";", "\t")
ACTIONS = ("create", "update", "unchanged", "refuse")
# Emails looked up per query when matching; far below every database's parameter limit.
LOOKUP_CHUNK = 10_000


@dataclass(frozen=True)
class FileProblem:
    """Why a whole file cannot be imported."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


class ImportFileError(DomainError, status=422, field="file"):
    """The file cannot be read as a contacts CSV; ``problems`` says why."""

    def __init__(self, *problems: FileProblem):
        super().__init__()
        self.problems = list(problems)

    @property
    def message(self) -> str:
        return " ".join(self.field_errors()["file"])

    def field_errors(self) -> dict[str, list[str]]:
        return {"file": [file_problem_message(p) for p in self.problems]}


class AlreadyApplied(Conflict):
    """The batch was applied before; it is applied only once."""

    message = _l("This import was applied before; nothing changed this time.")


@dataclass
class ParsedFile:
    """What was read from the file: its encoding, separator, columns and data rows."""

    encoding: str
    separator: str
    columns: list[str]
    rows: list[dict[str, Any]]


def file_problem_message(problem: FileProblem) -> str:
    """The file's problem in words, in the current language."""
    p = problem.params
    names = ", ".join(p.get("names", []))
    expected = ", ".join(COLUMNS)
    if problem.code == "empty":
        return _("The file is empty.")
    if problem.code == "header_only":
        return _("The file has a header line but no contacts below it.")
    if problem.code == "spreadsheet":
        return _(
            "This is a spreadsheet, not a CSV file: save it as “CSV” or “Unicode text” "
            "and upload that."
        )
    if problem.code == "encoding":
        return _(
            "The file's characters cannot be read: save it as CSV in UTF-8, UTF-16 "
            "(“Unicode text”) or Windows-1251."
        )
    if problem.code == "unreadable":
        return _("The file cannot be read as CSV: check its quotes and separators.")
    if problem.code == "missing_columns":
        return ngettext(
            "The column %(names)s is missing. The first line must name the columns: %(expected)s.",
            "The columns %(names)s are missing. The first line must name the columns: "
            "%(expected)s.",
            len(p["names"]),
            names=names,
            expected=expected,
        )
    if problem.code == "unknown_columns":
        return ngettext(
            "The column %(names)s is not one the import knows. Use only: %(expected)s.",
            "The columns %(names)s are not ones the import knows. Use only: %(expected)s.",
            len(p["names"]),
            names=names,
            expected=expected,
        )
    if problem.code == "duplicate_columns":
        return ngettext(
            "The column %(names)s appears more than once.",
            "The columns %(names)s appear more than once.",
            len(p["names"]),
            names=names,
        )
    return _("The file cannot be imported.")


def reason_message(reason: dict[str, Any]) -> str:
    """Why a row is refused, in words, with the column it concerns."""
    problem = Problem.from_dict(reason)
    p = problem.params
    if problem.code == "missing_email":
        text = _("Enter the contact's email: the import matches contacts on it.")
    elif problem.code == "duplicate_in_file":
        lines = p.get("lines", [])
        text = ngettext(
            "The same email is also on line %(lines)s of the file.",
            "The same email is also on lines %(lines)s of the file.",
            len(lines),
            lines=", ".join(str(n) for n in lines),
        )
    elif problem.code == "ambiguous_email":
        text = _("Several EESC contacts already have this email; edit them by hand first.")
    elif problem.code == "too_many_values":
        text = _(
            "This line has %(found)d values but the header names %(expected)d columns.",
            found=p.get("found", 0),
            expected=p.get("expected", 0),
        )
    else:
        text = contact_services.problem_message(problem)
    column = COLUMN_OF_FIELD.get(problem.field)
    return f"{column}: {text}" if column else text


# Reading the file ----------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding.

    A byte-order mark decides first (UTF-8, UTF-16 LE or BE, as Excel's "Unicode text"
    writes); otherwise strict UTF-8, and if that fails Windows-1251 (Cyrillic from Excel).
    """
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(FileProblem("spreadsheet"))
    boms = (
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
    )
    try:
        for bom, codec, label in boms:
            if data.startswith(bom):
                text, encoding = data[len(bom) :].decode(codec), label
                break
        else:
            try:
                text, encoding = data.decode("utf-8"), "UTF-8"
            except UnicodeDecodeError:
                text, encoding = data.decode("cp1251"), "Windows-1251"
    except UnicodeDecodeError as e:
        raise ImportFileError(FileProblem("encoding")) from e
    if "\x00" in text:
        raise ImportFileError(FileProblem("encoding"))
    # A second mark (a file saved twice with one) is not part of the first column's name.
    return text.lstrip("\ufeff"), encoding


def sniff_separator(header_line: str) -> str:
    """The separator the header line uses most: comma, semicolon or tab."""
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def parse(data: bytes) -> ParsedFile:
    """Read a contacts CSV: its header line, then one contact per line."""
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFileError(FileProblem("empty"))
    lines = text.splitlines()
    header_line = next(line for line in lines if line.strip())
    separator = sniff_separator(header_line)
    try:
        header, rows = _read_rows(text, separator)
    except csv.Error as e:
        raise ImportFileError(FileProblem("unreadable")) from e
    if header is None:
        raise ImportFileError(FileProblem("empty"))
    if not rows:
        raise ImportFileError(FileProblem("header_only"))
    return ParsedFile(encoding, separator, [c for c in header if c], rows)


def _read_rows(text: str, separator: str) -> tuple[list[str] | None, list[dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: list[str] | None = None
    rows: list[dict[str, Any]] = []
    last_line = 0
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            _check_header(header)
            continue
        values = {column: cell for column, cell in zip(header, cells, strict=False) if column}
        row: dict[str, Any] = {"line": line, "values": values}
        extra = [cell for cell in cells[len(header) :] if cell.strip()]
        if extra:
            row["too_many"] = {"found": len(cells), "expected": len(header)}
        rows.append(row)
    return header, rows


def _check_header(header: list[str]) -> None:
    named = [column for column in header if column]
    problems = []
    missing = [column for column in REQUIRED_COLUMNS if column not in named]
    if missing:
        problems.append(FileProblem("missing_columns", {"names": missing}))
    unknown = [column for column in named if column not in COLUMNS]
    if unknown:
        problems.append(FileProblem("unknown_columns", {"names": unknown}))
    twice = sorted({column for column in named if named.count(column) > 1})
    if twice:
        problems.append(FileProblem("duplicate_columns", {"names": twice}))
    if problems:
        raise ImportFileError(*problems)


# Planning ------------------------------------------------------------------------------


def _email_is_one_of(keys: list[str]):
    """lower(email) is one of the keys: one array parameter on PostgreSQL (thousands of
    separate parameters cost more to send than the query takes), an IN list elsewhere."""
    column = func.lower(Contact.email)
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam("emails", keys, type_=postgresql.ARRAY(String)))
    return column.in_(keys)


def _existing_by_email(keys: Iterable[str]) -> dict[str, list[Contact]]:
    """The EESC contacts having these emails (lower case), loaded in as few queries as can be."""
    keys = sorted(set(keys))
    found: dict[str, list[Contact]] = defaultdict(list)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        contacts = db.session.scalars(
            contact_services.eesc_contacts().where(_email_is_one_of(chunk)).order_by(Contact.id)
        )
        for contact in contacts:
            found[contact.email.lower()].append(contact)
    return found


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _changes(contact: Contact, cleaned: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for name in contact_services.FIELDS:
        if name not in cleaned or (name == "visibility" and cleaned[name] is None):
            continue
        old, new = _plain(getattr(contact, name)), _plain(cleaned[name])
        if name == "email" and contact_services.email_key(old) == contact_services.email_key(new):
            # Matched on it: a difference of case alone is no reason to rewrite it.
            continue
        if old != new:
            changes[name] = [old, new]
    return changes


def _plan(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, Contact]]:
    """The planned rows, the cleaned values of each, and the contacts they update."""
    checked = []
    lines_of_email: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        fields = {FIELD_OF_COLUMN[c]: v for c, v in row["values"].items() if c in FIELD_OF_COLUMN}
        cleaned, problems = contact_services.clean(fields)
        if row.get("too_many"):
            problems.insert(0, Problem("", "too_many_values", row["too_many"]))
        email_refused = any(p.field == "email" for p in problems)
        if not cleaned.get("email") and not email_refused:
            problems.append(Problem("email", "missing_email"))
        key = contact_services.email_key(cleaned.get("email"))
        if key and not email_refused:
            lines_of_email[key].append(row["line"])
        checked.append((row, cleaned, problems, key))
    existing = _existing_by_email(lines_of_email)
    contacts: dict[int, Contact] = {}
    planned = []
    cleaned_rows = []
    for row, cleaned, problems, key in checked:
        entry: dict[str, Any] = {"line": row["line"], "values": row["values"]}
        others = [n for n in lines_of_email.get(key, []) if n != row["line"]] if key else []
        if others:
            problems.append(Problem("email", "duplicate_in_file", {"lines": others}))
        matches = existing.get(key, []) if key else []
        if not problems and len(matches) > 1:
            problems.append(Problem("email", "ambiguous_email"))
        if problems:
            entry.update(action="refuse", reasons=[p.as_dict() for p in problems])
        elif matches:
            contact = matches[0]
            contacts[contact.id] = contact
            changes = _changes(contact, cleaned)
            entry.update(
                action="update" if changes else "unchanged",
                contact_id=contact.id,
                changes=changes,
            )
        else:
            entry.update(action="create")
        if row.get("too_many"):
            entry["too_many"] = row["too_many"]
        planned.append(entry)
        cleaned_rows.append(cleaned)
    return planned, cleaned_rows, contacts


def plan(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each row: create, update (with the changes), unchanged, or refuse (with reasons)."""
    return _plan(rows)[0]


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows of each action."""
    totals = dict.fromkeys(ACTIONS, 0)
    for row in rows:
        totals[row["action"]] += 1
    return totals


# Applying ------------------------------------------------------------------------------


def _apply(
    rows: list[dict[str, Any]], advance: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Check the rows again against the database and write them; the caller commits."""
    # One import (or form) at a time from here: each sees the contacts the last one added.
    serialise(db.session, contact_services.EMAIL_LOCK)
    planned, cleaned_rows, contacts = _plan(rows)
    new_contacts = []
    now = utcnow()
    for row, cleaned in zip(planned, cleaned_rows, strict=True):
        if row["action"] in ("create", "update"):
            if row["action"] == "create":
                cleaned["organisation_name"] = (
                    cleaned.get("organisation_name") or contact_services.DEFAULT_ORGANISATION
                )
                cleaned["visibility"] = cleaned.get("visibility") or DEFAULT_VISIBILITY
                new_contacts.append(
                    {
                        "organisation_id": None,
                        "created_at": now,
                        "updated_at": now,
                        **cleaned,
                    }
                )
            else:
                contact = contacts[row["contact_id"]]
                for name in row["changes"]:
                    setattr(contact, name, cleaned[name])
                if "phone" in row["changes"]:
                    contact.phone_e164 = cleaned["phone_e164"]
        if advance is not None:
            advance(1)
    if new_contacts:
        db.session.execute(insert(Contact), new_contacts)
    return planned


def _summary(source: str, totals: dict[str, int]) -> str:
    return (
        f"Contacts imported from {source}: {totals['create']} created, "
        f"{totals['update']} updated, {totals['unchanged']} unchanged, "
        f"{totals['refuse']} refused"
    )


def import_rows(
    rows: list[dict[str, Any]],
    source: str,
    by: User | None = None,
    advance: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Apply rows read from a file in one transaction, with one audit entry (command line)."""
    planned = _apply(rows, advance)
    totals = counts(planned)
    audit.record(
        by, "contact.import", "contact_import_batch", None, _summary(source, totals), after=totals
    )
    db.session.commit()
    return totals


# Batches (the web console) -------------------------------------------------------------


def _require_secretariat(by: User) -> None:
    if not (by.is_authenticated and by.is_secretariat):
        raise NotAllowed()


def _file_name(filename: str | None) -> str:
    """The uploaded file's name as the preview shows it: some browsers send the whole path,
    and a name may hold control characters (which the database may refuse)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    return name[:255] or "contacts.csv"


def create_batch(filename: str, data: bytes, by: User) -> ContactImportBatch:
    """Read the upload and store its plan for the preview; no contact changes yet."""
    _require_secretariat(by)
    parsed = parse(data)
    batch = ContactImportBatch(
        created_by_id=by.id,
        filename=_file_name(filename),
        rows=plan(parsed.rows),
    )
    db.session.add(batch)
    db.session.commit()
    return batch


def get_batch_or_404(batch_id: int) -> ContactImportBatch:
    batch = db.session.get(ContactImportBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def apply_batch(batch: ContactImportBatch, by: User) -> dict[str, int]:
    """Apply a previewed batch once, in one transaction, checked again against the database."""
    _require_secretariat(by)
    now = utcnow()
    # Claiming the batch first makes a second (or simultaneous) apply find nothing to claim.
    claimed = db.session.execute(
        update(ContactImportBatch)
        .where(ContactImportBatch.id == batch.id, ContactImportBatch.applied_at.is_(None))
        .values(applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise AlreadyApplied()
    planned = _apply(list(batch.rows))
    totals = counts(planned)
    batch.rows = planned
    batch.applied_at = now
    audit.commit(by, "contact.import", batch, _summary(batch.filename, totals), after=totals)
    return totals
