"""Translated names of the sponsorship enumerations."""

from app.formatting import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS, LABELS, register_field_enums
from app.i18n import lazy_gettext as _l
from app.sponsorship.models import (
    CriterionKind,
    CriterionSide,
    ExitReason,
    ObjectiveStatus,
    SponsorshipStatus,
)

SPONSORSHIP_STATUS_LABELS = {
    SponsorshipStatus.NOMINATED: _l("Nominated"),
    SponsorshipStatus.ACTIVE: _l("Active"),
    SponsorshipStatus.EXIT_REVIEW: _l("Exit review"),
    SponsorshipStatus.EXITED: _l("Exited"),
    SponsorshipStatus.DECLINED: _l("Declined"),
}
EXIT_REASON_LABELS = {
    ExitReason.CRITERIA_MET: _l("Exit criteria met"),
    ExitReason.TERM_ENDED: _l("Term ended"),
    ExitReason.CHURNED: _l("Churned"),
    ExitReason.OTHER: _l("Other"),
}
OBJECTIVE_STATUS_LABELS = {
    ObjectiveStatus.OPEN: _l("Open"),
    ObjectiveStatus.ON_TRACK: _l("On track"),
    ObjectiveStatus.AT_RISK: _l("At risk"),
    ObjectiveStatus.ACHIEVED: _l("Achieved"),
    ObjectiveStatus.MISSED: _l("Missed"),
}
CRITERION_SIDE_LABELS = {CriterionSide.ENTRY: _l("Entry"), CriterionSide.EXIT: _l("Exit")}
CRITERION_KIND_LABELS = {
    CriterionKind.ARR_AT_LEAST: _l("ARR at or above"),
    CriterionKind.TIER_IN: _l("Tier is one of"),
    CriterionKind.EXECUTIVE_ESCALATION_WITHIN: _l("Executive escalation within N days"),
    CriterionKind.HEALTH_AT_MOST: _l("Health at or below"),
    CriterionKind.RENEWAL_WITHIN: _l("Renewal within N days"),
    CriterionKind.TERM_ENDED: _l("Term ended"),
    CriterionKind.HEALTH_AT_LEAST_FOR: _l("Health at or above X for N days"),
    CriterionKind.NO_OPEN_EXECUTIVE_ESCALATION_FOR: _l("No open executive escalation for N days"),
    CriterionKind.CHURNED: _l("Account churned"),
    CriterionKind.ARR_BELOW: _l("ARR below"),
}
ENTRY_KINDS = [
    CriterionKind.ARR_AT_LEAST,
    CriterionKind.TIER_IN,
    CriterionKind.EXECUTIVE_ESCALATION_WITHIN,
    CriterionKind.HEALTH_AT_MOST,
    CriterionKind.RENEWAL_WITHIN,
]
EXIT_KINDS = [
    CriterionKind.TERM_ENDED,
    CriterionKind.HEALTH_AT_LEAST_FOR,
    CriterionKind.NO_OPEN_EXECUTIVE_ESCALATION_FOR,
    CriterionKind.CHURNED,
    CriterionKind.ARR_BELOW,
]

for mapping in (
    SPONSORSHIP_STATUS_LABELS,
    EXIT_REASON_LABELS,
    OBJECTIVE_STATUS_LABELS,
    CRITERION_SIDE_LABELS,
    CRITERION_KIND_LABELS,
):
    LABELS.update(mapping)
register_field_enums({"status": SponsorshipStatus, "exit_reason": ExitReason})
register_field_enums({"status": ObjectiveStatus})
FIELD_LABELS.update(
    {
        "sponsor": _l("Sponsor"),
        "started_on": _l("Start date"),
        "planned_end_on": _l("Planned end"),
        "exit_on": _l("Exit date"),
        "exit_reason": _l("Exit reason"),
        "exit_note": _l("Exit note"),
        "decline_reason": _l("Reason for declining"),
        "nomination_reason": _l("Nomination reason"),
        "exit_rules": _l("Exit rules met"),
        "task": _l("Responsibility"),
        "done": _l("Done"),
        "objective": _l("Objective"),
        "metric": _l("Metric"),
        "target": _l("Target"),
        "due_on": _l("Due date"),
        "module": _l("Training module"),
        "completed_on": _l("Completed on"),
    }
)
ENTITY_LABELS.update({"sponsorship": _l("sponsorship")})
ACTION_LABELS.update(
    {
        "nominate": _l("Nominated"),
        "approve": _l("Approved"),
        "decline": _l("Declined"),
        "exit_review": _l("Moved to exit review"),
        "continue": _l("Continued"),
        "exit": _l("Exited"),
        "reassign": _l("Sponsor changed"),
        "checklist": _l("Checklist"),
        "objective": _l("Objective"),
        "training": _l("Training recorded"),
    }
)
