"""Translated names of the roles."""

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.formatting import LABELS

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.EXECUTIVE: _l("Executive"),
    Role.MANAGER: _l("Manager"),
    Role.CSM: _l("CSM"),
    Role.AE: _l("Account executive"),
}
LANGUAGE_LABELS = {"": _l("From my browser"), "en": "English", "ja": "日本語"}
LABELS.update(ROLE_LABELS)
