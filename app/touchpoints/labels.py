"""Translated names of the touchpoints enumerations and audit fields."""

from app.accounts.models import Departure
from app.formatting import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS, LABELS, register_field_enums
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext
from app.touchpoints.models import BriefKind, ReviewDecision, TouchpointKind, TouchpointStatus

TOUCHPOINT_KIND_LABELS = {
    TouchpointKind.EXECUTIVE_CALL: _l("Executive call"),
    TouchpointKind.BUSINESS_REVIEW: _l("Executive business review"),
    TouchpointKind.ONSITE_VISIT: _l("On-site visit"),
    TouchpointKind.DINNER_EVENT: _l("Dinner or event"),
    TouchpointKind.EMAIL: _l("E-mail"),
}
TOUCHPOINT_STATUS_LABELS = {
    TouchpointStatus.PLANNED: _l("Planned"),
    TouchpointStatus.COMPLETED: _l("Completed"),
    TouchpointStatus.CANCELLED: _l("Cancelled"),
    TouchpointStatus.MISSED: lazy_pgettext("touchpoint", "Missed"),
}
REVIEW_DECISION_LABELS = {
    ReviewDecision.CONTINUE: _l("Continue the sponsorship"),
    ReviewDecision.PROPOSE_EXIT: _l("Propose exit"),
}
BRIEF_KIND_LABELS = {
    BriefKind.ACCOUNT: _l("Account brief"),
    BriefKind.PORTFOLIO: _l("Portfolio brief"),
}
DEPARTURE_LABELS = {
    Departure.LEFT: _l("Left the company"),
    Departure.ROLE_CHANGED: _l("Changed role"),
}

for mapping in (
    TOUCHPOINT_KIND_LABELS,
    TOUCHPOINT_STATUS_LABELS,
    REVIEW_DECISION_LABELS,
    BRIEF_KIND_LABELS,
    DEPARTURE_LABELS,
):
    LABELS.update(mapping)
register_field_enums(
    {
        "kind": TouchpointKind,
        "status": TouchpointStatus,
        "decision": ReviewDecision,
        "departure": Departure,
    }
)
FIELD_LABELS.update(
    {
        "starts_at": _l("Starts"),
        "timezone": _l("Time zone"),
        "duration_minutes": _l("Duration (minutes)"),
        "agenda": _l("Agenda"),
        "outcome": _l("Outcome"),
        "cancel_reason": _l("Reason for cancelling"),
        "executives": _l("Our executives"),
        "contacts": _l("Customer contacts"),
        "next_steps": _l("Next steps"),
        "owner": _l("Owner"),
        "done_at": _l("Done"),
        "cadence": _l("Touchpoint cadence"),
        "decision": _l("Decision"),
        "departed_on": _l("Left or changed role on"),
        "departure": _l("Departure"),
    }
)
ENTITY_LABELS.update({"touchpoint": _l("touchpoint"), "action_item": _l("next step")})
ACTION_LABELS.update(
    {
        "complete": _l("Completed"),
        "cancel": _l("Cancelled"),
        "missed": _l("Marked missed"),
        "done": _l("Done"),
        "reopen": _l("Opened again"),
        "review": _l("Reviewed"),
        "brief": _l("Brief downloaded"),
    }
)
