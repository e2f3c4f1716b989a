"""The escalation's health (red/amber/green, driving the customer-update cadence) and trend,
with their dated history; and the admins' cadence settings."""


def page_context(escalation, viewer, forms: dict) -> dict:
    """What the escalation page shows of this part (forms: the failed forms to show again)."""
    return {}
