"""Translated names of the roles."""

from app.auth.models import Role
from app.formatting import LABELS, register_field_enums
from app.i18n import lazy_gettext as _l

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.EXECUTIVE: _l("Executive"),
    Role.MANAGER: _l("Manager"),
    Role.CSM: _l("CSM"),
    Role.AE: _l("Account executive"),
}
LANGUAGE_LABELS = {"": _l("From my browser"), "en": "English", "ja": "日本語"}
LABELS.update(ROLE_LABELS)
register_field_enums({"roles": Role})  # the audit history's role changes by label
