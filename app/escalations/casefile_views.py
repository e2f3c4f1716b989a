"""The escalation case file: exit criteria agreed with the customer, the decision log and the
roster of people working it, and what is asked of the account's executive sponsor (the
sponsorship domain shows the sponsor and the ask in the page's "sponsor" slot; the ask's form,
the sponsor's comments and the comment form follow it here)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.auth.permissions import can_comment_escalation, can_work_escalation, require
from app.auth.services import user_choices
from app.escalations import bp, casefile, queries, threat_suggestions, threat_views

# unmet_criteria: the resolve page (views.py) lists them.
from app.escalations.casefile import ROLE_SUGGESTIONS, unmet_criteria  # noqa: F401
from app.escalations.forms import (
    CriterionChangeForm,
    DecisionForm,
    ExitCriterionForm,
    RosterForm,
    SponsorAskForm,
    SponsorCommentForm,
)
from app.escalations.models import (
    DONE_STATUSES,
    Escalation,
    EscalationNote,
    ExitCriterion,
    RosterEntry,
    Status,
)
from app.extensions import db
from app.forms import ConfirmForm
from app.models import DomainError, utcnow

FORMS = ("criterion_form", "decision_form", "roster_form", "sponsor_ask_form", "comment_form")


def page_context(escalation, viewer, forms: dict) -> dict:
    """What the escalation page shows of this part (forms: the failed forms to show again)."""
    criteria = casefile.criteria_of(escalation)
    sponsor = casefile.sponsor_of(escalation)
    closed = escalation.status == Status.CLOSED
    context = dict(
        exit_criteria=criteria,
        criteria_met=sum(1 for c in criteria if c.met_at is not None),
        decisions=casefile.decisions_of(escalation),
        roster=casefile.roster_of(escalation),
        role_suggestions=ROLE_SUGGESTIONS,
        case_file_error=forms.pop("case_file_error", None),
        case_sponsor=sponsor,
        case_file_closed=closed,
        # A reopened escalation is no longer "resolved with criteria unmet".
        unmet_reason_shown=escalation.status in DONE_STATUSES,
        criterion_change_form=CriterionChangeForm(formdata=None),
    )
    failed = {name: forms.pop(name, None) for name in FORMS}
    may_comment = can_comment_escalation(viewer, escalation)
    if not closed and can_work_escalation(viewer, escalation):
        context.update(_work_forms(escalation, failed))
    if not closed and may_comment:
        context["decision_form"] = _decision_form(viewer, failed["decision_form"])
    if sponsor is not None:
        if may_comment:
            context["comment_form"] = failed["comment_form"] or SponsorCommentForm(formdata=None)
        # The sponsor's own notes are shown in the sponsor's section, the rest in the Notes.
        context["sponsor_notes"], context["notes"] = _notes_split(escalation, sponsor)
    return context


def _decision_form(viewer, failed: DecisionForm | None) -> DecisionForm:
    if failed is not None:
        return failed
    decision = DecisionForm(formdata=None)
    decision.decided_by.data = viewer.name
    decided_at = to_user_timezone(utcnow()).replace(second=0, microsecond=0)
    decision.decided_at.data = decided_at.replace(tzinfo=None)
    return decision


def _work_forms(escalation: Escalation, failed: dict) -> dict:
    forms = {}
    forms["criterion_form"] = failed["criterion_form"] or ExitCriterionForm(formdata=None)
    roster = failed["roster_form"] or RosterForm(formdata=None)
    roster.user_id.choices = [("", "—"), *user_choices(*Role)]
    forms["roster_form"] = roster
    ask = failed["sponsor_ask_form"]
    if ask is None:
        ask = SponsorAskForm(formdata=None, sponsor_ask=escalation.sponsor_ask)
        ask.version.data = escalation.version
    forms["sponsor_ask_form"] = ask
    return forms


def _notes_split(escalation: Escalation, author) -> tuple[list, list]:
    """The escalation's notes, newest first: (the author's, everyone else's)."""
    notes = db.session.scalars(
        sa.select(EscalationNote)
        .where(EscalationNote.escalation_id == escalation.id)
        .options(selectinload(EscalationNote.author))
        .order_by(EscalationNote.created_at.desc())
    ).all()
    theirs = [n for n in notes if n.author_id == author.id]
    return theirs, [n for n in notes if n.author_id != author.id]


def _load_worked(escalation_id: int, may=can_work_escalation) -> Escalation:
    escalation = queries.load(escalation_id) or abort(404)
    require(may(current_user, escalation))
    return escalation


def _record_of(model, record_id: int, escalation: Escalation):
    """A row of the escalation's case file; another escalation's is not found."""
    record = db.get_or_404(model, record_id)
    if record.escalation_id != escalation.id:
        abort(404)
    return record


def _back(escalation: Escalation, anchor: str):
    return redirect(url_for("escalations.show", escalation_id=escalation.id) + anchor)


def _refused(escalation: Escalation, status: int = 422, **forms):
    """The escalation page again, with the form's errors (422) or a conflict (409); nothing
    of the attempt is saved."""
    from app.escalations.views import _page_context  # the page's module imports this one

    db.session.rollback()
    db.session.refresh(escalation)
    context = _page_context(escalation, **forms)
    return render_template("escalations/show.html", **context), status


def _stale(escalation: Escalation):
    message = _(
        "Someone else changed this while you were looking at it. Nothing was saved. "
        "The page now shows the current state; check it and try again."
    )
    return _refused(escalation, 409, case_file_error=message)


def _repeated(escalation: Escalation, error: casefile.AlreadyRecorded, anchor: str):
    """A double submission: the first one was recorded, say so and show it."""
    db.session.rollback()
    flash(str(error), "info")
    return _back(escalation, anchor)


# Exit criteria


@bp.post("/<int:escalation_id>/exit-criteria")
@login_required
def add_exit_criterion(escalation_id: int):
    escalation = _load_worked(escalation_id)
    form = ExitCriterionForm()
    if not form.validate_on_submit():
        return _refused(escalation, criterion_form=form)
    try:
        casefile.add_exit_criterion(current_user, escalation, form.text.data.strip(), utcnow())
    except casefile.AlreadyRecorded as error:
        return _repeated(escalation, error, "#exit-criteria")
    except DomainError as error:
        form.text.errors.append(str(error))
        return _refused(escalation, criterion_form=form)
    db.session.commit()
    flash(_("Exit criterion added."), "success")
    return _back(escalation, "#exit-criteria")


def _change_criterion(escalation_id: int, exit_criterion_id: int, change, done: str):
    """Tick, untick or remove one exit criterion of the escalation: `change(escalation,
    criterion)` is the service call, `done` the message after it."""
    escalation = _load_worked(escalation_id)
    criterion = _record_of(ExitCriterion, exit_criterion_id, escalation)
    form = CriterionChangeForm()
    if not form.validate_on_submit():
        abort(400)
    if form.is_stale(criterion):
        return _stale(escalation)
    try:
        change(escalation, criterion)
    except DomainError as error:
        return _refused(escalation, case_file_error=str(error))
    db.session.commit()
    flash(done, "success")
    return _back(escalation, "#exit-criteria")


@bp.post("/<int:escalation_id>/exit-criteria/<int:exit_criterion_id>/met")
@login_required
def criterion_met(escalation_id: int, exit_criterion_id: int):
    return _change_criterion(
        escalation_id,
        exit_criterion_id,
        lambda e, c: casefile.set_criterion_met(current_user, e, c, True, utcnow()),
        _("Exit criterion met."),
    )


@bp.post("/<int:escalation_id>/exit-criteria/<int:exit_criterion_id>/unmet")
@login_required
def criterion_unmet(escalation_id: int, exit_criterion_id: int):
    return _change_criterion(
        escalation_id,
        exit_criterion_id,
        lambda e, c: casefile.set_criterion_met(current_user, e, c, False, utcnow()),
        _("Exit criterion marked as not met."),
    )


@bp.post("/<int:escalation_id>/exit-criteria/<int:exit_criterion_id>/remove")
@login_required
def remove_exit_criterion(escalation_id: int, exit_criterion_id: int):
    return _change_criterion(
        escalation_id,
        exit_criterion_id,
        lambda e, c: casefile.remove_exit_criterion(current_user, e, c, utcnow()),
        _("Exit criterion removed."),
    )


# The decision log


@bp.post("/<int:escalation_id>/decisions")
@login_required
def log_decision(escalation_id: int):
    escalation = _load_worked(escalation_id, can_comment_escalation)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _refused(escalation, decision_form=form)
    try:
        casefile.log_decision(
            current_user,
            escalation,
            decision=form.decision.data.strip(),
            decided_by=form.decided_by.data.strip(),
            decided_at=form.decided_at_utc(),
            rationale=(form.rationale.data or "").strip(),
            now=utcnow(),
        )
    except casefile.AlreadyRecorded as error:
        return _repeated(escalation, error, "#decisions")
    except DomainError as error:
        return _refused(escalation, case_file_error=str(error))
    db.session.commit()
    flash(_("Decision logged."), "success")
    return _back(escalation, "#decisions")


# The roster


@bp.post("/<int:escalation_id>/roster")
@login_required
def add_to_roster(escalation_id: int):
    escalation = _load_worked(escalation_id)
    form = RosterForm()
    form.user_id.choices = [("", "—"), *user_choices(*Role)]
    if not form.validate_on_submit():
        return _refused(escalation, roster_form=form)
    user = db.session.get(User, int(form.user_id.data))
    try:
        casefile.add_to_roster(current_user, escalation, user, form.role.data.strip(), utcnow())
    except casefile.AlreadyOnRoster as error:
        form.user_id.errors.append(str(error))
        return _refused(escalation, roster_form=form)
    except DomainError as error:
        return _refused(escalation, case_file_error=str(error))
    db.session.commit()
    flash(_("%(name)s added to the roster.", name=user.name), "success")
    return _back(escalation, "#roster")


@bp.post("/<int:escalation_id>/roster/<int:roster_id>/leave")
@login_required
def leave_roster(escalation_id: int, roster_id: int):
    escalation = _load_worked(escalation_id)
    entry = _record_of(RosterEntry, roster_id, escalation)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        casefile.leave_roster(current_user, escalation, entry, utcnow())
    except DomainError as error:
        return _refused(escalation, case_file_error=str(error))
    db.session.commit()
    flash(_("%(name)s has left the roster.", name=entry.user.name), "success")
    return _back(escalation, "#roster")


# The executive sponsor


@bp.post("/<int:escalation_id>/sponsor-ask")
@login_required
def set_sponsor_ask(escalation_id: int):
    escalation = _load_worked(escalation_id)
    form = SponsorAskForm()
    if not form.validate_on_submit():
        return _refused(escalation, sponsor_ask_form=form)
    if form.is_stale(escalation):
        # As versioning.conflict_page does: keep what was typed, on the current version.
        form.version.data = escalation.version
        message = _(
            "Someone else changed the escalation while you were writing the ask. Nothing was "
            "saved. The saved ask is shown above your text; check it and save again."
        )
        return _refused(escalation, 409, sponsor_ask_form=form, case_file_error=message)
    ask = (form.sponsor_ask.data or "").replace("\r\n", "\n").strip()
    try:
        casefile.set_sponsor_ask(current_user, escalation, ask, utcnow())
    except DomainError as error:
        return _refused(escalation, case_file_error=str(error))
    db.session.commit()
    flash(_("The ask of the executive sponsor is saved."), "success")
    return _back(escalation, "#sponsor")


@bp.post("/<int:escalation_id>/sponsor-comment")
@login_required
def sponsor_comment(escalation_id: int):
    escalation = _load_worked(escalation_id, can_comment_escalation)
    if casefile.sponsor_of(escalation) is None:
        abort(404)  # the comment form is the sponsor section's, shown only with a sponsor
    form = SponsorCommentForm()
    if not form.validate_on_submit():
        return _refused(escalation, comment_form=form)
    now = utcnow()
    try:
        note = casefile.add_sponsor_comment(
            current_user, escalation, form.comment.data.strip(), now
        )
    except casefile.AlreadyRecorded as error:
        return _repeated(escalation, error, "#sponsor")
    # A sponsor's comment is a note: a threat in it is suggested to the owner like any note's.
    found = threat_suggestions.scan_note(current_user, escalation, note, now)
    db.session.commit()
    flash(_("Comment added."), "success")
    threat_views.flash_found(found)
    return _back(escalation, "#threat-suggestions" if found else "#sponsor")
