"""Translated names of the escalation enumerations."""

from flask_babel import gettext

from app.escalations.models import (
    Answer,
    Category,
    ClockKind,
    EscalationReason,
    FollowUpOutcome,
    Health,
    IntakeChannel,
    Level,
    Requester,
    ResolutionKind,
    RootCause,
    Severity,
    Status,
    Trend,
)
from app.formatting import (
    ACTION_LABELS,
    ENTITY_LABELS,
    FIELD_LABELS,
    LABELS,
    hours_minutes,
    register_field_enums,
)
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext

# The languages a customer is written to in (surveys), each named in its own language.
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}
SEVERITY_LABELS = {
    Severity.CRITICAL: _l("Critical"),
    Severity.HIGH: _l("High"),
    Severity.MEDIUM: _l("Medium"),
    Severity.LOW: _l("Low"),
}
INTAKE_CHANNEL_LABELS = {
    IntakeChannel.PHONE: lazy_pgettext("channel", "Phone"),
    IntakeChannel.EMAIL: lazy_pgettext("channel", "E-mail"),
    IntakeChannel.CHAT: _l("Chat"),
    IntakeChannel.SOCIAL: _l("Social media"),
    IntakeChannel.IN_PERSON: _l("In person"),
    IntakeChannel.INTERNAL: _l("Internal"),
}
CATEGORY_LABELS = {
    Category.TECHNICAL: _l("Technical"),
    Category.BILLING: _l("Billing"),
    Category.SERVICE_QUALITY: _l("Service quality"),
    Category.POLICY: _l("Policy"),
    Category.OTHER: _l("Other"),
}
LEVEL_LABELS = {
    Level.L1: _l("Level 1"),
    Level.L2: _l("Level 2"),
    Level.L3: _l("Level 3"),
    Level.EXECUTIVE: _l("Executive level"),
}
ESCALATION_STATUS_LABELS = {
    Status.NEW: _l("New"),
    Status.INVESTIGATING: _l("Investigating"),
    Status.WAITING_ON_CUSTOMER: _l("Waiting on customer"),
    Status.RESOLVED: _l("Resolved"),
    Status.FOLLOW_UP: _l("Follow-up"),
    # With a context: the catalog's "Closed" is a business day's (休業).
    Status.CLOSED: lazy_pgettext("escalation status", "Closed"),
}
FOLLOW_UP_OUTCOME_LABELS = {
    FollowUpOutcome.HELD: _l("Held"),
    FollowUpOutcome.FAILED: _l("Failed"),
}
ROOT_CAUSE_LABELS = {
    RootCause.PRODUCT_DEFECT: _l("Product defect"),
    RootCause.PROCESS: _l("Process"),
    RootCause.COMMUNICATION: _l("Communication"),
    RootCause.EXPECTATION_MISMATCH: _l("Expectation mismatch"),
    RootCause.THIRD_PARTY: _l("Third party"),
    RootCause.OTHER: lazy_pgettext("root cause", "Other"),
}
ANSWER_LABELS = {
    Answer.YES: _l("Yes"),
    Answer.NO: _l("No"),
    Answer.UNSURE: _l("Not sure"),
}
RESOLUTION_LABELS = {
    ResolutionKind.FIX: _l("Fix"),
    ResolutionKind.WORKAROUND: _l("Workaround"),
    ResolutionKind.EXPLAINED: _l("Explained, no fix"),
    ResolutionKind.CONCESSION: _l("Concession"),
}
CLOCK_LABELS = {
    ClockKind.FIRST_RESPONSE: _l("First response"),
    ClockKind.CUSTOMER_UPDATE: _l("Customer update"),
    ClockKind.RESOLUTION: _l("Resolution"),
    ClockKind.HEALTH_UPDATE: _l("Health update cadence"),
}
CLOCK_STATES = {
    "running": _l("On track"),
    "warning": lazy_pgettext("SLA clock", "At risk"),
    "breached": _l("Breached"),
    "paused": _l("Paused"),
    "met": _l("Met"),
    "missed": _l("Missed"),
}
TEMPLATE_KEYS = {
    "acknowledged": _l("Acknowledged"),
    "specialist": _l("Passed to specialist team"),
    "status_update": _l("Status update"),
    "resolved": _l("Resolved"),
}
# The escalation list's orders (queries.SORTS), as its select and the export schedule offer them.
SORT_LABELS = {
    "newest": _l("Newest"),
    "oldest": _l("Oldest"),
    "severity": _l("Severity"),
    "update_due": _l("Next update due"),
}
SAVED_VIEWS = {
    "mine": _l("Mine"),
    "open": _l("All open"),
    "executive": _l("Executive"),
    "at_risk": _l("SLA at risk"),
    "breached": _l("Breached"),
    "handoffs": _l("Unacknowledged handoffs"),
    "all": _l("All"),
}
for mapping in (
    SEVERITY_LABELS,
    INTAKE_CHANNEL_LABELS,
    CATEGORY_LABELS,
    LEVEL_LABELS,
    ESCALATION_STATUS_LABELS,
    RESOLUTION_LABELS,
    CLOCK_LABELS,
    FOLLOW_UP_OUTCOME_LABELS,
    ROOT_CAUSE_LABELS,
    ANSWER_LABELS,
):
    LABELS.update(mapping)
register_field_enums(
    {
        "status": Status,
        "severity": Severity,
        "category": Category,
        "level": Level,
        "resolution_kind": ResolutionKind,
        "clock": ClockKind,
        "channel": IntakeChannel,
        "outcome": FollowUpOutcome,
        "root_cause_category": RootCause,
        "preventable": Answer,
        "lower_level": Answer,
    }
)
FIELD_LABELS.update(
    {
        "title": lazy_pgettext("escalation", "Title"),
        "description": _l("Description"),
        "channel": _l("Channel"),
        "category": _l("Category"),
        "severity": _l("Severity"),
        "level": _l("Level"),
        "threat_cancellation": _l("Cancellation threat"),
        "threat_legal": _l("Legal threat"),
        "threat_safety": _l("Safety/security threat"),
        "executive": _l("Executive escalation"),
        "arr_at_risk_minor": _l("ARR at risk (minor units)"),
        "arr_at_risk_currency": _l("Currency"),
        "legal_hold": _l("Legal hold"),
        "owner_id": _l("Owner"),
        "promised_at": _l("Promised for"),
        "resolution_kind": _l("Resolution type"),
        "resolution_summary": _l("Resolution summary"),
        "concession_minor": _l("Concession (minor units)"),
        "tags": _l("Tags"),
        "watchers": _l("Watchers"),
        "reason": _l("Reason"),
        "customer_update": _l("Customer update"),
        "clock": _l("SLA clock"),
        "breached_at": _l("Breached at"),
        "handoff": _l("Handoff"),
    }
)
ENTITY_LABELS.update(
    {
        "escalation": _l("escalation"),
        "sla_policy": _l("SLA policy"),
        "reply_template": _l("reply template"),
    }
)
ACTION_LABELS.update(
    {
        "status": _l("Status changed"),
        "level": _l("Level raised"),
        "handoff_ack": _l("Handoff acknowledged"),
        "customer_update": _l("Customer update"),
        "resolve": _l("Resolved"),
        "widespread": _l("Widespread issue"),
        "sla_breach": _l("SLA breached"),
    }
)
FIELD_LABELS.update(
    {
        "owner": _l("Owner"),
        "acknowledged_by": _l("Acknowledged by"),
        "widespread_issue": _l("Widespread issue"),
        "accounts": _l("Accounts"),
        "approved": _l("Approved"),
        "follow_up_days": _l("Follow-up after (days)"),
        "follow_up_due_at": _l("Follow-up due"),
        "outcome": _l("Outcome"),
        "note": _l("Note"),
        "root_cause_category": _l("Root cause category"),
        "root_cause": _l("Root cause"),
        "went_well": _l("What went well"),
        "to_improve": _l("What to improve"),
        "preventable": _l("Could it have been prevented?"),
        "lower_level": _l("Could it have been resolved at a lower level?"),
        "completed": _l("Completed"),
        "action_item": _l("Action item"),
        "due_on": _l("Due"),
        "done": _l("Done"),
        "survey": _l("Satisfaction survey"),
        "score": _l("Score"),
    }
)
ENTITY_LABELS.update({"post_mortem": _l("post-mortem")})
ACTION_LABELS.update(
    {
        "follow_up": _l("Follow-up recorded"),
        "close": lazy_pgettext("escalation status", "Closed"),
        "reopened": _l("Reopened"),  # touchpoints' action items have "reopen"
        "post_mortem": _l("Post-mortem"),
        "action_item": _l("Action item"),
        "survey_sent": _l("Survey sent"),
        "survey_answered": _l("Survey answered"),
    }
)

# Issue 12: why it was escalated, who asked, the team's health and trend.
REASON_LABELS = {
    EscalationReason.LACK_OF_PROGRESS: _l("Lack of progress"),
    EscalationReason.CUSTOMER_DEADLINE: _l("Customer-imposed deadline"),
    EscalationReason.REPEATED_FAILURES: _l("Repeated failures"),
    EscalationReason.BUSINESS_IMPACT: _l("Business impact"),
    EscalationReason.RELATIONSHIP_RISK: _l("Relationship risk"),
    EscalationReason.OTHER: lazy_pgettext("escalation reason", "Other"),
}
REQUESTER_LABELS = {
    Requester.CUSTOMER: lazy_pgettext("requested by", "Customer"),
    Requester.INTERNAL: lazy_pgettext("requested by", "Internal"),
}
HEALTH_LABELS = {
    Health.RED: _l("Red"),
    Health.AMBER: _l("Amber"),
    Health.GREEN: _l("Green"),
}
TREND_LABELS = {
    Trend.IMPROVING: _l("Improving"),
    Trend.UNCHANGED: _l("Unchanged"),
    Trend.WORSENING: _l("Worsening"),
}
for mapping in (REASON_LABELS, REQUESTER_LABELS, HEALTH_LABELS, TREND_LABELS):
    LABELS.update(mapping)
register_field_enums(
    {"reason": EscalationReason, "requested_by": Requester, "health": Health, "trend": Trend}
)
FIELD_LABELS.update(
    {
        "requested_by": _l("Requested by"),
        "requester_contact_id": _l("Requesting contact"),
        "health": lazy_pgettext("escalation health", "Health"),
        "trend": _l("Trend"),
        "red_hours": _l("Red: update every (hours)"),
        "amber_hours": _l("Amber: update every (hours)"),
        "green_hours": _l("Green: update every (hours)"),
    }
)
ENTITY_LABELS.update({"health_cadence": _l("health update cadence")})
ACTION_LABELS.update({"health": _l("Health checked")})

# Issue 14: tags and spans of time as people read them.
# Tags are free words, but some are codes (the demo tags each escalation with its category):
# those show their label, never the raw value.
_TAG_CODES = {
    **{code.value: text for code, text in ROOT_CAUSE_LABELS.items()},
    **{code.value: text for code, text in REASON_LABELS.items()},
    **{code.value: text for code, text in CATEGORY_LABELS.items()},  # wins on "other"
}


def tag_label(tag: str) -> str:
    """A tag as shown: a code's translated label, or the word with underscores as spaces."""
    text = _TAG_CODES.get(tag)
    return str(text) if text is not None else tag.replace("_", " ")


def language_name(code: str) -> str:
    """A language code as its own name ("English", "日本語"), for reply templates and surveys."""
    return LANGUAGE_NAMES.get(code, code)


def time_span(minutes: int) -> str:
    """A distance to or past a due time as people say it: "45 min", "2 h 15 min", "3 d 4 h"."""
    days, rest = divmod(max(0, int(minutes)), 24 * 60)
    if not days:
        return hours_minutes(rest)
    hours = rest // 60
    if hours:
        return gettext("%(d)d d %(h)d h", d=days, h=hours)
    return gettext("%(d)d d", d=days)
