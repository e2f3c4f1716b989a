"""Threat suggestions on an escalation: the owner confirms or dismisses what the detector read in
the description, customer updates and notes; the dismissed ones listed for improving the rules."""


def page_context(escalation, viewer, forms: dict) -> dict:
    """What the escalation page shows of this part (forms: the failed forms to show again)."""
    return {}
