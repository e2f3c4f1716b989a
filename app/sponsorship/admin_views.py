"""The program's settings and entry/exit criteria: every role reads them, admins edit them."""

from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.labels import TIER_LABELS
from app.accounts.models import Tier
from app.audit.services import history_for
from app.auth.models import Role
from app.auth.permissions import admin_changes, roles_required
from app.extensions import db
from app.forms import ConfirmForm
from app.sponsorship import bp, queries, services
from app.sponsorship.criteria import describe
from app.sponsorship.forms import CriterionForm, ProgramForm
from app.sponsorship.models import Criterion, CriterionKind
from app.versioning import conflict_page

LINE_FIELDS = ("responsibilities", "success_metrics", "required_modules")
TIERS = ("strategic", "enterprise", "growth")


def _as_shown(settings) -> SimpleNamespace:
    """The saved settings as the form shows them: filled in on GET, compared in a conflict."""
    shown = {n: getattr(settings, n) for n in services.PROGRAM_FIELDS if n != "cadence_by_tier"}
    shown.update({name: "\n".join(shown[name]) for name in LINE_FIELDS})
    for tier in TIERS:
        cadence = (settings.cadence_by_tier or {}).get(tier)
        cadence = cadence if isinstance(cadence, dict) else {}
        for key in services.CADENCE_KEYS:
            months = cadence.get(key)
            shown[f"cadence_{tier}_{key}"] = months if isinstance(months, int) and months else None
    return SimpleNamespace(version=settings.version, **shown)


def _program_values(form: ProgramForm) -> dict:
    """The settings as the program stores them, from a validated form."""
    return {
        "purpose": form.purpose.data,
        **{name: form.lines(name) for name in LINE_FIELDS},
        "default_term_months": form.default_term_months.data,
        "cadence_by_tier": {
            tier: services.clean_cadence(
                {key: getattr(form, f"cadence_{tier}_{key}").data for key in services.CADENCE_KEYS}
            )
            for tier in TIERS
        },
        "coverage_strong_days": form.coverage_strong_days.data,
        "coverage_fading_days": form.coverage_fading_days.data,
        "max_active_per_executive": form.max_active_per_executive.data,
        "auto_nominate": form.auto_nominate.data,
        "entry_combination": form.entry_combination.data,
        "exit_combination": form.exit_combination.data,
    }


def _context(criterion_form) -> dict:
    return dict(
        criterion_form=criterion_form,
        criteria=queries.active_criteria(),
        describe=describe,
        settings=services.program(),
        confirm=ConfirmForm(),
        history=history_for("program", 1),
        cadence_tiers=[(tier, TIER_LABELS[Tier(tier)]) for tier in TIERS],
    )


def _page(form, criterion_form, status=200):
    return render_template(
        "sponsorship/program.html", form=form, **_context(criterion_form)
    ), status


@bp.route("/program", methods=["GET", "POST"])
@admin_changes
def program_settings():
    settings = services.program()
    form = ProgramForm(obj=_as_shown(settings))
    if form.validate_on_submit():
        if form.is_stale(settings):
            page = _context(CriterionForm(formdata=None))
            return conflict_page("sponsorship/program.html", form, _as_shown(settings), **page)
        services.save_program(current_user, settings, _program_values(form))
        db.session.commit()
        flash(_("Program settings saved."), "success")
        return redirect(url_for("sponsorship.program_settings"))
    # The rule form starts empty, not from this request's program fields.
    return _page(form, CriterionForm(formdata=None), 422 if form.errors else 200)


@bp.post("/program/criteria")
@roles_required(Role.ADMIN)
def add_criterion():
    form = CriterionForm()
    if form.validate_on_submit():
        services.add_criterion(current_user, CriterionKind(form.kind.data), form.params)
        db.session.commit()
        flash(_("Rule added."), "success")
        return redirect(url_for("sponsorship.program_settings") + "#criteria")
    # The program form shows what is saved, not this request's rule fields.
    return _page(ProgramForm(formdata=None, obj=_as_shown(services.program())), form, 422)


@bp.post("/program/criteria/<int:criterion_id>/remove")
@roles_required(Role.ADMIN)
def remove_criterion(criterion_id: int):
    criterion = db.get_or_404(Criterion, criterion_id)
    if not ConfirmForm().validate_on_submit() or not criterion.active:
        abort(400)
    services.remove_criterion(current_user, criterion)
    db.session.commit()
    flash(_("Rule removed."), "success")
    return redirect(url_for("sponsorship.program_settings") + "#criteria")
