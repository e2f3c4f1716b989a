"""How knowledge notes read in the audit history."""

from app.formatting import ENTITY_LABELS, FIELD_LABELS
from app.i18n import lazy_gettext as _l

ENTITY_LABELS.update({"knowledge_note": _l("knowledge note")})
FIELD_LABELS.update(
    {
        "symptoms": _l("Symptoms"),
        "resolution": _l("Resolution"),
        "escalation": _l("Escalation"),
        "post_mortem": _l("Post-mortem"),
    }
)
