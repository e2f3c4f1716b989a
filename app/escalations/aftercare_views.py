"""After the resolution: the check-in's outcome and date, closing and reopening, the
post-mortem with its action items, and a person's own check-ins and action items."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.models import Role, User
from app.auth.permissions import can_work_escalation, require
from app.auth.services import user_choices
from app.escalations import aftercare, bp
from app.escalations.forms import (
    ActionItemForm,
    FollowUpDaysForm,
    FollowUpForm,
    PostMortemForm,
    ReopenForm,
)
from app.escalations.models import FollowUp, FollowUpOutcome, PostMortemAction
from app.escalations.views import _back, _load, _page_context
from app.extensions import db
from app.formatting import local_today
from app.forms import ConfirmForm
from app.inputs import as_id
from app.models import DomainError, utcnow
from app.pagination import paginate_by_ids
from app.versioning import conflict_page

PER_PAGE = 25


def _refused(escalation, message=None, **forms):
    """The escalation page again (422), with the form's errors or the refusal's reason."""
    db.session.rollback()  # nothing half saved
    context = _page_context(escalation, close_error=message, **forms)
    return render_template("escalations/show.html", **context), 422


@bp.post("/<int:escalation_id>/follow-up")
@login_required
def record_follow_up(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _refused(escalation, follow_up_form=form)
    outcome = FollowUpOutcome(form.outcome.data)
    try:
        aftercare.record_follow_up(
            current_user, escalation, outcome=outcome, note=form.note.data or "", now=utcnow()
        )
    except DomainError as error:
        return _refused(escalation, str(error))
    db.session.commit()
    if outcome == FollowUpOutcome.HELD:
        flash(_("Check-in recorded: the solution held."), "success")
    else:
        flash(
            _("Check-in recorded: the solution did not hold, so the escalation is reopened."),
            "info",
        )
    return _back(escalation, "#aftercare")


@bp.post("/<int:escalation_id>/follow-up-days")
@login_required
def set_follow_up_days(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = FollowUpDaysForm()
    if not form.validate_on_submit():
        return _refused(escalation, days_form=form)
    try:
        aftercare.set_follow_up_days(
            current_user, escalation, form.follow_up_days.data, now=utcnow()
        )
    except DomainError as error:
        return _refused(escalation, str(error))
    db.session.commit()
    flash(_("Check-in date saved."), "success")
    return _back(escalation, "#aftercare")


@bp.post("/<int:escalation_id>/close")
@login_required
def close(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        aftercare.close(current_user, escalation, utcnow())
    except DomainError as error:
        return _refused(escalation, str(error))
    db.session.commit()
    flash(_("Escalation closed."), "success")
    return _back(escalation)


@bp.route("/<int:escalation_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            aftercare.reopen(current_user, escalation, reason=form.reason.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Escalation reopened: it is being investigated again."), "success")
            return _back(escalation)
    status = 422 if form.errors else 200
    return render_template("escalations/reopen.html", form=form, escalation=escalation), status


# The post-mortem


def _post_mortem_form(post_mortem) -> PostMortemForm:
    """The form filled from the saved post-mortem (or empty, for a first one)."""
    form = PostMortemForm(formdata=None)
    form.version.data = post_mortem.version if post_mortem else ""
    for name in aftercare.POST_MORTEM_FIELDS if post_mortem else ():
        value = getattr(post_mortem, name)
        form[name].data = getattr(value, "value", value) or ""
    return form


def _action_form(formdata=True) -> ActionItemForm:
    form = ActionItemForm() if formdata else ActionItemForm(formdata=None)
    form.owner_id.choices = [("", "—"), *user_choices(*Role)]
    if not formdata:
        form.owner_id.data = str(current_user.id)
    return form


def _post_mortem_context(escalation, action_form=None, **extra) -> dict:
    """What the post-mortem page shows besides its form."""
    post_mortem = aftercare.post_mortem_of(escalation)
    can_write = aftercare.can_write_post_mortem(current_user, escalation)
    context = dict(
        escalation=escalation,
        post_mortem=post_mortem,
        can_write=can_write,
        needs_post_mortem=aftercare.needs_post_mortem(escalation),
        missing=aftercare.missing_for_completion(post_mortem)
        if post_mortem is not None and post_mortem.completed_at is None
        else [],
        actions=aftercare.actions_of(post_mortem),
        today=local_today(),
        confirm=ConfirmForm(),
        can_tick=lambda action: aftercare.can_tick_action(current_user, action),
        action_form=action_form or (_action_form(formdata=False) if can_write else None),
        conflict=None,
        current_values=None,
    )
    context.update(extra)
    return context


def _post_mortem_page(escalation, form=None, status=200, **extra):
    context = _post_mortem_context(escalation, **extra)
    form = form or _post_mortem_form(context["post_mortem"])
    return render_template("escalations/post_mortem.html", form=form, **context), status


@bp.route("/<int:escalation_id>/post-mortem", methods=["GET", "POST"])
@login_required
def post_mortem(escalation_id: int):
    escalation = _load(escalation_id)
    if request.method == "GET":  # everyone reads
        return _post_mortem_page(escalation)
    require(aftercare.can_write_post_mortem(current_user, escalation))
    form = PostMortemForm()
    if not form.validate_on_submit():
        return _post_mortem_page(escalation, form, status=422)
    saved = aftercare.post_mortem_of(escalation)
    if saved is not None and form.is_stale(saved):
        context = _post_mortem_context(escalation)
        del context["conflict"], context["current_values"]
        return conflict_page("escalations/post_mortem.html", form, saved, **context)
    complete = bool(form.complete.data)
    try:
        aftercare.save_post_mortem(
            current_user, escalation, form.values(), complete=complete, now=utcnow()
        )
    except DomainError as error:
        db.session.rollback()  # nothing half saved: the draft stays as it was
        return _post_mortem_page(escalation, form, status=422, save_error=str(error))
    db.session.commit()
    flash(_("Post-mortem completed.") if complete else _("Post-mortem saved."), "success")
    return redirect(url_for("escalations.post_mortem", escalation_id=escalation.id))


@bp.post("/<int:escalation_id>/post-mortem/actions")
@login_required
def add_action(escalation_id: int):
    escalation = _load(escalation_id)
    require(aftercare.can_write_post_mortem(current_user, escalation))
    form = _action_form()
    if not form.validate_on_submit():
        return _post_mortem_page(escalation, status=422, action_form=form)
    owner = db.session.get(User, int(form.owner_id.data))
    post_mortem = aftercare.start_post_mortem(current_user, escalation)
    aftercare.add_action(
        current_user,
        post_mortem,
        text=form.text.data,
        owner=owner,
        due_on=form.due_on.data,
        now=utcnow(),
    )
    db.session.commit()
    flash(_("Action item added."), "success")
    return redirect(url_for("escalations.post_mortem", escalation_id=escalation.id) + "#actions")


@bp.post("/<int:escalation_id>/post-mortem/actions/<int:action_id>/done")
@login_required
def tick_action(escalation_id: int, action_id: int):
    action = db.get_or_404(PostMortemAction, action_id)
    if action.post_mortem.escalation_id != escalation_id:
        abort(404)
    require(aftercare.can_tick_action(current_user, action))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    done = request.form.get("done") == "1"
    aftercare.set_action_done(current_user, action, done, utcnow())
    db.session.commit()
    flash(_("Action item done.") if done else _("Action item open again."), "success")
    if request.form.get("back") == "work":
        return redirect(url_for("escalations.work") + "#actions")
    return redirect(url_for("escalations.post_mortem", escalation_id=escalation_id) + "#actions")


# A person's own work after resolutions


@bp.get("/work")
@login_required
def work():
    follow_ups = paginate_by_ids(
        aftercare.pending_follow_ups_of(current_user.id),
        FollowUp,
        as_id(request.args.get("checkins_page")) or 1,
        *aftercare.FOLLOW_UP_OPTIONS,
        per_page=PER_PAGE,
    )
    actions = paginate_by_ids(
        aftercare.open_actions_of(current_user.id),
        PostMortemAction,
        as_id(request.args.get("actions_page")) or 1,
        *aftercare.ACTION_OPTIONS,
        per_page=PER_PAGE,
    )
    return render_template(
        "escalations/work.html",
        follow_ups=follow_ups,
        actions=actions,
        now=utcnow(),
        today=local_today(),
        confirm=ConfirmForm(),
        can_tick=lambda action: aftercare.can_tick_action(current_user, action),
    )
