"""Sponsorship pages: list, eligibility review, nomination, the sponsorship page and its
actions, program results, executives' training."""

from functools import cache
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import signals
from app.accounts.models import Account, LifecycleStatus
from app.audit.services import history_for
from app.auth.models import Role, User
from app.auth.permissions import (
    can_decide_sponsorship,
    can_nominate,
    can_plan_sponsorship,
    can_record_training,
    can_steward_sponsorship,
    require,
)
from app.auth.services import active_users, user_choices
from app.extensions import db
from app.formatting import local_today
from app.forms import ConfirmForm
from app.inputs import page_number
from app.models import DomainError, utcnow
from app.sponsorship import bp, queries, services, snapshots
from app.sponsorship.criteria import describe
from app.sponsorship.forms import (
    ApproveForm,
    CadenceForm,
    DeclineForm,
    ExitForm,
    NominationForm,
    ObjectiveForm,
    ObjectiveStatusForm,
    ReassignForm,
    TrainingForm,
    describe_cadence,
)
from app.sponsorship.labels import SPONSORSHIP_STATUS_LABELS
from app.sponsorship.models import (
    IN_PROGRAM,
    ExitReason,
    Objective,
    ObjectiveStatus,
    Sponsorship,
    SponsorshipStatus,
    SponsorshipTask,
)
from app.versioning import conflict_page


def _sponsor_choices(form) -> None:
    form.sponsor_id.choices = [("", "—")] + user_choices(Role.EXECUTIVE)


def _approval_choices(form) -> None:
    """Admins pick any executive; an executive is offered only themself, already chosen."""
    if current_user.is_admin:
        _sponsor_choices(form)
        return
    form.sponsor_id.choices = [(str(current_user.id), current_user.name)]
    form.sponsor_id.data = str(current_user.id)
    form.sponsor_id.description = _("You approve as the sponsor yourself.")


def _load(sponsorship_id: int) -> Sponsorship:
    return queries.load(sponsorship_id) or abort(404)


def _back(sponsorship: Sponsorship):
    return redirect(url_for("sponsorship.show", sponsorship_id=sponsorship.id))


@bp.get("/")
@login_required
def index():
    status = request.args.get("status", "open")
    sponsor = request.args.get("sponsor", type=int)
    stmt = queries.sponsorship_list(status, sponsor)
    page = db.paginate(
        stmt,
        page=page_number(request.args),
        per_page=queries.PER_PAGE,
        error_out=False,
        count=False,
    )
    page.total = queries.list_total(stmt)
    return render_template(
        "sponsorship/list.html",
        page=page,
        status=status,
        statuses=SPONSORSHIP_STATUS_LABELS,
        sponsor=db.session.get(User, sponsor) if sponsor else None,
        reassign=ReassignForm() if current_user.is_admin else None,
    )


@bp.get("/eligibility")
@login_required
def eligibility():
    page_no = page_number(request.args)
    review, reviewed_now = snapshots.last_review(today=local_today(), now=utcnow())
    if reviewed_now:
        db.session.commit()  # none yet, or the entry rules changed: reviewed now, and kept
    candidates = snapshots.entry_candidates(review, page_no)
    exit_review, exit_total = queries.in_exit_review()
    described = cache(lambda rule: str(describe(rule)))  # the page's rules, said once each
    return render_template(
        "sponsorship/eligibility.html",
        reasons={m.account_id: _nomination_reason(m, described) for m in candidates.matches},
        matches=candidates.matches,
        total=candidates.total,
        accounts=candidates.accounts,
        reviewed_at=candidates.reviewed_at,
        page_no=page_no,
        per_page=snapshots.PER_PAGE,
        exit_review=exit_review,
        exit_total=exit_total,
        flags=signals.flags(signals.sponsorship_flags.send(exit_review, today=local_today())),
        describe=described,
        confirm=ConfirmForm(),
        can_nominate=lambda a: can_nominate(current_user, a),
        churned=lambda a: a.status is LifecycleStatus.CHURNED,
    )


def _nomination_reason(match, described) -> str:
    """The reason a nomination from the review gives: the entry rules the account met."""
    rules = "; ".join(described(c) for c in match.criteria)
    return _("Meets the entry criteria: %(rules)s", rules=rules)


@bp.post("/eligibility/run")
@login_required
def run_review():
    require(current_user.is_admin)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = services.run_review(utcnow(), local_today(), current_user)
    db.session.commit()
    flash(
        _(
            "Review done. Candidates: %(c)d. Moved to exit review: %(m)d.",
            c=outcome["candidates"],
            m=outcome["moved"],
        ),
        "success",
    )
    return redirect(url_for("sponsorship.eligibility"))


@bp.route("/nominate/<int:account_id>", methods=["GET", "POST"])
@login_required
def nominate(account_id: int):
    account = db.get_or_404(Account, account_id)
    require(can_nominate(current_user, account))
    form = NominationForm()
    if request.method == "GET" and request.args.get("reason"):
        form.reason.data = request.args["reason"]
    if form.validate_on_submit():
        try:
            sponsorship = services.nominate(current_user, account, form.reason.data, now=utcnow())
        except DomainError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(account)s is nominated for sponsorship.", account=account.name), "success")
            return _back(sponsorship)
    status = 422 if form.errors else 200
    return render_template("sponsorship/nominate.html", form=form, account=account), status


@bp.get("/<int:sponsorship_id>")
@login_required
def show(sponsorship_id: int):
    return render_template("sponsorship/show.html", **_context(_load(sponsorship_id)))


def _context(sponsorship: Sponsorship, **forms) -> dict:
    approve = forms.pop("approve_form", None) or ApproveForm(start_on=local_today())
    reassign = forms.pop("reassign_form", None) or ReassignForm()
    # The executive pick-lists are built only for the people who see those forms.
    if sponsorship.status == SponsorshipStatus.NOMINATED and can_decide_sponsorship(current_user):
        _approval_choices(approve)
    if sponsorship.status in IN_PROGRAM and current_user.is_admin:
        _sponsor_choices(reassign)
    context = dict(
        sponsorship=sponsorship,
        now_metrics=services.account_metrics(sponsorship.account, utcnow()),
        can_decide=can_decide_sponsorship(current_user),
        can_steward=can_steward_sponsorship(current_user, sponsorship),
        can_plan=can_plan_sponsorship(current_user, sponsorship),
        approve_form=approve,
        decline_form=forms.pop("decline_form", None) or DeclineForm(),
        exit_form=forms.pop("exit_form", None) or ExitForm(exit_on=local_today()),
        reassign_form=reassign,
        objective_form=forms.pop("objective_form", None) or ObjectiveForm(),
        cadence_form=forms.pop("cadence_form", None) or _cadence_form(sponsorship),
        cadence=_cadence_summary(sponsorship),
        status_form=ObjectiveStatusForm(),
        confirm=ConfirmForm(),
        history=history_for("sponsorship", sponsorship.id),
        executives=active_users(Role.EXECUTIVE)
        if sponsorship.status == SponsorshipStatus.NOMINATED and current_user.is_admin
        else [],
    )
    context.update(forms)
    return context


def _cadence_shown(sponsorship: Sponsorship) -> SimpleNamespace:
    """The saved cadence as the cadence form shows it."""
    own = sponsorship.cadence
    return SimpleNamespace(
        version=sponsorship.version,
        follow="program" if own is None else "own",
        **{key: (own or {}).get(key) or None for key in services.CADENCE_KEYS},
    )


def _cadence_form(sponsorship: Sponsorship) -> CadenceForm:
    return CadenceForm(formdata=None, obj=_cadence_shown(sponsorship))


def _cadence_summary(sponsorship: Sponsorship) -> dict:
    """What the page says of the cadence: the one in force, the program's for the tier."""
    tier = sponsorship.account.tier
    default = (services.program().cadence_by_tier or {}).get(tier.value)
    own = sponsorship.cadence
    return {
        "own": own is not None,
        "in_force": describe_cadence(default if own is None else own),
        "program": describe_cadence(default),
        "tier": tier,
    }


def _failed(sponsorship, name: str, form):
    return render_template("sponsorship/show.html", **_context(sponsorship, **{name: form})), 422


@bp.post("/<int:sponsorship_id>/approve")
@login_required
def approve(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_decide_sponsorship(current_user))
    form = ApproveForm()
    _sponsor_choices(form)  # every executive, so that a refused pick is told why below
    if form.validate_on_submit():
        sponsor = db.session.get(User, int(form.sponsor_id.data))
        try:
            services.approve(
                current_user, sponsorship, sponsor, start_on=form.start_on.data, now=utcnow()
            )
        except services.SponsorNotEligible as error:
            form.sponsor_id.errors.extend(str(p) for p in error.problems)
        except DomainError as error:
            form.sponsor_id.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Sponsorship approved: %(name)s is the sponsor.", name=sponsor.name), "success")
            return _back(sponsorship)
    return _failed(sponsorship, "approve_form", form)


@bp.post("/<int:sponsorship_id>/decline")
@login_required
def decline(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_decide_sponsorship(current_user))
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline(current_user, sponsorship, form.decline_reason.data, utcnow())
        except DomainError as error:
            form.decline_reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Nomination declined."), "success")
            return _back(sponsorship)
    return _failed(sponsorship, "decline_form", form)


@bp.post("/<int:sponsorship_id>/exit")
@login_required
def end(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_steward_sponsorship(current_user, sponsorship))
    form = ExitForm()
    if form.validate_on_submit():
        try:
            services.end(
                current_user,
                sponsorship,
                reason=ExitReason(form.exit_reason.data),
                note=form.exit_note.data or "",
                exit_on=form.exit_on.data,
                now=utcnow(),
            )
        except DomainError as error:
            form.exit_note.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The sponsorship has ended."), "success")
            return _back(sponsorship)
    return _failed(sponsorship, "exit_form", form)


@bp.post("/<int:sponsorship_id>/continue")
@login_required
def keep(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_steward_sponsorship(current_user, sponsorship))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.keep(current_user, sponsorship, utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The sponsorship continues."), "success")
    return _back(sponsorship)


@bp.post("/<int:sponsorship_id>/sponsor")
@login_required
def reassign(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(current_user.is_admin)
    form = ReassignForm()
    _sponsor_choices(form)
    if form.validate_on_submit():
        try:
            services.reassign(
                current_user, sponsorship, db.session.get(User, int(form.sponsor_id.data)), utcnow()
            )
        except DomainError as error:
            form.sponsor_id.errors.extend(getattr(error, "problems", [str(error)]))
        else:
            db.session.commit()
            flash(_("Sponsor changed."), "success")
            return _back(sponsorship)
    return _failed(sponsorship, "reassign_form", form)


@bp.post("/<int:sponsorship_id>/cadence")
@login_required
def set_cadence(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_plan_sponsorship(current_user, sponsorship))
    form = CadenceForm(stored=_cadence_shown(sponsorship))  # a saved 5 months stays valid
    if form.validate_on_submit():
        if form.is_stale(sponsorship):
            context = _context(sponsorship, cadence_form=form)
            return conflict_page(
                "sponsorship/show.html", form, _cadence_shown(sponsorship), **context
            )
        try:
            changed = services.set_cadence(current_user, sponsorship, form.cadence())
        except DomainError as error:
            form.follow.errors.append(str(error))
        else:
            db.session.commit()
            if changed:
                flash(_("Touchpoint cadence saved; the planned touchpoints follow it."), "success")
            return redirect(url_for("sponsorship.show", sponsorship_id=sponsorship.id) + "#cadence")
    return _failed(sponsorship, "cadence_form", form)


@bp.post("/<int:sponsorship_id>/tasks/<int:task_id>")
@login_required
def tick(sponsorship_id: int, task_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_steward_sponsorship(current_user, sponsorship))
    task = db.get_or_404(SponsorshipTask, task_id)
    if task.sponsorship_id != sponsorship.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.tick(current_user, task, request.form.get("done") == "1", utcnow())
    db.session.commit()
    return redirect(url_for("sponsorship.show", sponsorship_id=sponsorship.id) + "#checklist")


@bp.post("/<int:sponsorship_id>/objectives")
@login_required
def add_objective(sponsorship_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_plan_sponsorship(current_user, sponsorship))
    form = ObjectiveForm()
    if form.validate_on_submit():
        services.add_objective(
            current_user,
            sponsorship,
            {
                "text": form.text.data.strip(),
                "metric": form.metric.data or "",
                "target": form.target.data or "",
                "due_on": form.due_on.data,
            },
        )
        db.session.commit()
        flash(_("Objective added."), "success")
        return redirect(url_for("sponsorship.show", sponsorship_id=sponsorship.id) + "#plan")
    return _failed(sponsorship, "objective_form", form)


@bp.post("/<int:sponsorship_id>/objectives/<int:objective_id>")
@login_required
def objective_status(sponsorship_id: int, objective_id: int):
    sponsorship = _load(sponsorship_id)
    require(can_plan_sponsorship(current_user, sponsorship))
    objective = db.get_or_404(Objective, objective_id)
    if objective.sponsorship_id != sponsorship.id:
        abort(404)
    form = ObjectiveStatusForm()
    if form.validate_on_submit():
        services.set_objective_status(current_user, objective, ObjectiveStatus(form.status.data))
        db.session.commit()
    else:
        flash(_("Pick a status from the list."), "error")
    return redirect(url_for("sponsorship.show", sponsorship_id=sponsorship.id) + "#plan")


@bp.get("/results")
@login_required
def program_results():
    snapshot, computed_now = snapshots.results_snapshot(utcnow(), local_today())
    if computed_now:
        db.session.commit()  # none stored yet: computed now, and kept
    report, computed_at = snapshots.figures_of(snapshot)
    return render_template(
        "sponsorship/results.html",
        report=report,
        computed_at=computed_at,
        recompute_form=ConfirmForm() if current_user.is_admin else None,
    )


@bp.post("/results/recompute")
@login_required
def recompute_results():
    require(current_user.is_admin)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    snapshots.recompute_results(current_user, utcnow(), local_today())
    db.session.commit()
    flash(_("The program results are recomputed."), "success")
    return redirect(url_for("sponsorship.program_results"))


@bp.get("/executives/<int:user_id>")
@login_required
def executive(user_id: int):
    user = db.get_or_404(User, user_id)
    if Role.EXECUTIVE not in user.roles:
        abort(404)
    form = TrainingForm(completed_on=local_today())
    settings = services.program()
    form.module.choices = [(m, m) for m in settings.required_modules]
    return _executive_page(user, form), 200


def _executive_page(user, form):
    return render_template(
        "sponsorship/executive.html",
        executive=user,
        records=queries.training_records(user),
        form=form,
        missing=services.missing_modules(user),
        problems=services.sponsor_problems(user),
        sponsorships=services.sponsorships_of(user),
        can_record=can_record_training(current_user, user),
    )


@bp.post("/executives/<int:user_id>/training")
@login_required
def record_training(user_id: int):
    user = db.get_or_404(User, user_id)
    if Role.EXECUTIVE not in user.roles:
        abort(404)
    require(can_record_training(current_user, user))
    form = TrainingForm()
    form.module.choices = [(m, m) for m in services.program().required_modules]
    if form.validate_on_submit():
        try:
            services.record_training(current_user, user, form.module.data, form.completed_on.data)
        except DomainError as error:
            form.module.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Training recorded."), "success")
            return redirect(url_for("sponsorship.executive", user_id=user.id))
    return _executive_page(user, form), 422


# What the program adds to pages of the domains below it (app/subscriptions.py).
def account_sections(account: Account, *, viewer, **_) -> signals.Section | None:
    """The account page's button: its open sponsorship, or nominate it."""
    sponsorship = services.open_sponsorship(account.id)
    nominate = can_nominate(viewer, account)
    if sponsorship is None and not nominate:
        return None
    context = {"account": account, "sponsorship": sponsorship, "can_nominate": nominate}
    return signals.Section("actions", "sponsorship/_account_action.html", context, order=20)


def escalation_sections(escalation, *, viewer, **_) -> list[signals.Section]:
    """The escalation page links the sponsorship it nominated its account for, and its case
    file names the account's executive sponsor, what is asked of them and their comments."""
    sections = [_escalation_sponsor(escalation, viewer)]
    nomination = services.nomination_by(escalation)
    if nomination is not None:
        sections.append(
            signals.Section(
                "head", "sponsorship/_escalation_nomination.html", {"nomination": nomination}
            )
        )
    return sections


def _escalation_sponsor(escalation, viewer) -> signals.Section:
    sponsorship = services.in_program(escalation.account_id)
    sponsor = sponsorship.sponsor if sponsorship is not None else None
    context = {
        "escalation": escalation,
        "sponsorship": sponsorship,
        "sponsor": sponsor,
        "viewer_is_sponsor": sponsor is not None and sponsor.id == viewer.id,
    }
    return signals.Section("sponsor", "sponsorship/_escalation_sponsor.html", context)


def user_sections(user: User, **_) -> signals.Section | None:
    """An executive's user page links their training and accounts."""
    if Role.EXECUTIVE not in user.roles:
        return None
    return signals.Section("links", "sponsorship/_user_links.html", {"user": user})
