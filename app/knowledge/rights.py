"""Who reads, writes and deletes knowledge notes.

Everyone signed in reads and searches every note. Admins, managers, CSMs and AEs write notes
and change any note (the team's shared learning); executives read only. A note is deleted by
an admin or by its author.
"""

from app.auth.models import Role

WRITERS = (Role.ADMIN, Role.MANAGER, Role.CSM, Role.AE)


def can_write(user) -> bool:
    """Write a new note or change one."""
    return user.is_authenticated and user.has_role(*WRITERS)


def can_delete(user, note) -> bool:
    return user.is_authenticated and (
        user.has_role(Role.ADMIN) or (note.author_id is not None and note.author_id == user.id)
    )
