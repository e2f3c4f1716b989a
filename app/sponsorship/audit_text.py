"""How the program's stored rules and cadences read in the audit history: criteria as the
sentence the program page shows ("Renewal within 90 days"), cadences per tier."""

import ast
import re

from flask_babel import gettext

from app.accounts.models import Tier
from app.audit.readable import register_value_text
from app.formatting import FIELD_LABELS, label
from app.i18n import lazy_gettext as _l
from app.sponsorship.criteria import describe
from app.sponsorship.forms import describe_cadence
from app.sponsorship.models import Criterion, CriterionKind, CriterionSide

# Rows written before issue 14 hold the rule as "entry: renewal_within {'days': 90}".
_OLD_RULE = re.compile(r"^(?P<side>\w+): (?P<kind>\w+) (?P<params>\{.*\})$", re.S)


def rule_text(value) -> str:
    """ "Entry: Renewal within 90 days" from a stored rule (either shape)."""
    if isinstance(value, str):
        match = _OLD_RULE.match(value)
        if not match:
            raise ValueError(value)
        try:
            params = ast.literal_eval(match["params"])
        except (SyntaxError, ValueError) as error:
            raise ValueError(value) from error
        value = {"side": match["side"], "kind": match["kind"], "params": params}
    side = CriterionSide(value["side"])
    rule = describe(Criterion(side=side, kind=CriterionKind(value["kind"]), params=value["params"]))
    return gettext("%(side)s: %(rule)s", side=label(side), rule=rule)


def cadence_text(value) -> str:
    """A sponsorship's own cadence: "Executive call every 3 months, ..."."""
    return ", ".join(str(text) for text in describe_cadence(value)) or gettext("None")


def cadence_by_tier_text(value) -> str:
    """The program's cadence of each tier, in the book's order of tiers."""
    return "; ".join(
        gettext(
            "%(tier)s: %(cadence)s", tier=label(tier), cadence=cadence_text(value.get(tier.value))
        )
        for tier in Tier
        if tier.value in value
    )


register_value_text("rule", rule_text)
register_value_text("cadence", cadence_text)
register_value_text("cadence_by_tier", cadence_by_tier_text)


def combination_text(value) -> str:
    return gettext("Every rule must be met") if value == "all" else gettext("Any rule is enough")


register_value_text("entry_combination", combination_text)
register_value_text("exit_combination", combination_text)
# The program's settings are named in the history as on the program form.
FIELD_LABELS.update(
    {
        "purpose": _l("Why the program exists"),
        "responsibilities": _l("Sponsor responsibilities"),
        "success_metrics": _l("Success metrics tracked"),
        "default_term_months": _l("Default term (months)"),
        "cadence_by_tier": _l("Touchpoint cadence by tier"),
        "coverage_strong_days": _l("Relationship strong when met within (days)"),
        "coverage_fading_days": _l("Relationship fading when met within (days)"),
        "required_modules": _l("Required training modules"),
        "max_active_per_executive": _l("Maximum active sponsorships per executive"),
        "auto_nominate": _l(
            "Nominate the account automatically when an executive escalation is raised"
        ),
        "entry_combination": _l("How entry rules combine"),
        "exit_combination": _l("How exit rules combine"),
        "rule": _l("Rule"),
    }
)
FIELD_LABELS.setdefault("text", _l("Description"))  # an objective's or an action item's text
