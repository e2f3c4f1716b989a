"""Translated names of the account book's enumerations."""

from app.accounts.models import Channel, ContactRole, LifecycleStatus, Tier
from app.formatting import (
    ACTION_LABELS,
    ENTITY_LABELS,
    FIELD_LABELS,
    LABELS,
    register_field_enums,
)
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext

TIER_LABELS = {
    Tier.STRATEGIC: _l("Strategic"),
    Tier.ENTERPRISE: _l("Enterprise"),
    Tier.GROWTH: _l("Growth"),
}
STATUS_LABELS = {
    LifecycleStatus.ACTIVE: _l("Active"),
    LifecycleStatus.AT_RISK: _l("At risk"),
    LifecycleStatus.CHURNED: _l("Churned"),
}
CONTACT_ROLE_LABELS = {
    ContactRole.EXECUTIVE: lazy_pgettext("contact role", "Executive"),
    ContactRole.ECONOMIC_BUYER: _l("Economic buyer"),
    ContactRole.CHAMPION: _l("Champion"),
    ContactRole.USER: _l("User"),
}
CHANNEL_LABELS = {
    Channel.EMAIL: lazy_pgettext("channel", "E-mail"),
    Channel.PHONE: lazy_pgettext("channel", "Phone"),
    Channel.CHAT: _l("Chat"),
    Channel.IN_PERSON: _l("In person"),
}
HEALTH_BANDS = {
    "good": (_l("Good (70-100)"), 70, 100),
    "fair": (_l("Fair (40-69)"), 40, 69),
    "poor": (_l("Poor (0-39)"), 0, 39),
}
RENEWAL_WINDOWS = {
    "overdue": _l("Renewal date passed"),
    "30": _l("Renews within 30 days"),
    "90": _l("Renews within 90 days"),
    "180": _l("Renews within 180 days"),
}
SORTS = {
    "name": _l("Name"),
    "arr": _l("ARR"),
    "health": _l("Health"),
    "renewal": _l("Renewal date"),
}
for mapping in (TIER_LABELS, STATUS_LABELS, CONTACT_ROLE_LABELS, CHANNEL_LABELS):
    LABELS.update(mapping)


FIELD_LABELS.update(
    {
        "name": _l("Name"),
        "domain": _l("Domain"),
        "industry": _l("Industry"),
        "tier": _l("Tier"),
        "arr_minor": _l("ARR (minor units)"),
        "currency": _l("Currency"),
        "renewal_date": _l("Renewal date"),
        "status": _l("Status"),
        "health_score": _l("Health score"),
        "nps": _l("Latest NPS"),
        "csm_owner": _l("CSM owner"),
        "ae_owner": _l("AE owner"),
        "notes": _l("Notes"),
        "note": _l("Note"),
        "title": _l("Title"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "role": _l("Role"),
        "preferred_channel": _l("Preferred channel"),
        "roles": _l("Roles"),
        "active": _l("Active"),
        "locale": _l("Language"),
        "password": _l("Password"),
    }
)
register_field_enums(
    {"tier": Tier, "status": LifecycleStatus, "role": ContactRole, "preferred_channel": Channel}
)
ENTITY_LABELS.update({"account": _l("account"), "contact": _l("contact"), "user": _l("user")})
ACTION_LABELS.update(
    {
        "create": _l("Created"),
        "update": _l("Changed"),
        "delete": _l("Deleted"),
        "note": _l("Note added"),
    }
)
