"""The signed-in user's notifications: the list, and marking them read."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import ConfirmForm
from app.inputs import as_id
from app.notifications import bp
from app.notifications import services as notifications


@bp.get("/")
@login_required
def list_notifications():
    page = notifications.recent(current_user, request.args.get("page", 1, type=int))
    return render_template("notifications/list.html", page=page)


@bp.post("/read")
@login_required
def mark_read():
    """All of the user's notifications, or the one named by `notification_id`."""
    form = ConfirmForm()
    raw_id = request.form.get("notification_id", "").strip()
    notification_id = as_id(raw_id)
    if not form.validate_on_submit() or (raw_id and notification_id is None):
        flash(_("That notification could not be marked as read. Please try again."), "error")
    else:
        notifications.mark_read(current_user, notification_id)
        db.session.commit()
    return redirect(url_for("notifications.list_notifications"))
