"""Refreshing the rollups by hand (admins' "Refresh now"), audited."""

from datetime import datetime

from app.audit import services as audit
from app.formatting import ACTION_LABELS, ENTITY_LABELS
from app.i18n import lazy_gettext as _l
from app.reports import rollup

ENTITY_LABELS["report_rollup"] = _l("Report figures")
ACTION_LABELS.setdefault("refresh", _l("Refreshed"))


def refresh_now(actor, now: datetime) -> dict:
    """Bring the report figures up to date now; audited; flushes, never commits."""
    outcome = rollup.refresh(now)
    summary = "full rebuild" if outcome["full"] else f"{outcome['days']} day(s) recounted"
    audit.record(actor, "report_rollup", 1, "refresh", summary=summary)
    return outcome
