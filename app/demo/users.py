"""The demo users: one per role and a second of some, so that ownership shows (README.md)."""

import sqlalchemy as sa

from app.auth import services as user_services
from app.auth.models import User
from app.extensions import db

PASSWORD = "demo12345"
USERS = [
    ("admin@demo.test", "Aiko Admin", ["admin"], "en"),
    ("exec@demo.test", "Kenji Watanabe", ["executive"], "ja"),
    ("manager@demo.test", "Maria Gomez", ["manager"], "en"),
    ("csm@demo.test", "Sakura Tanaka", ["csm"], "ja"),
    ("ae@demo.test", "David Chen", ["ae"], "en"),
    ("csm2@demo.test", "Hiroshi Sato", ["csm"], "ja"),
    ("ae2@demo.test", "Emily Clark", ["ae"], "en"),
    ("exec2@demo.test", "Laura Becker", ["executive"], "en"),
]


def ensure_users() -> dict[str, User]:
    """The demo users by e-mail, created (audited, by nobody) where missing."""
    by_email = {}
    for email, name, roles, locale in USERS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = user_services.create_user(
                None, email=email, name=name, password=PASSWORD, roles=roles, locale=locale
            )
        by_email[email] = user
    return by_email
