"""Admin pages of the escalation domain: SLA policies and reply templates."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import services as audit
from app.audit.services import history_for
from app.auth.models import Role
from app.auth.permissions import roles_required
from app.escalations.forms import ReplyTemplateForm, SlaPolicyForm, format_hours
from app.escalations.labels import SEVERITY_LABELS, TEMPLATE_KEYS
from app.escalations.models import ReplyTemplate, Severity, SlaPolicy
from app.extensions import db
from app.versioning import stale, version_matches

admin_bp = Blueprint("escalation_admin", __name__, url_prefix="/admin")
POLICY_FIELDS = (
    "first_response_minutes",
    "update_interval_minutes",
    "resolution_minutes",
    "timezone",
    "hours",
    "holidays",
)
SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


@admin_bp.get("/sla-policies")
@roles_required(Role.ADMIN)
def sla_policies():
    policies = sorted(
        db.session.scalars(sa.select(SlaPolicy)), key=lambda p: SEVERITY_ORDER[p.severity]
    )
    return render_template(
        "escalations/admin_policies.html",
        policies=policies,
        severities=SEVERITY_LABELS,
        format_hours=format_hours,
    )


@admin_bp.route("/sla-policies/<int:policy_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_sla_policy(policy_id: int):
    policy = db.get_or_404(SlaPolicy, policy_id)
    form = SlaPolicyForm(obj=policy)
    if request.method == "GET":
        form.version.data = policy.version
        form.hours.data = format_hours(policy.hours)
        form.holidays.data = "\n".join(policy.holidays or [])
    elif form.validate_on_submit():
        if not version_matches(form, policy):
            return stale(
                "escalations/admin_policy_form.html",
                form=form,
                policy=policy,
                current=policy,
                history=history_for("sla_policy", policy.id),
            )
        for name in (
            "first_response_minutes",
            "update_interval_minutes",
            "resolution_minutes",
            "timezone",
        ):
            setattr(policy, name, getattr(form, name).data)
        policy.hours = form.parsed_hours
        policy.holidays = form.parsed_holidays
        changes = audit.pending_changes(policy, POLICY_FIELDS)
        if changes:
            audit.record(
                current_user,
                "sla_policy",
                policy.id,
                "update",
                changes=changes,
                summary=policy.severity.value,
            )
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
        policy=policy,
        history=history_for("sla_policy", policy.id),
    ), status


@admin_bp.get("/reply-templates")
@roles_required(Role.ADMIN)
def reply_templates():
    templates = db.session.scalars(
        sa.select(ReplyTemplate).order_by(ReplyTemplate.key, ReplyTemplate.language)
    ).all()
    return render_template(
        "escalations/admin_templates.html", templates=templates, keys=TEMPLATE_KEYS
    )


@admin_bp.route("/reply-templates/<int:template_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_reply_template(template_id: int):
    template = db.get_or_404(ReplyTemplate, template_id)
    form = ReplyTemplateForm(obj=template)
    if request.method == "GET":
        form.version.data = template.version
    elif form.validate_on_submit():
        if not version_matches(form, template):
            return stale(
                "escalations/admin_template_form.html",
                form=form,
                template=template,
                current=template,
                history=history_for("reply_template", template.id),
            )
        template.name, template.body = form.name.data.strip(), form.body.data
        changes = audit.pending_changes(template, ("name", "body"))
        if changes:
            audit.record(
                current_user,
                "reply_template",
                template.id,
                "update",
                changes=changes,
                summary=f"{template.key} ({template.language})",
            )
        db.session.commit()
        flash(_("Reply template saved."), "success")
        return redirect(url_for("escalation_admin.reply_templates"))
    status = 422 if form.errors else 200
    return render_template(
        "escalations/admin_template_form.html",
        form=form,
        template=template,
        history=history_for("reply_template", template.id),
    ), status
