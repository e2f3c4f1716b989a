"""Why each rule fires, for the people who confirm or dismiss a suggestion.

Stored suggestions keep only the rule's key; the text is looked up when shown, in the reader's
language. Rules of one family share a text: "en.cancellation.end_contract" and
"ja.cancellation.end_contract" say the same thing.
"""

from app.i18n import lazy_gettext as _l

FAMILIES = {
    "cancellation.end_contract": _l(
        "The customer says they will end, cancel or terminate the contract, the service or "
        "their account."
    ),
    "cancellation.not_renew": _l(
        "The customer says they will not renew, extend or continue the contract."
    ),
    "cancellation.not_continue": _l(
        "The customer says continuing or renewing the contract is difficult or will not happen."
    ),
    "cancellation.other_vendor": _l(
        "The customer is moving to, trying or evaluating another vendor or a competitor."
    ),
    "cancellation.switch_vendor": _l(
        "The customer is moving to, trying or evaluating another vendor or a competitor."
    ),
    "cancellation.stop_using": _l(
        "The customer says they will stop using or paying for the service, or close their account."
    ),
    "cancellation.no_value": _l("The customer sees no value or reason in continuing or renewing."),
    "cancellation.relationship": _l(
        "The customer says the relationship is not working or is over."
    ),
    "cancellation.reconsider": _l(
        "The customer is reconsidering or reviewing the contract or the relationship with us."
    ),
    "cancellation.notice": _l("The customer gives notice of termination or non-renewal."),
    "cancellation.churn": _l("The customer is said to be about to leave (churn)."),
    "legal.lawyers": _l(
        "The customer's lawyers or legal department are being brought in against us."
    ),
    "legal.lawsuit": _l("The customer mentions suing, a lawsuit, court or other legal action."),
    "legal.damages": _l("The customer intends to claim damages or compensation."),
    "legal.regulator": _l(
        "The customer will report us or complain to a regulator, a consumer centre or the "
        "authorities."
    ),
    "legal.notice": _l("The customer sends or mentions a formal notice or a breach of contract."),
    "legal.formal_notice": _l(
        "The customer sends a formal notice (such as a certified letter) or their legal "
        "department will write to us."
    ),
    "safety.threatened_people": _l("Someone threatened or intimidated our people."),
    "safety.intimidation": _l("Someone threatened or intimidated our people."),
    "safety.violence": _l(
        "Someone threatened violence or harm, or to come to our office or find our people."
    ),
    "safety.expose_people": _l(
        "Someone threatened to publish our staff's names or personal details online."
    ),
    "safety.intrusion": _l(
        "Someone threatened to break into our systems or to leak or steal data."
    ),
}
GENERIC = _l("The text reads like a threat; please check the sentence and decide.")


def explain(rule: str) -> str:
    """Why a rule fires, for people, in the reader's language (a generic text for an unknown
    key)."""
    _language, _, family = (rule or "").partition(".")
    return FAMILIES.get(family, GENERIC)
