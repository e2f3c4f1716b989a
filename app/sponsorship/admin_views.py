"""The program's settings and entry/exit criteria: every role reads them, admins edit them."""

from types import SimpleNamespace

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import services as audit
from app.audit.services import history_for
from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.auth.permissions import admin_changes, roles_required
from app.extensions import db
from app.sponsorship import bp
from app.sponsorship.forms import CriterionForm, ProgramForm
from app.sponsorship.labels import ENTRY_KINDS
from app.sponsorship.models import Criterion, CriterionKind, CriterionSide
from app.sponsorship.services import program
from app.versioning import stale, version_matches

PROGRAM_FIELDS = (
    "purpose",
    "responsibilities",
    "success_metrics",
    "default_term_months",
    "cadence_by_tier",
    "required_modules",
    "max_active_per_executive",
    "auto_nominate",
    "entry_combination",
    "exit_combination",
)


LINE_FIELDS = ("responsibilities", "success_metrics", "required_modules")
TIERS = ("strategic", "enterprise", "growth")


def _as_shown(settings) -> SimpleNamespace:
    """The saved settings as the form shows them: filled in on GET, compared in a conflict."""
    shown = {name: getattr(settings, name) for name in PROGRAM_FIELDS if name != "cadence_by_tier"}
    shown.update({name: "\n".join(shown[name]) for name in LINE_FIELDS})
    shown.update({f"cadence_{t}": settings.cadence_by_tier.get(t, "") for t in TIERS})
    return SimpleNamespace(version=settings.version, **shown)


def _criteria():
    return db.session.scalars(
        sa.select(Criterion)
        .where(Criterion.active.is_(True))
        .order_by(Criterion.side, Criterion.id)
    ).all()


def _context(criterion_form) -> dict:
    from app.sponsorship.criteria import describe

    return dict(
        criterion_form=criterion_form,
        criteria=_criteria(),
        describe=describe,
        settings=program(),
        confirm=ConfirmForm(),
        history=history_for("program", 1),
    )


def _page(form, criterion_form, status=200):
    return render_template(
        "sponsorship/program.html", form=form, **_context(criterion_form)
    ), status


@bp.route("/program", methods=["GET", "POST"])
@admin_changes
def program_settings():
    settings = program()
    form = ProgramForm(obj=_as_shown(settings))
    if form.validate_on_submit():
        if not version_matches(form, settings):
            return stale(
                "sponsorship/program.html",
                form=form,
                current=_as_shown(settings),
                **_context(CriterionForm()),
            )
        settings.purpose = form.purpose.data
        for name in LINE_FIELDS:
            setattr(settings, name, form.lines(name))
        settings.default_term_months = form.default_term_months.data
        settings.cadence_by_tier = {t: getattr(form, f"cadence_{t}").data or "" for t in TIERS}
        settings.max_active_per_executive = form.max_active_per_executive.data
        settings.auto_nominate = form.auto_nominate.data
        settings.entry_combination = form.entry_combination.data
        settings.exit_combination = form.exit_combination.data
        changes = audit.pending_changes(settings, PROGRAM_FIELDS)
        if changes:
            audit.record(
                current_user, "program", 1, "update", changes=changes, summary="program settings"
            )
        db.session.commit()
        flash(_("Program settings saved."), "success")
        return redirect(url_for("sponsorship.program_settings"))
    return _page(form, CriterionForm(), 422 if form.errors else 200)


@bp.post("/program/criteria")
@roles_required(Role.ADMIN)
def add_criterion():
    form = CriterionForm()
    if form.validate_on_submit():
        kind = CriterionKind(form.kind.data)
        side = CriterionSide.ENTRY if kind in ENTRY_KINDS else CriterionSide.EXIT
        criterion = Criterion(side=side, kind=kind, params=form.params)
        db.session.add(criterion)
        db.session.flush()
        audit.record(
            current_user,
            "program",
            1,
            "criterion",
            changes={"rule": [None, f"{side.value}: {kind.value} {form.params}"]},
            summary="criteria",
        )
        db.session.commit()
        flash(_("Rule added."), "success")
        return redirect(url_for("sponsorship.program_settings") + "#criteria")
    # The program form shows what is saved, not this request's rule fields.
    return _page(ProgramForm(formdata=None, obj=_as_shown(program())), form, 422)


@bp.post("/program/criteria/<int:criterion_id>/remove")
@roles_required(Role.ADMIN)
def remove_criterion(criterion_id: int):
    criterion = db.get_or_404(Criterion, criterion_id)
    if not ConfirmForm().validate_on_submit() or not criterion.active:
        abort(400)
    criterion.active = False
    audit.record(
        current_user,
        "program",
        1,
        "criterion",
        changes={
            "rule": [f"{criterion.side.value}: {criterion.kind.value} {criterion.params}", None]
        },
        summary="criteria",
    )
    db.session.commit()
    flash(_("Rule removed."), "success")
    return redirect(url_for("sponsorship.program_settings") + "#criteria")
