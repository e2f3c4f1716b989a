"""Sign-in, sign-out, profile, and user administration."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from babel.dates import get_day_names
from babel.lists import format_list
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from app import signals
from app.audit.services import history_for
from app.auth import bp
from app.auth import services as users
from app.auth.forms import LoginForm, NewUserForm, ProfileForm, UserForm
from app.auth.models import Role, User
from app.auth.permissions import admin_changes, roles_required
from app.extensions import db
from app.forms import ConfirmForm
from app.inputs import page_number
from app.models import DomainError, contains, utcnow
from app.notifications import working_hours
from app.versioning import conflict_page


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                form.email.data, form.password.data, request.remote_addr or "-"
            )
        except users.LoginLocked as locked:
            db.session.commit()
            flash(
                ngettext(
                    "Too many failed sign-ins. Try again in %(num)d minute.",
                    "Too many failed sign-ins. Try again in %(num)d minutes.",
                    locked.minutes,
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        if user is None:
            db.session.commit()  # the failed attempt counts towards the throttle
            flash(_("The e-mail or password is incorrect."), "error")
            return render_template("auth/login.html", form=form), 200
        users.start_session(
            user, remember=form.remember.data, ip_address=request.remote_addr or "-"
        )
        db.session.commit()
        next_url = _safe_next(request.args.get("next"))
        session.clear()  # a fresh session at sign-in: no fixation
        login_user(user, remember=form.remember.data)
        return redirect(next_url)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    users.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or ""
    elif form.validate_on_submit():
        if form.is_stale(user):
            return conflict_page("auth/profile.html", form, user, **_profile_page(user))
        if form.new_password.data and not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("That is not your current password."))
            return render_template("auth/profile.html", form=form, **_profile_page(user)), 422
        users.update_user(
            user,
            user,
            name=form.name.data,
            locale=form.locale.data,
            timezone=form.timezone.data,
            password=form.new_password.data or None,
            work_days=form.working_days.data,
            work_start=form.work_start.data or "",
            work_end=form.work_end.data or "",
            leave=(form.leave_starts.data, form.leave_ends.data),
        )
        if form.new_password.data:  # every session ended, this one too: sign this one in again
            users.start_session(user, remember=False, ip_address=request.remote_addr or "-")
        db.session.commit()
        if form.new_password.data:
            login_user(user)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    status = 422 if form.errors else 200
    return render_template("auth/profile.html", form=form, **_profile_page(user)), status


def _profile_page(user: User) -> dict:
    """When e-mail reaches one, and what the domains above add to one's own profile (the
    calendar feed)."""
    return {
        "hours_notes": _hours_notes(user),
        "sections": signals.page_sections(signals.profile_page_sections, user, viewer=user),
    }


def _hours_notes(user: User) -> list[str]:
    """In words, when e-mail that can wait reaches the user, and their leave (not one in the
    past), as saved."""
    hours = working_hours.hours_of(user, working_hours.Defaults.from_config(current_app.config))
    days = working_hours.day_ranges(hours.days, get_day_names("abbreviated", locale=get_locale()))
    notes = [
        _(
            "Non-urgent e-mail arrives %(days)s %(start)s–%(end)s %(zone)s.",
            days=format_list(days, style="standard-narrow", locale=get_locale()),
            start=working_hours.clock_text(hours.start),
            end=working_hours.clock_text(hours.end),
            zone=hours.zone.key,
        )
    ]
    today = working_hours.local_date(hours, utcnow())
    if user.leave_starts and user.leave_ends and user.leave_ends >= today:
        notes.append(
            _(
                "On leave from %(start)s until %(end)s: no e-mail is sent then, and handoffs "
                "suggest a cover.",
                start=format_date(user.leave_starts, "medium"),
                end=format_date(user.leave_ends, "medium"),
            )
        )
    return notes


@bp.get("/admin/users")
@login_required
def list_users():
    """Every role sees who is who (name, roles, active); e-mail addresses only admins."""
    q = (request.args.get("q") or "").strip()[:100]
    stmt = (
        sa.select(User)
        .options(selectinload(User.role_rows))
        .order_by(User.active.desc(), User.name)
    )
    if q and current_user.is_admin:
        stmt = stmt.where(sa.or_(contains(User.name, q), contains(User.email, q)))
    elif q:
        stmt = stmt.where(contains(User.name, q))
    page = db.paginate(stmt, page=page_number(request.args), per_page=50, error_out=False)
    return render_template("auth/users.html", page=page, q=q, confirm=ConfirmForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                roles=form.roles.data,
                locale=form.locale.data,
            )
        except users.EmailTaken:
            form.email.errors.append(_("A user with this e-mail already exists."))
        else:
            db.session.commit()
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=None), 422 if form.errors else 200


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_changes
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not current_user.is_admin:  # name, roles and whether active; no form, no history
        return render_template("auth/user.html", user=user, sections=_sections(user))
    form = UserForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.locale.data = user.locale or ""
    elif form.validate_on_submit():
        if form.is_stale(user):
            return conflict_page("auth/user_form.html", form, user, **_user_page(user))
        try:
            users.update_user(
                current_user,
                user,
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data,
                locale=form.locale.data,
                password=form.password.data or None,
            )
        except users.EmailTaken:
            form.email.errors.append(_("A user with this e-mail already exists."))
        else:
            db.session.commit()
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    status = 422 if form.errors else 200
    return render_template("auth/user_form.html", form=form, **_user_page(user)), status


def _user_page(user: User) -> dict:
    """What a user's admin page shows beside the form."""
    return dict(
        user=user,
        history=history_for("user", user.id),
        confirm=ConfirmForm(),
        sections=_sections(user),
        hours_notes=_hours_notes(user),
    )


def _sections(user: User) -> signals.Sections:
    """What the domains above add to a user's page (an executive's sponsorship training)."""
    return signals.page_sections(signals.user_page_sections, user, viewer=current_user)


@bp.post("/admin/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_user_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        follow_ups = users.set_active(current_user, user, active)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.edit_user", user_id=user.id))
    db.session.commit()
    if active:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(_("%(email)s is deactivated and signed out everywhere.", email=user.email), "success")
    for follow_up in follow_ups:
        flash(str(follow_up.message), "error")
    if follow_ups:
        return redirect(url_for(follow_ups[0].endpoint, **follow_ups[0].values))
    return redirect(url_for("auth.edit_user", user_id=user.id))
