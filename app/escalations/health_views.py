"""The escalation's health (red/amber/green, driving the customer-update cadence) and trend,
with their dated history; and the admins' cadence settings."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can_work_escalation, require
from app.escalations import bp, clocks, health, queries
from app.escalations.forms import HealthForm
from app.escalations.models import ClockKind, Health, Trend
from app.extensions import db
from app.models import utcnow

ANCHOR = "#health-and-trend"  # the panel's id on the escalation page


def page_context(escalation, viewer, forms: dict) -> dict:
    """What the escalation page shows of this part (forms: the failed forms to show again)."""
    running = clocks.running(escalation, ClockKind.HEALTH_UPDATE)
    stopped = [
        c
        for c in escalation.clocks
        if c.kind == ClockKind.HEALTH_UPDATE and c.stopped_at is not None
    ]
    context = {
        "health_history": health.history(escalation),
        "health_clock": running[-1] if running else None,
        "health_previous_clock": max(stopped, key=lambda c: c.stopped_at) if stopped else None,
        "health_conflict": forms.pop("health_conflict", None),
    }
    if escalation.is_open and can_work_escalation(viewer, escalation):
        form = forms.pop("health_form", None)
        if form is None:
            form = HealthForm(formdata=None, obj=escalation)
            form.health.data = escalation.health.value if escalation.health else ""
            form.trend.data = escalation.trend.value if escalation.trend else ""
        context["health_form"] = form
    return context


@bp.post("/<int:escalation_id>/health")
@login_required
def set_health(escalation_id: int):
    escalation = queries.load(escalation_id) or abort(404)
    require(can_work_escalation(current_user, escalation))
    form = HealthForm()
    if form.validate_on_submit():
        if form.is_stale(escalation):
            return _conflict(escalation, form)
        try:
            health.set_health(
                current_user,
                escalation,
                health=Health(form.health.data),
                trend=Trend(form.trend.data),
                note=form.note.data or "",
                now=utcnow(),
            )
        except health.HealthError as error:
            db.session.rollback()
            form.health.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Health recorded."), "success")
            return redirect(url_for("escalations.show", escalation_id=escalation.id) + ANCHOR)
    return _page(escalation, form, 422)


def _conflict(escalation, form):
    """Saved on an older version of the escalation: nothing saved, the saved health shown."""
    form.version.data = escalation.version
    message = _(
        "Someone else changed this escalation while you were recording its health. Nothing "
        "was saved. The current health is shown; review it and save again."
    )
    return _page(escalation, form, 409, health_conflict=message)


def _page(escalation, form, status: int, **extra):
    from app.escalations.views import _page_context  # the page's module imports this one

    context = _page_context(escalation, health_form=form, **extra)
    return render_template("escalations/show.html", **context), status
