"""The EESC contacts in the secretariat console: list, add, edit, hide, delete, import a CSV."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import EmailField, RadioField, SearchField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, Length

from ..auth.decorators import secretariat_required
from ..contacts import importing
from ..contacts import services as contact_services
from ..contacts.models import Contact, Visibility
from ..errors import domain_errors, handle_http
from ..forms import Form, required_line, strip
from ..navigation import page_number
from . import bp

PER_PAGE = 50
PREVIEW_PER_PAGE = 100

VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Public: everyone"),
    Visibility.MEMBERS: _l("Members: signed-in users of verified organisations"),
    Visibility.PRIVATE: _l("Private: only the secretariat"),
}


class ContactForm(Form):
    """An EESC contact's values, as added or edited by the secretariat."""

    name = required_line(_l("Name"), 200)
    role = StringField(_l("Role"), filters=[strip], validators=[Length(max=200)])
    organisation_name = StringField(
        _l("Organisation"),
        filters=[strip],
        default=contact_services.DEFAULT_ORGANISATION,
        validators=[Length(max=200)],
    )
    email = EmailField(_l("Email"), filters=[strip], validators=[Length(max=254)])
    phone = TelField(_l("Phone"), filters=[strip], validators=[Length(max=50)])
    visibility = RadioField(
        _l("Visibility"),
        choices=list(VISIBILITY_LABELS.items()),
        default=contact_services.DEFAULT_VISIBILITY.value,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save the contact"))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in contact_services.FIELDS}


class ContactSearchForm(Form):
    """Search the EESC contacts (a GET form, no CSRF token needed)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by name, email, role or organisation"), filters=[strip])


class ConfirmForm(Form):
    """A confirmation: a POST with its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class ImportForm(Form):
    """Upload a CSV file of contacts for a preview."""

    file = FileField(
        _l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to upload."))]
    )
    submit = SubmitField(_l("Upload and preview"))


def _upload_limit_mb() -> int:
    return max(1, (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))


@bp.get("/contacts")
@secretariat_required
def contacts():
    search = ContactSearchForm(request.args)
    listed = contact_services.list_contacts(search.q.data, page_number(), PER_PAGE)
    return render_template(
        "admin/contacts/list.html",
        search=search,
        contacts=listed.items,
        total=listed.total,
        listed=listed,
    )


@bp.route("/contacts/new", methods=["GET", "POST"])
@secretariat_required
def contact_new():
    return _contact_form(None)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@secretariat_required
def contact_edit(contact_id: int):
    return _contact_form(contact_services.get_or_404(contact_id))


def _contact_form(contact: Contact | None):
    """The form adding a contact (``contact`` None) or editing one."""
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            if contact is None:
                added = contact_services.create(form.values(), by=current_user)
                done = _("%(name)s is added to the contacts.", name=added.name)
            else:
                contact_services.update(contact, form.values(), by=current_user)
                done = _("The contact %(name)s is saved.", name=contact.name)
        except contact_services.InvalidContact as e:
            form.show(e)
        else:
            flash(done, "success")
            return redirect(url_for("admin.contacts"))
    return render_template("admin/contacts/form.html", form=form, contact=contact), form.http_status


@bp.post("/contacts/<int:contact_id>/hide")
@secretariat_required
def contact_hide(contact_id: int):
    contact = contact_services.get_or_404(contact_id)
    contact_services.hide(contact, by=current_user)
    flash(
        _("%(name)s is now private: only the secretariat sees this contact.", name=contact.name),
        "success",
    )
    return redirect(url_for("admin.contacts"))


@bp.route("/contacts/<int:contact_id>/delete", methods=["GET", "POST"])
@secretariat_required
def contact_delete(contact_id: int):
    contact = contact_services.get_or_404(contact_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = contact.name
        contact_services.delete(contact, by=current_user)
        flash(_("The contact %(name)s is deleted.", name=name), "success")
        return redirect(url_for("admin.contacts"))
    return render_template(
        "admin/contacts/delete.html",
        form=form,
        contact=contact,
        visibility_labels=VISIBILITY_LABELS,
    ), form.http_status


def _import_page(form: ImportForm, status: int = 200):
    return render_template(
        "admin/contacts/import.html",
        form=form,
        columns=importing.COLUMNS,
        limit_mb=_upload_limit_mb(),
    ), status


@bp.route("/contacts/import", methods=["GET", "POST"])
@secretariat_required
def contacts_import():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = importing.create_batch(upload.filename, upload.read(), by=current_user)
        except importing.ImportFileError as e:
            form.show(e)
        else:
            return redirect(url_for("admin.contacts_import_preview", batch_id=batch.id))
    return _import_page(form, form.http_status)


@bp.get("/contacts/imports/<int:batch_id>")
@secretariat_required
def contacts_import_preview(batch_id: int):
    batch = importing.get_batch_or_404(batch_id)
    show = request.args.get("show")
    show = show if show in importing.ACTIONS else None
    rows = [row for row in batch.rows if show is None or row["action"] == show]
    page = page_number()
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    return render_template(
        "admin/contacts/preview.html",
        batch=batch,
        form=ConfirmForm(),
        totals=importing.counts(batch.rows),
        rows=rows[(page - 1) * PREVIEW_PER_PAGE : page * PREVIEW_PER_PAGE],
        shown=len(rows),
        show=show,
        page=page,
        pages=pages,
        columns=importing.COLUMNS,
        column_of_field=importing.COLUMN_OF_FIELD,
        reason_message=importing.reason_message,
    )


@bp.post("/contacts/imports/<int:batch_id>/apply")
@secretariat_required
def contacts_import_apply(batch_id: int):
    batch = importing.get_batch_or_404(batch_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.contacts_import_preview", batch_id=batch.id))
    preview = url_for("admin.contacts_import_preview", batch_id=batch.id)
    with domain_errors(back=preview):
        totals = importing.apply_batch(batch, by=current_user)
    flash(
        _(
            "The import is applied: %(created)s, %(updated)s, %(refused)s.",
            created=ngettext(
                "%(num)d contact created", "%(num)d contacts created", totals["create"]
            ),
            updated=ngettext("%(num)d updated", "%(num)d updated", totals["update"]),
            refused=ngettext("%(num)d row refused", "%(num)d rows refused", totals["refuse"]),
        ),
        "success",
    )
    return redirect(preview)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(e: RequestEntityTooLarge):
    """A file over the upload limit: the import page says so, with the limit."""
    if request.endpoint != "admin.contacts_import" or not (
        current_user.is_authenticated and current_user.is_secretariat
    ):
        return handle_http(e)
    form = ImportForm(formdata=None)
    form.file.errors = [
        _(
            "The file is too large: upload at most %(size)d MB, or split it into several files.",
            size=_upload_limit_mb(),
        )
    ]
    return _import_page(form, 413)
