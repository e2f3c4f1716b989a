"""Every subscription between domains, in one place: which domain acts when another's signal
(app/signals.py) is sent. A lower domain sends, a higher one receives, so no lower domain
imports a higher one. Receivers run in the sender's transaction and never commit.

`connect_all()` is called by create_app; connecting the same module-level function again
replaces its entry in blinker (receivers are keyed by identity), so many apps in one process
(the tests) still call each receiver once.
"""

from app import signals
from app.accounts import today as accounts_today
from app.auth import today as auth_today
from app.escalations import services as escalations
from app.escalations import today as escalations_today
from app.escalations import views as escalation_pages
from app.exports import services as exports
from app.exports import today as exports_today
from app.knowledge import views as knowledge_pages
from app.scheduler import today as scheduler_today
from app.sponsorship import services as sponsorship
from app.sponsorship import today as sponsorship_today
from app.sponsorship import views as sponsorship_pages
from app.touchpoints import cadence, coverage, departures
from app.touchpoints import calendar_views as calendar_pages
from app.touchpoints import services as touchpoint_services
from app.touchpoints import today as touchpoints_today
from app.touchpoints import views as touchpoint_pages

SUBSCRIPTIONS = (
    # An account with escalations is kept: escalations refuse its deletion.
    (signals.account_deleting, escalations.refuse_deleting_account_with_escalations),
    # An account with touchpoints is kept too: they are the relationship's history.
    (signals.account_deleting, touchpoint_services.refuse_deleting_account_with_touchpoints),
    # An executive escalation on an unsponsored account nominates it (program setting).
    (signals.escalation_became_executive, sponsorship.auto_nominate),
    # The account's executive sponsor hears about its escalations.
    (signals.escalation_stakeholders, sponsorship.escalation_sponsors),
    # The case file names the account's executive sponsor and notifies them of the ask.
    (signals.escalation_sponsor, sponsorship.escalation_sponsor),
    # A deactivated sponsor's sponsorships: admins told, the actor sent to reassign them.
    (signals.user_deactivated, sponsorship.after_user_deactivated),
    # A deactivated user's export schedules (owned, or briefs of them) stop; admins told.
    (signals.user_deactivated, exports.after_user_deactivated),
    # The customer's executive or economic buyer of a sponsored account left: sponsor change.
    (signals.contact_departed, departures.after_contact_departed),
    (signals.contact_returned, departures.after_contact_returned),
    # A sponsorship's or the program's touchpoint cadence changed: future touchpoints move.
    (signals.cadence_changed, cadence.after_cadence_changed),
    # The program's pages flag sponsorships whose cadence is behind.
    (signals.sponsorship_flags, cadence.flags_of),
    # Pages that show several domains.
    (signals.account_page_sections, escalation_pages.account_sections),
    (signals.account_page_sections, sponsorship_pages.account_sections),
    (signals.account_page_sections, coverage.account_section),
    (signals.account_page_sections, touchpoint_pages.account_sections),
    (signals.escalation_page_sections, sponsorship_pages.escalation_sections),
    # The escalation page: knowledge notes like it ("Knowledge notes that may help").
    (signals.escalation_page_sections, knowledge_pages.escalation_sections),
    (signals.user_page_sections, sponsorship_pages.user_sections),
    # One's own profile: the calendar feed's address.
    (signals.profile_page_sections, calendar_pages.profile_section),
    # Today (`/`): each domain's blocks for the viewer's roles.
    (signals.today_page_sections, escalations_today.today_sections),
    (signals.today_page_sections, sponsorship_today.today_sections),
    (signals.today_page_sections, touchpoints_today.today_sections),
    (signals.today_page_sections, accounts_today.today_sections),
    (signals.today_page_sections, exports_today.today_sections),
    (signals.today_page_sections, scheduler_today.today_sections),
    (signals.today_page_sections, auth_today.today_sections),
)


def connect_all() -> None:
    """Connect every subscription (once per process, however many apps are created)."""
    for signal, receiver in SUBSCRIPTIONS:
        signal.connect(receiver, weak=False)
