"""Server-side checks of the rights table in SPEC.md."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from app.auth.models import Role


def roles_required(*roles: Role):
    """The view needs a signed-in user holding at least one of the roles (admin always may)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(Role.ADMIN, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_changes(view):
    """Every signed-in role reads the page (SPEC: everyone reads everything); only admins
    send its forms."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if request.method not in ("GET", "HEAD") and not current_user.has_role(Role.ADMIN):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def can_create_account(user) -> bool:
    return user.has_role(Role.ADMIN, Role.CSM, Role.AE)


def can_edit_account(user, account) -> bool:
    """Admins edit every account; CSMs and AEs the accounts they own."""
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.CSM, Role.AE) and account.is_owned_by(user)


def can_delete_account(user, account) -> bool:
    return user.has_role(Role.ADMIN)


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def can_raise_escalation(user, account) -> bool:
    """Managers and admins on any account; CSMs and AEs on accounts they own."""
    if user.has_role(Role.ADMIN, Role.MANAGER):
        return True
    return user.has_role(Role.CSM, Role.AE) and account.is_owned_by(user)


def can_work_escalation(user, escalation) -> bool:
    """Change an escalation: managers and admins; CSMs/AEs who own the account or own it."""
    if user.has_role(Role.ADMIN, Role.MANAGER):
        return True
    return user.has_role(Role.CSM, Role.AE) and (
        escalation.account.is_owned_by(user) or escalation.owner_id == user.id
    )


def can_comment_escalation(user, escalation) -> bool:
    """Executives comment on any escalation, besides those who work it."""
    return user.has_role(Role.EXECUTIVE) or can_work_escalation(user, escalation)


def can_manage_escalations(user) -> bool:
    """Raise to the executive level, assign owners, legal holds: managers and admins."""
    return user.has_role(Role.ADMIN, Role.MANAGER)


def can_nominate(user, account) -> bool:
    """Nominations: admins, and the CSM/AE who own the account."""
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.CSM, Role.AE) and account.is_owned_by(user)


def can_decide_sponsorship(user) -> bool:
    """Approve or decline a nomination: executives and admins."""
    return user.has_role(Role.ADMIN, Role.EXECUTIVE)


def can_name_sponsor(user, sponsor) -> bool:
    """Approving, an executive names themself as the sponsor; an admin may name any executive."""
    return user.has_role(Role.ADMIN) or sponsor.id == user.id


def can_steward_sponsorship(user, sponsorship) -> bool:
    """Review, exit, tick the checklist: the sponsor themself, or an admin."""
    return user.has_role(Role.ADMIN) or (
        sponsorship.sponsor_id is not None and sponsorship.sponsor_id == user.id
    )


def can_plan_sponsorship(user, sponsorship) -> bool:
    """The success plan: the sponsor, the account's CSM/AE, admins."""
    return can_steward_sponsorship(user, sponsorship) or (
        user.has_role(Role.CSM, Role.AE) and sponsorship.account.is_owned_by(user)
    )


def can_record_training(user, executive) -> bool:
    return user.has_role(Role.ADMIN) or user.id == executive.id
