"""Touchpoint pages: the list, scheduling and editing, the touchpoint page with its recap,
completing with next steps, cancelling, marking missed, ticking next steps, the owner's open
next steps, the prep brief; and the account page's touchpoint section."""

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time, get_timezone, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import signals
from app.accounts.models import Account
from app.auth.models import Role, User
from app.auth.permissions import require
from app.auth.services import user_choices
from app.extensions import db
from app.formatting import local_today
from app.forms import ConfirmForm
from app.inputs import as_id, page_number
from app.models import DomainError, utcnow
from app.pagination import paginate_by_ids
from app.touchpoints import (
    bp,
    labels,  # noqa: F401
    prep,
    queries,
    services,
)
from app.touchpoints.forms import (
    MAX_STEPS,
    CancelForm,
    CompleteForm,
    EditTouchpointForm,
    TouchpointForm,
    fill_choices,
    fill_from,
)
from app.touchpoints.models import ActionItem, Touchpoint, TouchpointKind, TouchpointStatus
from app.versioning import conflict_page

ALL_ROLES = tuple(Role)
SCHEDULERS = (Role.ADMIN, Role.EXECUTIVE, Role.CSM, Role.AE)  # somewhere, see can_schedule
NEW_TEMPLATE = "touchpoints/form.html"


def _load(touchpoint_id: int) -> Touchpoint:
    return queries.load(touchpoint_id) or abort(404)


def _back(touchpoint: Touchpoint, anchor: str = ""):
    return redirect(url_for("touchpoints.show", touchpoint_id=touchpoint.id) + anchor)


def _zone() -> str:
    """The user's timezone name (Flask-Babel's), stored with what they typed."""
    zone = get_timezone()
    return getattr(zone, "zone", None) or str(zone)


@bp.get("/")
@login_required
def index():
    scope = request.args.get("scope") or queries.default_scope(current_user)
    status = request.args.get("status") or "planned"
    scope = scope if scope in queries.SCOPES else "all"
    status = status if status in queries.STATUSES else "planned"
    now = utcnow()
    stmt = queries.touchpoint_list(scope, status, current_user, now)
    page = paginate_by_ids(
        stmt,
        Touchpoint,
        page_number(request.args),
        *queries.LIST_OPTIONS,
        per_page=queries.PER_PAGE,
    )
    return render_template(
        "touchpoints/list.html",
        page=page,
        scope=scope,
        status=status,
        now=now,
        open_items=queries.count_open_items(current_user.id),
        may_schedule=current_user.has_role(*SCHEDULERS),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    account_id = as_id(request.args.get("account_id"))
    if account_id is None:
        return _pick_account()
    account = db.get_or_404(Account, account_id)
    require(services.can_schedule(current_user, account))
    form = TouchpointForm()
    form.show_zone(_zone())
    sponsorships = queries.sponsorship_choices(account, None)
    fill_choices(
        form, queries.attendee_choices(account), queries.contact_choices(account), sponsorships
    )
    if request.method == "GET":
        _defaults(form, account, sponsorships)
    elif form.validate_on_submit():
        try:
            values = _values(form, account, sponsorships)
            touchpoint = services.schedule(current_user, account, **values)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Touchpoint scheduled."), "success")
            return _back(touchpoint)
    status = 422 if form.errors else 200
    return render_template(NEW_TEMPLATE, form=form, account=account, touchpoint=None), status


def _pick_account():
    """/new without an account: find the account first."""
    q = (request.args.get("q") or "").strip()[:100]
    matches = queries.schedulable_accounts(q, current_user)
    return render_template("touchpoints/pick_account.html", q=q, matches=matches)


def _defaults(form: TouchpointForm, account: Account, sponsorships) -> None:
    """A new touchpoint: tomorrow at 10:00, an hour, the sponsor and (if they may attend) the
    user, the account's open sponsorship or the one asked for."""
    tomorrow = to_user_timezone(utcnow()).date() + timedelta(days=1)
    form.starts_at.data = datetime.combine(tomorrow, time(10, 0))
    form.kind.data = TouchpointKind.EXECUTIVE_CALL.value
    wanted = as_id(request.args.get("sponsorship_id"))
    chosen = next((s for s in sponsorships if s.id == wanted), None)
    chosen = chosen or next((s for s in sponsorships if s.is_open), None)
    form.sponsorship_id.data = str(chosen.id) if chosen else ""
    offered = {value for value, _label in form.executive_ids.choices}
    attendees = [chosen.sponsor_id if chosen else None]
    if services.can_attend(current_user, account):
        attendees.append(current_user.id)
    form.executive_ids.data = [str(i) for i in attendees if i and str(i) in offered]


def _values(form: TouchpointForm, account: Account, sponsorships) -> dict:
    """What schedule/update take from a validated form (`sponsorships`: those it offered)."""
    sponsorship_id = as_id(form.sponsorship_id.data)
    return dict(
        kind=TouchpointKind(form.kind.data),
        starts_at=form.starts_at_utc(),
        timezone=_zone(),
        duration_minutes=form.duration_minutes.data,
        title=form.title.data or "",
        agenda=form.agenda.data or "",
        executives=queries.users_by_ids([int(i) for i in form.executive_ids.data]),
        contacts=queries.contacts_by_ids(account, [int(i) for i in form.contact_ids.data]),
        sponsorship=next((s for s in sponsorships if s.id == sponsorship_id), None),
    )


@bp.get("/<int:touchpoint_id>")
@login_required
def show(touchpoint_id: int):
    return render_template("touchpoints/show.html", **_page(_load(touchpoint_id)))


def _page(touchpoint: Touchpoint, **forms) -> dict:
    sponsorship = touchpoint.sponsorship
    recap = None
    if touchpoint.status is TouchpointStatus.COMPLETED:
        recap = prep.recap(
            touchpoint, sponsorship or queries.open_sponsorship(touchpoint.account_id)
        )
    return dict(
        touchpoint=touchpoint,
        now=utcnow(),
        today=local_today(),
        can_change=services.can_change(current_user, touchpoint),
        can_tick=lambda item: services.can_finish_item(current_user, item),
        cancel_form=forms.get("cancel_form") or CancelForm(),
        confirm=ConfirmForm(),
        recap=recap,
        history=queries.history(touchpoint),
        zone=_zone(),
        clock=lambda moment: format_time(moment, "short"),
    )


@bp.get("/<int:touchpoint_id>/prep")
@login_required
def prep_brief(touchpoint_id: int):
    touchpoint = _load(touchpoint_id)
    brief = prep.prep_brief(touchpoint, local_today())
    return render_template(
        "touchpoints/prep.html", brief=brief, touchpoint=touchpoint, today=local_today()
    )


@bp.route("/<int:touchpoint_id>/edit", methods=["GET", "POST"])
@login_required
def edit(touchpoint_id: int):
    touchpoint = _load(touchpoint_id)
    require(services.can_change(current_user, touchpoint))
    if touchpoint.status is not TouchpointStatus.PLANNED:
        flash(_("Only a planned touchpoint can be changed."), "error")
        return _back(touchpoint)
    account = touchpoint.account
    form = EditTouchpointForm(obj=touchpoint)
    form.show_zone(_zone())
    sponsorships = queries.sponsorship_choices(account, touchpoint.sponsorship)
    fill_choices(
        form,
        queries.attendee_choices(account, keep=touchpoint.executives),
        queries.contact_choices(account, keep=touchpoint.contacts),
        sponsorships,
    )
    page = {"account": account, "touchpoint": touchpoint}
    if request.method == "GET":
        fill_from(form, touchpoint)
    elif form.validate_on_submit():
        if form.is_stale(touchpoint):
            return conflict_page(NEW_TEMPLATE, form, touchpoint, **page)
        try:
            _update(form, touchpoint, sponsorships)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Touchpoint saved."), "success")
            return _back(touchpoint)
    return render_template(NEW_TEMPLATE, form=form, **page), 422 if form.errors else 200


def _update(form: EditTouchpointForm, touchpoint: Touchpoint, sponsorships) -> None:
    values = _values(form, touchpoint.account, sponsorships)
    executives, contacts = values.pop("executives"), values.pop("contacts")
    sponsorship = values["sponsorship"]
    values["sponsorship_id"] = sponsorship.id if sponsorship else None
    services.update(current_user, touchpoint, values, executives=executives, contacts=contacts)


@bp.route("/<int:touchpoint_id>/complete", methods=["GET", "POST"])
@login_required
def complete(touchpoint_id: int):
    touchpoint = _load(touchpoint_id)
    require(services.can_change(current_user, touchpoint))
    if touchpoint.status not in (TouchpointStatus.PLANNED, TouchpointStatus.MISSED):
        flash(_("This touchpoint is already completed or cancelled."), "error")
        return _back(touchpoint)
    form = CompleteForm()
    owners = user_choices(*ALL_ROLES)
    form.set_owner_choices(owners)
    if request.method == "GET" and str(current_user.id) in dict(owners):
        form.prefill(current_user.id, local_today() + timedelta(days=7))
    if form.validate_on_submit():
        try:
            services.complete(current_user, touchpoint, form.outcome.data, _next_steps(form))
        except DomainError as error:
            form.outcome.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Outcome recorded: the next steps are on their owners' lists."), "success")
            return _back(touchpoint, "#recap")
    status = 422 if request.method == "POST" else 200
    page = {"form": form, "touchpoint": touchpoint, "max_steps": MAX_STEPS}
    return render_template("touchpoints/complete.html", **page), status


def _next_steps(form: CompleteForm) -> list[services.NextStep]:
    rows = form.complete_rows()
    owners = {u.id: u for u in queries.users_by_ids([int(r.owner_id.data) for r in rows])}
    return [
        services.NextStep(r.text.data, owners[int(r.owner_id.data)], r.due_on.data) for r in rows
    ]


@bp.post("/<int:touchpoint_id>/cancel")
@login_required
def cancel(touchpoint_id: int):
    touchpoint = _load(touchpoint_id)
    require(services.can_change(current_user, touchpoint))
    if touchpoint.status is not TouchpointStatus.PLANNED:
        flash(_("Only a planned touchpoint can be cancelled."), "error")
        return _back(touchpoint)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_template("touchpoints/show.html", **_page(touchpoint, cancel_form=form)), 422
    services.cancel(current_user, touchpoint, form.reason.data)
    db.session.commit()
    flash(_("Touchpoint cancelled."), "success")
    return _back(touchpoint)


@bp.post("/<int:touchpoint_id>/missed")
@login_required
def missed(touchpoint_id: int):
    touchpoint = _load(touchpoint_id)
    require(services.can_change(current_user, touchpoint))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.mark_missed(current_user, touchpoint, utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Touchpoint marked missed."), "success")
    return _back(touchpoint)


@bp.post("/items/<int:item_id>/done")
@login_required
def finish_item(item_id: int):
    item = queries.load_item(item_id) or abort(404)
    require(services.can_finish_item(current_user, item))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.finish_item(current_user, item, done=request.form.get("done") == "1")
    db.session.commit()
    if request.form.get("back") == "actions":
        owner = as_id(request.form.get("owner"))
        return redirect(url_for("touchpoints.actions", owner=owner) + f"#item-{item.id}")
    return _back(item.touchpoint, "#next-steps")


@bp.get("/actions")
@login_required
def actions():
    owner_id = as_id(request.args.get("owner")) or current_user.id  # everyone reads everything
    owner = db.get_or_404(User, owner_id)
    page = paginate_by_ids(
        queries.open_items(owner.id),
        ActionItem,
        page_number(request.args),
        *queries.ITEM_OPTIONS,
        per_page=queries.PER_PAGE,
    )
    return render_template(
        "touchpoints/actions.html",
        page=page,
        owner=owner,
        today=local_today(),
        confirm=ConfirmForm(),
        can_tick=lambda item: services.can_finish_item(current_user, item),
    )


# What touchpoints add to pages of the domains below them (app/subscriptions.py).
def account_sections(account: Account, *, viewer, **_) -> signals.Section:
    """The account page's touchpoints, with "Schedule a touchpoint" for those who may."""
    now = utcnow()
    context = {
        "account": account,
        "now": now,
        "may_schedule": services.can_schedule(viewer, account),
        **queries.account_touchpoints(account.id, now),
    }
    return signals.Section("top", "touchpoints/_account_top.html", context, order=60)
