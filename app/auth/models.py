"""Users, their roles, and the record of sign-in attempts."""

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import TimestampMixin, UTCDateTime, enum_column, utcnow


class Role(enum.Enum):
    ADMIN = "admin"
    EXECUTIVE = "executive"
    MANAGER = "manager"
    CSM = "csm"
    AE = "ae"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # IANA zone the user reads and enters times in; None: the app's default.
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    # Working hours in that zone, for e-mail that can wait (reminders, warnings, digests):
    # weekdays (0 = Monday) and "HH:MM" start and end; None: the app's defaults.
    work_days: Mapped[list | None] = mapped_column(sa.JSON)
    work_start: Mapped[str | None] = mapped_column(sa.String(5))
    work_end: Mapped[str | None] = mapped_column(sa.String(5))
    # On leave from .. until (inclusive, local dates): no e-mail; handoffs suggest a cover.
    leave_starts: Mapped[date | None] = mapped_column()
    leave_ends: Mapped[date | None] = mapped_column()
    # Part of the login cookie: changing it ends every open session of the user.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=new_session_token, nullable=False
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    # The key of the server-side session this object was loaded for (see UserSession).
    session_key: str = ""

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in wanted - self.roles:
            self.role_rows.append(UserRole(role=role))

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What the login cookies carry: the user and the server-side session they signed in to."""
        return f"{self.id}:{self.session_key}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Invalidate every login cookie issued so far: each names a session row, deleted here."""
        self.session_token = new_session_token()
        if self.id is not None:
            db.session.execute(sa.delete(UserSession).where(UserSession.user_id == self.id))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = enum_column(Role, "role", primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(db.Model):
    """One signed-in browser. The login cookie names its key; signing out deletes the row."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))


class LoginAttempt(db.Model):
    """One sign-in attempt; failures within a window lock the e-mail or address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False, index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    succeeded: Mapped[bool] = mapped_column(nullable=False)
    attempted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, nullable=False, index=True
    )
