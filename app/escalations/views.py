"""Escalation list, intake, page and the actions on it."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import signals
from app.accounts.models import Account
from app.audit.services import history_for
from app.auth.models import Role, User
from app.auth.permissions import (
    can_comment_escalation,
    can_manage_escalations,
    can_raise_escalation,
    can_work_escalation,
    require,
)
from app.auth.services import user_choices
from app.escalations import (
    aftercare,
    bp,
    casefile_views,
    clocks,
    cover,
    form_values,
    health_views,
    queries,
    services,
    surveys,
    threat_suggestions,
    threat_views,
)
from app.escalations.forms import (
    CustomerUpdateForm,
    EditEscalationForm,
    EscalationForm,
    FollowUpDaysForm,
    FollowUpForm,
    HandoffForm,
    NoteForm,
    OwnerForm,
    ResolveForm,
    StatusForm,
    WatchersForm,
    WidespreadForm,
    templates_json,
)
from app.escalations.labels import (
    CLOCK_STATES,
    ESCALATION_STATUS_LABELS,
    LEVEL_LABELS,
    SAVED_VIEWS,
    SEVERITY_LABELS,
    SORT_LABELS,
    language_name,
    tag_label,
    time_span,
)
from app.escalations.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Escalation,
    Handoff,
    IntakeChannel,
    Level,
    ResolutionKind,
    Status,
    ThreatSource,
)
from app.extensions import db
from app.formatting import to_minor_units
from app.forms import ConfirmForm
from app.models import DomainError, utcnow
from app.pagination import paginate_by_ids
from app.versioning import conflict_page

WORKERS = (Role.CSM, Role.AE, Role.MANAGER, Role.ADMIN)


def _load(escalation_id: int) -> Escalation:
    return queries.load(escalation_id) or abort(404)


def _back(escalation: Escalation, anchor: str = ""):
    return redirect(url_for("escalations.show", escalation_id=escalation.id) + anchor)


def _language() -> str:
    return str(get_locale() or "en")


bp.add_app_template_filter(tag_label, "tag_label")
bp.add_app_template_filter(language_name, "language_name")


@bp.get("/")
@login_required
def index():
    filters, now = queries.EscalationFilters.from_args(request.args), utcnow()
    view_counts = queries.view_counts(filters, current_user, now)
    clock_view = filters.view in queries.CLOCK_VIEWS
    many_clocks = clock_view and view_counts[filters.view] > queries.TAB_COUNT_CAP
    stmt = queries.filtered_escalations(filters, current_user, now, many_clocks=many_clocks)
    page = paginate_by_ids(
        stmt,
        Escalation,
        request.args.get("page", 1, type=int),
        *queries.LIST_OPTIONS,
        count_cap=queries.LIST_COUNT_CAP,
        count_stmt=queries.view_count(filters, current_user, now, queries.LIST_COUNT_CAP),
    )
    account = db.session.get(Account, filters.account_id) if filters.account_id else None
    # Only those who may raise one are offered the button (not an executive, say).
    may_raise = (
        can_raise_escalation(current_user, account) if account else current_user.has_role(*WORKERS)
    )
    return render_template(
        "escalations/list.html",
        page=page,
        filters=filters,
        views=SAVED_VIEWS,
        view_counts=view_counts,
        count_cap=queries.TAB_COUNT_CAP,
        row_clocks=queries.row_clocks(page.items, now),
        clock_state=CLOCK_STATES,
        time_span=time_span,
        may_raise=may_raise,
        severities=SEVERITY_LABELS,
        levels=LEVEL_LABELS,
        statuses=ESCALATION_STATUS_LABELS,
        sorts=SORT_LABELS,
        account=account,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(current_user.has_role(*WORKERS))
    form = EscalationForm()
    wanted = request.form.get("account_id") or request.args.get("account_id")
    account = form_values.account_choices(form, current_user, wanted)
    if request.method == "GET" and account is not None:
        form.account_id.data = str(account.id)
    form.currency = account.currency if account else None
    check = None
    if form.validate_on_submit() and account is not None:
        check = form_values.threat_check(form)
        if not check.needs_confirming:
            values, now = form_values.values(form, account), utcnow()
            try:
                escalation = services.raise_escalation(
                    current_user, account, values, tags=form.tag_list(), now=now
                )
            except services.LegalHoldNotAllowed as error:
                form.legal_hold.errors.append(str(error))
            else:
                threat_suggestions.record_decisions(
                    current_user, escalation, check.findings, ThreatSource.INTAKE, now
                )
                db.session.commit()
                flash(_("Escalation raised."), "success")
                return _back(escalation)
    return _new_form(form, check), 422 if form.errors else 200


def _new_form(form, check):
    account_q = (request.args.get("account_q") or "").strip()[:100]
    return render_template(
        "escalations/form.html",
        form=form,
        escalation=None,
        suggestion=check if check is not None and check.needs_confirming else None,
        tags=services.existing_tags(),
        account_q=account_q,
        account_matches=queries.search_accounts(account_q, current_user),
    )


@bp.get("/<int:escalation_id>")
@login_required
def show(escalation_id: int):
    escalation = _load(escalation_id)
    return render_template("escalations/show.html", **_page_context(escalation))


def _page_context(escalation: Escalation, **forms) -> dict:
    now = utcnow()
    templates = queries.reply_templates(_language())
    can_work = can_work_escalation(current_user, escalation)
    records = queries.page_records(escalation)
    pauses = [(pause.paused_at, pause.resumed_at) for pause in records["pauses"]]
    context = dict(
        escalation=escalation,
        clocks=clocks.views(escalation, now, pauses),
        **records,
        history=history_for("escalation", escalation.id),
        can_work=can_work,
        can_comment=can_comment_escalation(current_user, escalation),
        can_manage=can_manage_escalations(current_user),
        status_form=forms.pop("status_form", None) or _status_form(escalation),
        may_raise_level=can_work
        and escalation.is_open
        and bool(services.levels_open_to(current_user, escalation)),
        update_form=forms.pop("update_form", None) or CustomerUpdateForm(),
        note_form=forms.pop("note_form", None) or NoteForm(),
        templates_json=templates_json(templates),
        templates=templates,
        widespread=queries.approved_widespread_messages(escalation.account_id),
        sections=signals.page_sections(
            signals.escalation_page_sections, escalation, viewer=current_user
        ),
        confirm=ConfirmForm(),
        now=now,
        clock_state=lambda state: CLOCK_STATES[state],
        owner_away=cover.absence(escalation.owner, now),
    )
    context.update(_aftercare_context(escalation, can_work, forms))
    for part in (threat_views, health_views, casefile_views):
        context.update(part.page_context(escalation, current_user, forms))
    if can_work:
        watchers = forms.pop("watchers_form", None) or WatchersForm()
        watchers.watcher_ids.choices = user_choices(*WORKERS, Role.EXECUTIVE)
        if not watchers.is_submitted():
            watchers.watcher_ids.data = [str(u.id) for u in escalation.watchers]
        context["watchers_form"] = watchers
    if context["can_manage"]:
        owner = OwnerForm()
        owner.owner_id.choices = user_choices(*WORKERS)
        owner.owner_id.data = str(escalation.owner_id or "")
        context["owner_form"] = owner
    context.update(forms)
    return context


def _status_form(escalation: Escalation) -> StatusForm:
    """The status control, starting on the escalation's current status."""
    form = StatusForm(formdata=None)
    form.status.data = escalation.status.value
    return form


def _aftercare_context(escalation: Escalation, can_work: bool, forms: dict) -> dict:
    """The page's after-the-resolution panel: the check-in, closing, the post-mortem and the
    survey, with the forms of those who may use them."""
    done = escalation.status in DONE_STATUSES
    post_mortem = aftercare.post_mortem_of(escalation)
    context = dict(
        follow_up=aftercare.latest_follow_up(escalation) if done else None,
        post_mortem=post_mortem,
        needs_post_mortem=aftercare.needs_post_mortem(escalation),
        can_write_post_mortem=aftercare.can_write_post_mortem(current_user, escalation),
        close_blockers=aftercare.close_blockers(escalation) if done else [],
        close_error=forms.pop("close_error", None),
        survey=surveys.survey_of(escalation),
    )
    if can_work and escalation.status == Status.RESOLVED:
        context["follow_up_form"] = forms.pop("follow_up_form", None) or FollowUpForm()
    if can_work and escalation.status in (*OPEN_STATUSES, Status.RESOLVED):
        days = forms.pop("days_form", None)
        if days is None:
            days = FollowUpDaysForm(follow_up_days=escalation.follow_up_days, formdata=None)
        context["days_form"] = days
    return context


@bp.route("/<int:escalation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = EditEscalationForm(obj=escalation)
    del form.account_id
    form.currency = escalation.account.currency
    page = {"escalation": escalation, "suggestion": None, "tags": services.existing_tags()}
    if request.method == "GET":
        form_values.fill_form(form, escalation)
        form.confirmed.data = ""  # threats read in new text are shown once before saving
    elif form.validate_on_submit():
        if form.is_stale(escalation):
            return conflict_page("escalations/form.html", form, escalation, **page)
        check = form_values.threat_check(form, escalation)
        if check.needs_confirming:
            page["suggestion"] = check
        else:
            values, now = form_values.values(form, escalation.account, editing=True), utcnow()
            try:
                services.update_details(
                    current_user, escalation, values, tags=form.tag_list(), now=now
                )
            except services.LegalHoldNotAllowed as error:
                form.legal_hold.errors.append(str(error))
            except services.DetailsLocked as error:
                form.severity.errors.append(str(error))
            else:
                threat_suggestions.record_decisions(
                    current_user, escalation, check.findings, ThreatSource.EDIT, now
                )
                db.session.commit()
                flash(_("Escalation saved."), "success")
                return _back(escalation)
    status = 422 if form.errors else 200
    return render_template("escalations/form.html", form=form, **page), status


def _action_failed(escalation, error_form_name: str, form, status: int = 422):
    return render_template(
        "escalations/show.html", **_page_context(escalation, **{error_form_name: form})
    ), status


@bp.post("/<int:escalation_id>/status")
@login_required
def change_status(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(
                current_user, escalation, Status(form.status.data), form.reason.data or "", utcnow()
            )
        except DomainError as error:
            form.status.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Status changed."), "success")
            return _back(escalation)
    return _action_failed(escalation, "status_form", form)


@bp.route("/<int:escalation_id>/level", methods=["GET", "POST"])
@login_required
def raise_level(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = HandoffForm()
    form_values.handoff_choices(form, escalation, current_user)
    if form.validate_on_submit():
        new_owner = db.session.get(User, int(form.new_owner_id.data))
        level, handoff = Level(form.to_level.data), form_values.handoff_values(form)
        try:
            services.raise_level(current_user, escalation, level, handoff, new_owner, utcnow())
        except DomainError as error:
            form.to_level.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _("Handed off to %(name)s. They need to acknowledge it.", name=new_owner.name),
                "success",
            )
            away = cover.absence(new_owner, utcnow())  # a warning, not a refusal
            if away is not None:
                flash(away.notice(), "warning")
            return _back(escalation, "#handoffs")
    elif form.new_owner_id.errors:
        form_values.explain_inactive_owner(form, escalation, current_user)
    status = 422 if form.errors else 200
    away = cover.absence(escalation.owner, utcnow())
    page = render_template("escalations/handoff.html", form=form, escalation=escalation, away=away)
    return page, status


@bp.post("/<int:escalation_id>/handoffs/<int:handoff_id>/ack")
@login_required
def acknowledge(escalation_id: int, handoff_id: int):
    handoff = db.get_or_404(Handoff, handoff_id)
    if handoff.escalation_id != escalation_id:
        abort(404)
    require(handoff.to_owner_id == current_user.id or can_manage_escalations(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.acknowledge(current_user, handoff, utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Handoff acknowledged."), "success")
    return redirect(url_for("escalations.show", escalation_id=escalation_id) + "#handoffs")


@bp.post("/<int:escalation_id>/updates")
@login_required
def add_update(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = CustomerUpdateForm()
    if form.fill.data:  # no-script fallback for the template picker
        form.summary.data = queries.template_text(form.template_key.data, escalation, _language())
        form.summary.errors = []
        return render_template(
            "escalations/show.html", **_page_context(escalation, update_form=form)
        ), 200
    if form.validate_on_submit():
        now = utcnow()
        update = services.add_customer_update(
            current_user,
            escalation,
            channel=IntakeChannel(form.channel.data),
            summary=form.summary.data,
            template_key=form.template_key.data,
            now=now,
        )
        found = threat_suggestions.scan_update(current_user, escalation, update, now)
        db.session.commit()
        flash(_("Customer update recorded."), "success")
        threat_views.flash_found(found)
        return _back(escalation, "#threat-suggestions" if found else "#updates")
    return _action_failed(escalation, "update_form", form)


@bp.route("/<int:escalation_id>/resolve", methods=["GET", "POST"])
@login_required
def resolve(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = ResolveForm()
    unmet = casefile_views.unmet_criteria(escalation)
    if not unmet:
        del form.unmet_criteria_reason  # asked only while exit criteria are unmet
    if not form.is_submitted():
        form.survey_language.data = str(get_locale())  # the resolver's, as a start
    form.currency = escalation.account.currency
    survey_to = surveys.survey_contacts(escalation)
    contacts = form.offer_survey(
        survey_to, surveys.survey_of(escalation), aftercare.default_survey_contact(survey_to)
    )
    if form.validate_on_submit():
        concession = getattr(form, "concession_amount", None)
        contact = contacts.get(form.survey_contact_id.data)
        now = utcnow()
        try:
            services.resolve(
                current_user,
                escalation,
                kind=ResolutionKind(form.kind.data),
                summary=form.summary.data,
                concession_minor=to_minor_units(concession, form.currency)
                if concession is not None
                else None,
                now=now,
                unmet_criteria_reason=(form.unmet_criteria_reason.data or "") if unmet else "",
            )
        except DomainError as error:
            form.kind.errors.append(str(error))
        else:
            try:
                if contact is not None:
                    surveys.send_survey(
                        current_user, escalation, contact, now, form.survey_language.data
                    )
            except DomainError as error:
                db.session.rollback()  # nothing half saved: not resolved without its survey
                form.survey_contact_id.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("Escalation resolved."), "success")
                return _back(escalation)
    status = 422 if form.errors else 200
    return render_template(
        "escalations/resolve.html", form=form, escalation=escalation, unmet=unmet
    ), status


@bp.post("/<int:escalation_id>/notes")
@login_required
def add_note(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_comment_escalation(current_user, escalation))
    form = NoteForm()
    if form.validate_on_submit():
        now = utcnow()
        note = services.add_note(current_user, escalation, form.body.data, now)
        found = threat_suggestions.scan_note(current_user, escalation, note, now)
        db.session.commit()
        flash(_("Note added."), "success")
        threat_views.flash_found(found)
        return _back(escalation, "#threat-suggestions" if found else "#notes")
    return _action_failed(escalation, "note_form", form)


@bp.post("/<int:escalation_id>/watchers")
@login_required
def set_watchers(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = WatchersForm()
    form.watcher_ids.choices = user_choices(*WORKERS, Role.EXECUTIVE)
    if form.validate_on_submit():
        ids = [int(i) for i in form.watcher_ids.data]
        users = db.session.scalars(sa.select(User).where(User.id.in_(ids))).all() if ids else []
        services.set_watchers(current_user, escalation, list(users))
        db.session.commit()
        flash(_("Watchers saved."), "success")
        return _back(escalation)
    return _action_failed(escalation, "watchers_form", form)


@bp.post("/<int:escalation_id>/owner")
@login_required
def assign_owner(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_manage_escalations(current_user))
    form = OwnerForm()
    form.owner_id.choices = user_choices(*WORKERS)
    if not form.validate_on_submit():
        flash(_("Pick an owner from the list."), "error")
        return _back(escalation)
    services.assign_owner(current_user, escalation, db.session.get(User, int(form.owner_id.data)))
    db.session.commit()
    flash(_("Owner assigned."), "success")
    return _back(escalation)


@bp.route("/<int:escalation_id>/widespread", methods=["GET", "POST"])
@login_required
def widespread(escalation_id: int):
    escalation = _load(escalation_id)
    require(can_work_escalation(current_user, escalation))
    form = WidespreadForm()
    if request.method == "GET":
        form_values.fill_widespread_form(form, escalation)
    elif form.validate_on_submit():
        try:
            values = form_values.widespread_values(form)
            services.mark_widespread(current_user, escalation, **values, now=utcnow())
        except services.ApprovalNotAllowed as error:
            form.approve.errors.append(str(error))
        except DomainError as error:
            form.domains.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Widespread issue saved."), "success")
            return _back(escalation)
    status = 422 if form.errors else 200
    return render_template(
        "escalations/widespread.html",
        form=form,
        escalation=escalation,
        issue=escalation.widespread_issue,
    ), status


def account_sections(account: Account, *, viewer, **_) -> list[signals.Section]:
    """The account page's escalation buttons, widespread issues and open escalations."""
    context = {"account": account}
    sections = [
        signals.Section("actions", "escalations/_account_list_link.html", context, order=10)
    ]
    if can_raise_escalation(viewer, account):  # after the sponsorship button (order 20)
        sections.append(
            signals.Section("actions", "escalations/_account_raise.html", context, order=30)
        )
    widespread = queries.approved_widespread_messages(account.id)
    open_escalations = queries.open_escalations(account.id)
    if widespread or open_escalations:
        context = {"widespread": widespread, "open_escalations": open_escalations}
        sections.append(signals.Section("top", "escalations/_account_top.html", context))
    return sections


# The routes after the resolution, the threat suggestions, health and case file, and the
# clocks' "why this due time?" pages, on the same blueprint.
from app.escalations import aftercare_views, explain_views  # noqa: E402, F401
