"""Who may own, see and change export schedules.

Admins own schedules over the whole book; executives and managers own schedules of their own
data (kinds.scope says what that is at run time). A schedule is seen by its owner, the admins
and its recipients (who are sent its files anyway); it is changed by its owner and the admins.
"""

import sqlalchemy as sa

from app.auth.models import Role
from app.exports.models import ExportSchedule, export_recipients

OWNER_ROLES = (Role.ADMIN, Role.EXECUTIVE, Role.MANAGER)


def can_own_schedules(user) -> bool:
    return user is not None and user.active and user.has_role(*OWNER_ROLES)


def can_manage(user, schedule: ExportSchedule) -> bool:
    """Change, enable, disable, run now."""
    if user.is_admin:
        return True
    return schedule.owner_id == user.id and can_own_schedules(user)


def can_see(user, schedule: ExportSchedule) -> bool:
    """Read the schedule and its history; download its files."""
    if user.is_admin or schedule.owner_id == user.id:
        return True
    return any(recipient.id == user.id for recipient in schedule.recipients)


def visible_schedules(user) -> sa.Select:
    """The select of the schedules `user` may see (all of them for an admin)."""
    stmt = sa.select(ExportSchedule)
    if user.is_admin:
        return stmt
    receiving = sa.select(export_recipients.c.schedule_id).where(
        export_recipients.c.user_id == user.id
    )
    return stmt.where(sa.or_(ExportSchedule.owner_id == user.id, ExportSchedule.id.in_(receiving)))
