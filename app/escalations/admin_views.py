"""Admin pages of the escalation domain: SLA policies and reply templates. Every role reads
them (a CSM sees the SLA they work to); only admins change them."""

from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app.audit.services import history_for
from app.auth.permissions import admin_changes
from app.escalations import health, services
from app.escalations.forms import (
    HealthCadenceForm,
    ReplyTemplateForm,
    SlaPolicyForm,
    format_hours,
)
from app.escalations.labels import SEVERITY_LABELS, TEMPLATE_KEYS
from app.escalations.models import Health, ReplyTemplate, Severity, SlaPolicy
from app.extensions import db
from app.versioning import conflict_page

admin_bp = Blueprint("escalation_admin", __name__, url_prefix="/admin")
SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


def _policy_as_shown(policy: SlaPolicy) -> SimpleNamespace:
    """The saved policy as its form shows it: filled in on GET, compared in a conflict."""
    return SimpleNamespace(
        version=policy.version,
        first_response_minutes=policy.first_response_minutes,
        update_interval_minutes=policy.update_interval_minutes,
        resolution_minutes=policy.resolution_minutes,
        timezone=policy.timezone,
        hours=format_hours(policy.hours),
        holidays="\n".join(policy.holidays or []),
    )


def _business_week(policy: SlaPolicy) -> list[tuple[str, list | None]]:
    """(weekday name in the reader's language, opening hours or None), Monday first."""
    monday = date(2024, 1, 1)
    return [
        (format_date(monday + timedelta(days=n), "EEEE"), hours)
        for n, hours in enumerate(policy.hours)
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
        format_hours=format_hours,
        cadences=health.cadences(),
    )


@admin_bp.route("/sla-policies/<int:policy_id>", methods=["GET", "POST"])
@admin_changes
def edit_sla_policy(policy_id: int):
    policy = db.get_or_404(SlaPolicy, policy_id)
    form = SlaPolicyForm(obj=_policy_as_shown(policy))
    page = {"policy": policy, "history": history_for("sla_policy", policy.id)}
    if form.validate_on_submit():
        if form.is_stale(policy):
            shown = _policy_as_shown(policy)
            return conflict_page("escalations/admin_policy_form.html", form, shown, **page)
        services.save_sla_policy(current_user, policy, _policy_values(form))
        db.session.commit()
        flash(
            _(
                "SLA policy saved. It applies to clocks started from now on and to "
                "escalations whose severity changes."
            ),
            "success",
        )
        return redirect(url_for("escalation_admin.sla_policies"))
    status = 422 if form.errors else 200
    return render_template(
        "escalations/admin_policy_form.html",
        form=form,
        business_week=_business_week(policy),
        **page,
    ), status


def _policy_values(form: SlaPolicyForm) -> dict:
    return {
        "first_response_minutes": form.first_response_minutes.data,
        "update_interval_minutes": form.update_interval_minutes.data,
        "resolution_minutes": form.resolution_minutes.data,
        "timezone": form.timezone.data,
        "hours": form.parsed_hours,
        "holidays": form.parsed_holidays,
    }


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
    form = HealthCadenceForm(obj=shown if request.method == "GET" else None)
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
