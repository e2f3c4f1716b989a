"""The escalation case file: exit criteria agreed with the customer, the decision log and the
roster of people working it."""


def page_context(escalation, viewer, forms: dict) -> dict:
    """What the escalation page shows of this part (forms: the failed forms to show again)."""
    return {}
