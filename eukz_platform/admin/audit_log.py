"""The audit log, searchable and filterable. Read only: no route edits or deletes an entry."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from ..audit import AuditEntry
from ..auth.decorators import secretariat_required
from ..extensions import db
from ..forms import Form, lower
from ..navigation import page_number
from . import bp
from .organisations import contains

PER_PAGE = 50


class AuditFilterForm(Form):
    """Filters of the audit log; read from the query string."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Who (email)"), filters=[lower], validators=[Length(max=254)])
    target_type = SelectField(_l("Kind of record"), validators=[Optional()])
    target_id = IntegerField(_l("Record number"), validators=[Optional(), NumberRange(min=1)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _l("Any"))]
        self.action.choices = anything + [(a, a) for a in _distinct(AuditEntry.action)]
        self.target_type.choices = anything + [(t, t) for t in _distinct(AuditEntry.target_type)]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))

    def filters(self) -> dict:
        names = ("action", "actor", "target_type", "target_id", "date_from", "date_to")
        return {name: self[name].data for name in names if self[name].data}


def _distinct(column) -> list[str]:
    return list(db.session.scalars(select(column).distinct().order_by(column)))


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_entries(filters: dict, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """Audit entries matching the filters, newest first; dates are whole days in UTC."""
    conditions = []
    if "action" in filters:
        conditions.append(AuditEntry.action == filters["action"])
    if "actor" in filters:
        conditions.append(
            func.lower(AuditEntry.actor_email).like(contains(filters["actor"]), escape="\\")
        )
    if "target_type" in filters:
        conditions.append(AuditEntry.target_type == filters["target_type"])
    if "target_id" in filters:
        conditions.append(AuditEntry.target_id == filters["target_id"])
    if "date_from" in filters:
        conditions.append(AuditEntry.at >= _start_of(filters["date_from"]))
    if "date_to" in filters:
        conditions.append(AuditEntry.at < _start_of(filters["date_to"] + timedelta(days=1)))
    return db.paginate(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


@bp.get("/audit")
@secretariat_required
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("admin/audit/index.html", form=form, entries=None, args={}), 400
    filters = form.filters()
    args = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}
    return render_template(
        "admin/audit/index.html",
        form=form,
        entries=search_entries(filters, page_number()),
        args=args,
    )
