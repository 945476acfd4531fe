"""Mail that could not be sent: the secretariat sees to whom it was going and sends it again."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import mail_queue
from ..auth.decorators import secretariat_required
from ..errors import domain_errors
from ..extensions import db
from . import bp


@bp.get("/failed-mail")
@secretariat_required
def failed_mail():
    return render_template(
        "admin/failed_mail.html",
        mails=mail_queue.failed_mails(),
        queued=mail_queue.enabled(),
        waiting=mail_queue.length(),
    )


@bp.post("/failed-mail/<int:mail_id>/send-again")
@secretariat_required
def failed_mail_send_again(mail_id: int):
    failed = db.get_or_404(mail_queue.FailedMail, mail_id)
    back = url_for("admin.failed_mail")
    with domain_errors(back=back):
        if mail_queue.send_again(failed, by=current_user):
            flash(_("The mail is being sent again."), "success")
        else:
            flash(_("The mail could not be sent again; it is listed once more."), "error")
    return redirect(back)
