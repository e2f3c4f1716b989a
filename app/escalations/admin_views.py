"""Admin pages of the escalation domain: SLA policies, reply templates and the health cadence
(business calendars: calendar_views.py, on the same blueprint). Every role reads them (a CSM
sees the SLA they work to); only admins change them."""

from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.audit.services import history_for
from app.auth.permissions import admin_changes
from app.escalations import health, services
from app.escalations.calendar_forms import week_rows
from app.escalations.forms import (
    HealthCadenceForm,
    ReplyTemplateForm,
    SlaPolicyForm,
    duration_as_shown,
)
from app.escalations.labels import SEVERITY_LABELS, TEMPLATE_KEYS
from app.escalations.models import Health, ReplyTemplate, Severity, SlaPolicy, WorkCalendar
from app.extensions import db
from app.formatting import hours_minutes
from app.models import utcnow
from app.versioning import conflict_page

admin_bp = Blueprint("escalation_admin", __name__, url_prefix="/admin")
SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


def _policy_as_shown(policy: SlaPolicy) -> SimpleNamespace:
    """The saved policy as its form shows it: filled in on GET, compared in a conflict."""
    return SimpleNamespace(
        version=policy.version,
        first_response=duration_as_shown(policy.first_response_minutes),
        update_interval=duration_as_shown(policy.update_interval_minutes),
        resolution=duration_as_shown(policy.resolution_minutes),
        calendar_id=policy.calendar_id,
    )


def _saved_targets(form: SlaPolicyForm, policy: SlaPolicy) -> dict[str, str]:
    """In a conflict: the saved targets that differ from what was sent, as "2 h 30 min"."""
    saved = {}
    for field in form.targets():
        minutes = getattr(policy, f"{field.name}_minutes")
        if (
            field.form.hours.errors
            or field.form.minutes.errors
            or field.form.total_minutes != minutes
        ):
            saved[field.name] = hours_minutes(minutes)
    return saved


def calendar_choices() -> list[tuple[int, str]]:
    return [
        (c.id, c.name)
        for c in db.session.scalars(sa.select(WorkCalendar).order_by(WorkCalendar.name))
    ]


@admin_bp.get("/sla-policies")
@admin_changes
def sla_policies():
    policies = sorted(
        db.session.scalars(sa.select(SlaPolicy)), key=lambda p: SEVERITY_ORDER[p.severity]
    )
    return render_template(
        "escalations/admin_policies.html",
        policies=policies,
        severities=SEVERITY_LABELS,
        cadences=health.cadences(),
    )


@admin_bp.route("/sla-policies/<int:policy_id>", methods=["GET", "POST"])
@admin_changes
def edit_sla_policy(policy_id: int):
    policy = db.get_or_404(SlaPolicy, policy_id)
    # Filled from the saved policy only on GET: a POST without the version read is stale.
    form = SlaPolicyForm(obj=_policy_as_shown(policy) if request.method == "GET" else None)
    form.calendar_id.choices = calendar_choices()
    page = {
        "policy": policy,
        "history": history_for("sla_policy", policy.id),
        "week": week_rows(policy.calendar.week),
    }
    if form.validate_on_submit():
        if form.is_stale(policy):
            shown = SimpleNamespace(version=policy.version, calendar_id=policy.calendar_id)
            saved = _saved_targets(form, policy)
            return conflict_page(
                "escalations/admin_policy_form.html", form, shown, saved_targets=saved, **page
            )
        replanned = services.save_sla_policy(current_user, policy, form.values(), utcnow())
        db.session.commit()
        flash(replanned_message(_("SLA policy saved."), replanned), "success")
        return redirect(url_for("escalation_admin.sla_policies"))
    status = 422 if form.errors else 200
    return render_template("escalations/admin_policy_form.html", form=form, **page), status


def replanned_message(saved: str, replanned: int) -> str:
    """The flash after a change that re-plans clocks: what was saved, and how many moved."""
    return " ".join(
        [
            saved,
            ngettext(
                "%(num)d running clock was re-planned: time already counted stays counted.",
                "%(num)d running clocks were re-planned: time already counted stays counted.",
                replanned,
            )
            if replanned
            else _("No running clock needed re-planning."),
        ]
    )


@admin_bp.get("/reply-templates")
@admin_changes
def reply_templates():
    templates = db.session.scalars(
        sa.select(ReplyTemplate).order_by(ReplyTemplate.key, ReplyTemplate.language)
    ).all()
    return render_template(
        "escalations/admin_templates.html", templates=templates, keys=TEMPLATE_KEYS
    )


@admin_bp.route("/reply-templates/<int:template_id>", methods=["GET", "POST"])
@admin_changes
def edit_reply_template(template_id: int):
    reply_template = db.get_or_404(ReplyTemplate, template_id)
    form = ReplyTemplateForm(obj=reply_template)
    # Not `template=`: that is render_template's own first parameter, the page to render.
    page = {
        "reply_template": reply_template,
        "history": history_for("reply_template", reply_template.id),
    }
    if form.validate_on_submit():
        if form.is_stale(reply_template):
            return conflict_page(
                "escalations/admin_template_form.html", form, reply_template, **page
            )
        services.save_reply_template(
            current_user, reply_template, name=form.name.data, body=form.body.data
        )
        db.session.commit()
        flash(_("Reply template saved."), "success")
        return redirect(url_for("escalation_admin.reply_templates"))
    status = 422 if form.errors else 200
    return render_template(
        "escalations/admin_template_form.html", form=form, keys=TEMPLATE_KEYS, **page
    ), status


def _cadences_as_shown() -> SimpleNamespace:
    """The saved cadence as its form shows it; the version is the three rows' versions."""
    rows = health.cadences()
    return SimpleNamespace(
        version="-".join(str(rows[h].version) for h in Health),
        **{f"{h.value}_hours": rows[h].update_hours for h in Health},
    )


@admin_bp.route("/escalations/health-cadence", methods=["GET", "POST"])
@admin_changes
def health_cadence():
    shown = _cadences_as_shown()
    # Filled from the saved rows only on GET: a POST without the version read is stale.
    form = HealthCadenceForm(obj=shown if request.method == "GET" else None, stored=shown)
    page = {"history": history_for("health_cadence", health.CADENCE_ENTITY_ID)}
    if form.validate_on_submit():
        if form.is_stale(shown):
            return conflict_page("escalations/admin_health_cadence.html", form, shown, **page)
        hours = {h: getattr(form, f"{h.value}_hours").data for h in Health}
        health.save_cadences(current_user, hours)
        db.session.commit()
        flash(
            _(
                "Health update cadence saved. Running health clocks keep their due time "
                "until the health changes or the next customer update."
            ),
            "success",
        )
        return redirect(url_for("escalation_admin.sla_policies") + "#health-cadence")
    status = 422 if form.errors else 200
    return render_template("escalations/admin_health_cadence.html", form=form, **page), status


# The business calendar pages add their routes to admin_bp.
from app.escalations import calendar_views  # noqa: E402, F401
