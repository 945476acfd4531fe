"""Downloads from the directory: the current search as CSV or JSON, and a contact's vCard
(offered on the contact's own page, here too).

An export takes the directory page's query string and holds only what the requester may see
(the search service applies the visibility rules). It stops at EXPORT_CAP rows — 5,000, more
than any partner search needs — so that one request cannot read the whole directory; the JSON
says when it stopped there, and the CSV file's name ends in "-first-5000".

CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) get a leading apostrophe; the file is UTF-8 with a byte order mark, so Excel
reads Cyrillic and Kazakh letters correctly.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

import vobject
from flask import Response, abort, current_app, render_template, request
from flask_login import current_user

from .. import search, visibility
from ..api import serialise
from ..contacts.models import Contact
from ..database import utcnow
from ..extensions import db, limiter
from ..signals import contact_details_shown
from . import bp

EXPORT_CAP = 5000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "kind",
    "id",
    "name",
    "acronym",
    "organisation",
    "role",
    "email",
    "phone",
    "country",
    "side",
    "city",
    "region",
    "type",
    "eesc_group",
    "sectors",
    "groups",
    "website",
    "verified",
    "url",
    "deadline",
)


def safe_cell(value) -> str:
    """A CSV cell that spreadsheets show as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _collect(query: search.SearchQuery) -> tuple[list[dict], int, bool]:
    """Items of every page of the search, up to EXPORT_CAP; the total, and whether capped."""
    query.with_facets = False
    query.per_page = search.MAX_PER_PAGE
    query.page = 1
    items: list[dict] = []
    shown: list = []
    total, lower_bound = 0, False
    while len(items) < EXPORT_CAP:
        result = search.search(query, current_user)
        if query.page == 1:
            total, lower_bound = result.total, result.total_is_lower_bound
        objects = [hit.obj for hit in result.items]
        items += serialise.items(objects, current_user)
        shown += [o for o in objects if hasattr(o, "visibility")]
        if len(result.items) < query.per_page:
            break
        query.page += 1
    capped = len(items) >= EXPORT_CAP and (lower_bound or total > EXPORT_CAP)
    contact_details_shown.send(current_user, contacts=shown[:EXPORT_CAP], channel="export")
    return items[:EXPORT_CAP], total, capped


def _csv(items: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        organisation = item.get("organisation")
        row = dict(item)
        row["organisation"] = organisation["name"] if organisation else None
        if item["kind"] == "opportunity":
            # A partner search post: the countries and regions it wants, its priority.
            row["country"] = item["countries"]
            row["region"] = item["regions"]
            row["groups"] = [item["priority"]] if item["priority"] else []
        writer.writerow([safe_cell(row.get(column)) for column in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # What the requester may see is theirs: no shared cache keeps it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/export.<any(csv, json):fmt>")
@limiter.limit(lambda: current_app.config.get("RATELIMIT_EXPORT", "30 per minute"))
def export(fmt: str):
    query = search.SearchQuery.from_args(request.args, strict=False)
    items, total, capped = _collect(query)
    stem = f"eukz-directory-{utcnow():%Y%m%d}" + (f"-first-{EXPORT_CAP}" if capped else "")
    if fmt == "csv":
        return _download(_csv(items), "text/csv", f"{stem}.csv")
    payload = {
        "items": items,
        "total": total,
        "exported": len(items),
        "capped": capped,
        "query": {k: request.args.getlist(k) for k in request.args if k != "page"},
    }
    body = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
    return _download(body, "application/json", f"{stem}.json")


def vcard(contact: Contact) -> str:
    """The contact as a vCard 3.0, which phones and mail programs import (vobject escapes and
    folds the lines)."""
    card = vobject.vCard()
    parts = contact.name.split()
    card.add("fn").value = contact.name
    card.add("n").value = vobject.vcard.Name(
        family=parts[-1] if len(parts) > 1 else contact.name, given=" ".join(parts[:-1])
    )
    if contact.organisation_label:
        card.add("org").value = [contact.organisation_label]
    if contact.role:
        card.add("title").value = contact.role
    if contact.email:
        card.add("email").value = contact.email
        card.email.type_param = "INTERNET"
    if contact.phone:
        card.add("tel").value = contact.phone_e164 or contact.phone
        card.tel.type_paramlist = ["WORK", "VOICE"]
    return card.serialize()


def _filename(name: str, contact_id: int) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return f"{slug or 'contact'}-{contact_id}.vcf"


@bp.get("/contacts/<int:contact_id>")
def contact_page(contact_id: int):
    """A contact's own page, with the vCard; a contact the viewer may not see is not found
    (404), as if it did not exist."""
    contact = db.session.get(Contact, contact_id)
    if contact is None or not visibility.can_see_contact_with_organisation(current_user, contact):
        abort(404)
    contact_details_shown.send(current_user, contacts=[contact], channel="contact_page")
    return render_template("directory/contact.html", contact=contact)


@bp.get("/contacts/<int:contact_id>.vcf")
def contact_vcard(contact_id: int):
    contact = db.session.get(Contact, contact_id)
    if contact is None or not visibility.can_see_contact_with_organisation(current_user, contact):
        abort(404)
    contact_details_shown.send(current_user, contacts=[contact], channel="vcard")
    return _download(
        vcard(contact).encode("utf-8"), "text/vcard", _filename(contact.name, contact.id)
    )
