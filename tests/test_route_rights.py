"""Every route, with every role and anonymously, answers as SPEC.md's rights table says.

A route missing from RIGHTS fails test_every_route_is_in_the_table: a new route cannot
ship without its row here.
"""

import pytest
import sqlalchemy as sa

from app.accounts.models import ImportBatch
from app.escalations.models import (
    Category,
    Handoff,
    IntakeChannel,
    Level,
    ReplyTemplate,
    Severity,
    SlaPolicy,
)
from app.extensions import db
from app.sponsorship.models import (
    Criterion,
    Objective,
    Sponsorship,
    SponsorshipStatus,
    SponsorshipTask,
)
from tests.conftest import ROLES, csrf_token, login, train

ANON = "anonymous"
WHO = [ANON, *ROLES]
CREATORS = {"admin", "csm", "ae"}
MANAGERS = {"admin", "manager"}
DECIDERS = {"admin", "executive"}
WORKERS = CREATORS | MANAGERS
TOUCHPOINT_WRITERS = CREATORS | {"executive"}
EXPORT_OWNERS = {"admin", "executive", "manager"}

# (endpoint, method, variant) -> url template and {who: status}; "*" is every signed-in role.
# Variants "own"/"other" use an account the signed-in CSM/AE owns, or one they do not.
SIGNED_IN_ONLY = {ANON: 302}


def only(allowed, ok, denied=403):
    return {ANON: 302} | {role: (ok if role in allowed else denied) for role in ROLES}


RIGHTS = {
    # --- issue 14: today ---
    # Everyone signed in has a Today page (its blocks follow their roles).
    ("main.index", "GET", ""): ("/", {ANON: 302, "*": 200}),
    # --- end issue 14: today ---
    # --- issue 14: settings ---
    # Everyone reads the settings (the index of admin pages); only admins change them.
    ("auth.settings", "GET", ""): ("/admin", {ANON: 302, "*": 200}),
    # --- end issue 14: settings ---
    # --- jobs: scheduled job runs ---
    # The scheduler's jobs and their runs, errors included: admins only.
    ("scheduler.jobs", "GET", ""): ("/admin/jobs", only({"admin"}, 200)),
    ("scheduler.jobs", "GET", "failed"): ("/admin/jobs?status=failed&page=2", only({"admin"}, 200)),
    # --- end jobs ---
    ("main.healthz", "GET", ""): ("/healthz", {ANON: 200, "*": 200}),
    ("auth.login", "GET", ""): ("/login", {ANON: 200, "*": 302}),
    ("auth.login", "POST", ""): ("/login", {ANON: 200, "*": 302}),
    ("auth.logout", "POST", ""): ("/logout", {ANON: 302, "*": 302}),
    ("auth.profile", "GET", ""): ("/profile", {ANON: 302, "*": 200}),
    ("auth.profile", "POST", ""): ("/profile", {ANON: 302, "*": 422}),
    # Everyone reads users, SLA policies, reply templates and the program (read only); only
    # admins change them.
    ("auth.list_users", "GET", ""): ("/admin/users", {ANON: 302, "*": 200}),
    ("auth.new_user", "GET", ""): ("/admin/users/new", only({"admin"}, 200)),
    ("auth.new_user", "POST", ""): ("/admin/users/new", only({"admin"}, 422)),
    ("auth.edit_user", "GET", ""): ("/admin/users/{other_user}", {ANON: 302, "*": 200}),
    ("auth.edit_user", "POST", ""): ("/admin/users/{other_user}", only({"admin"}, 422)),
    ("auth.set_user_active", "POST", ""): (
        "/admin/users/{other_user}/active",
        only({"admin"}, 302),
    ),
    ("accounts.list_accounts", "GET", ""): ("/accounts/", {ANON: 302, "*": 200}),
    ("accounts.export_accounts", "GET", ""): ("/accounts/export.csv", {ANON: 302, "*": 200}),
    ("accounts.new_account", "GET", ""): ("/accounts/new", only(CREATORS, 200)),
    ("accounts.new_account", "POST", ""): ("/accounts/new", only(CREATORS, 422)),
    ("accounts.show_account", "GET", ""): ("/accounts/{other}", {ANON: 302, "*": 200}),
    ("accounts.edit_account", "GET", "own"): ("/accounts/{own}/edit", only(CREATORS, 200)),
    ("accounts.edit_account", "GET", "other"): ("/accounts/{other}/edit", only({"admin"}, 200)),
    ("accounts.edit_account", "POST", "own"): ("/accounts/{own}/edit", only(CREATORS, 422)),
    ("accounts.edit_account", "POST", "other"): ("/accounts/{other}/edit", only({"admin"}, 422)),
    ("accounts.delete_account", "POST", "own"): ("/accounts/{own}/delete", only({"admin"}, 302)),
    ("accounts.add_note", "POST", "own"): ("/accounts/{own}/notes", only(CREATORS, 302)),
    ("accounts.add_note", "POST", "other"): ("/accounts/{other}/notes", only({"admin"}, 302)),
    ("accounts.new_contact", "GET", "own"): ("/accounts/{own}/contacts/new", only(CREATORS, 200)),
    ("accounts.new_contact", "GET", "other"): (
        "/accounts/{other}/contacts/new",
        only({"admin"}, 200),
    ),
    ("accounts.new_contact", "POST", "own"): ("/accounts/{own}/contacts/new", only(CREATORS, 422)),
    ("accounts.edit_contact", "GET", "own"): (
        "/accounts/{own}/contacts/{own_contact}",
        only(CREATORS, 200),
    ),
    ("accounts.edit_contact", "GET", "other"): (
        "/accounts/{other}/contacts/{other_contact}",
        only({"admin"}, 200),
    ),
    ("accounts.edit_contact", "POST", "own"): (
        "/accounts/{own}/contacts/{own_contact}",
        only(CREATORS, 422),
    ),
    ("accounts.edit_contact", "POST", "other"): (
        "/accounts/{other}/contacts/{other_contact}",
        only({"admin"}, 422),
    ),
    ("accounts.delete_contact", "POST", "own"): (
        "/accounts/{own}/contacts/{own_contact}/delete",
        only(CREATORS, 302),
    ),
    ("accounts.delete_contact", "POST", "other"): (
        "/accounts/{other}/contacts/{other_contact}/delete",
        only({"admin"}, 302),
    ),
    # A contact left or changed role (and the undo): whoever may edit the account.
    ("accounts.mark_departure", "POST", "own"): (
        "/accounts/{own}/contacts/{own_contact}/departure",
        only(CREATORS, 422),
    ),
    ("accounts.mark_departure", "POST", "other"): (
        "/accounts/{other}/contacts/{other_contact}/departure",
        only({"admin"}, 422),
    ),
    ("accounts.undo_departure", "POST", "own"): (
        "/accounts/{own}/contacts/{own_contact}/departure/undo",
        only(CREATORS, 302),
    ),
    ("accounts.undo_departure", "POST", "other"): (
        "/accounts/{other}/contacts/{other_contact}/departure/undo",
        only({"admin"}, 302),
    ),
    ("accounts.import_accounts", "GET", ""): ("/accounts/import", only(CREATORS, 200)),
    ("accounts.import_accounts", "POST", ""): ("/accounts/import", only(CREATORS, 422)),
    ("accounts.preview_import", "GET", "own"): (
        "/accounts/import/{own_batch}",
        only(CREATORS, 200),
    ),
    ("accounts.preview_import", "GET", "other"): (
        "/accounts/import/{other_batch}",
        only(set(), 200),
    ),
    ("accounts.confirm_import", "POST", "own"): (
        "/accounts/import/{own_batch}",
        only(CREATORS, 302),
    ),
    ("notifications.list_notifications", "GET", ""): ("/notifications/", {ANON: 302, "*": 200}),
    ("notifications.mark_read", "POST", ""): ("/notifications/read", {ANON: 302, "*": 302}),
    # Escalations: CSMs/AEs work those on accounts they own; managers and admins every one;
    # executives read all and comment.
    ("escalations.index", "GET", ""): ("/escalations/", {ANON: 302, "*": 200}),
    ("escalations.new", "GET", ""): ("/escalations/new", only(WORKERS, 200)),
    ("escalations.new", "POST", ""): ("/escalations/new", only(WORKERS, 422)),
    ("escalations.show", "GET", ""): ("/escalations/{other_esc}", {ANON: 302, "*": 200}),
    ("escalations.edit", "GET", "own"): ("/escalations/{own_esc}/edit", only(WORKERS, 200)),
    ("escalations.edit", "GET", "other"): ("/escalations/{other_esc}/edit", only(MANAGERS, 200)),
    ("escalations.edit", "POST", "own"): ("/escalations/{own_esc}/edit", only(WORKERS, 422)),
    ("escalations.edit", "POST", "other"): ("/escalations/{other_esc}/edit", only(MANAGERS, 422)),
    ("escalations.change_status", "POST", "own"): (
        "/escalations/{own_esc}/status",
        only(WORKERS, 422),
    ),
    ("escalations.change_status", "POST", "other"): (
        "/escalations/{other_esc}/status",
        only(MANAGERS, 422),
    ),
    ("escalations.raise_level", "GET", "own"): ("/escalations/{own_esc}/level", only(WORKERS, 200)),
    ("escalations.raise_level", "POST", "other"): (
        "/escalations/{other_esc}/level",
        only(MANAGERS, 422),
    ),
    ("escalations.acknowledge", "POST", "own"): (
        "/escalations/{own_esc}/handoffs/{own_handoff}/ack",
        {ANON: 302, "*": 302},
    ),
    ("escalations.acknowledge", "POST", "other"): (
        "/escalations/{other_esc}/handoffs/{other_handoff}/ack",
        only(MANAGERS, 302),
    ),
    ("escalations.add_update", "POST", "own"): (
        "/escalations/{own_esc}/updates",
        only(WORKERS, 422),
    ),
    ("escalations.add_update", "POST", "other"): (
        "/escalations/{other_esc}/updates",
        only(MANAGERS, 422),
    ),
    ("escalations.resolve", "GET", "own"): ("/escalations/{own_esc}/resolve", only(WORKERS, 200)),
    ("escalations.resolve", "POST", "other"): (
        "/escalations/{other_esc}/resolve",
        only(MANAGERS, 422),
    ),
    ("escalations.add_note", "POST", "other"): (
        "/escalations/{other_esc}/notes",
        only(MANAGERS | {"executive"}, 422),
    ),
    ("escalations.set_watchers", "POST", "own"): (
        "/escalations/{own_esc}/watchers",
        only(WORKERS, 302),
    ),
    ("escalations.set_watchers", "POST", "other"): (
        "/escalations/{other_esc}/watchers",
        only(MANAGERS, 302),
    ),
    ("escalations.assign_owner", "POST", "own"): (
        "/escalations/{own_esc}/owner",
        only(MANAGERS, 302),
    ),
    ("escalations.widespread", "GET", "own"): (
        "/escalations/{own_esc}/widespread",
        only(WORKERS, 200),
    ),
    ("escalations.widespread", "POST", "other"): (
        "/escalations/{other_esc}/widespread",
        only(MANAGERS, 422),
    ),
    # Sponsorship: nominations by the account's CSM/AE and admins; decisions by executives
    # and admins; the sponsor (here the signed-in executive) stewards; admins run the program.
    ("sponsorship.index", "GET", ""): ("/sponsorships/", {ANON: 302, "*": 200}),
    ("sponsorship.eligibility", "GET", ""): ("/sponsorships/eligibility", {ANON: 302, "*": 200}),
    ("sponsorship.run_review", "POST", ""): ("/sponsorships/eligibility/run", only({"admin"}, 302)),
    ("sponsorship.nominate", "GET", "own"): ("/sponsorships/nominate/{own}", only(CREATORS, 200)),
    ("sponsorship.nominate", "GET", "other"): (
        "/sponsorships/nominate/{other}",
        only({"admin"}, 200),
    ),
    ("sponsorship.nominate", "POST", "own"): ("/sponsorships/nominate/{own}", only(CREATORS, 422)),
    ("sponsorship.show", "GET", ""): ("/sponsorships/{sponsorship}", {ANON: 302, "*": 200}),
    ("sponsorship.approve", "POST", ""): (
        "/sponsorships/{sponsorship}/approve",
        only(DECIDERS, 422),
    ),
    # A nomination approved with the signed-in executive (or, for others, an executive) as
    # sponsor; then with another executive, whom only an admin may name.
    ("sponsorship.approve", "POST", "own_sponsor"): (
        "/sponsorships/{nomination}/approve",
        only(DECIDERS, 302),
    ),
    ("sponsorship.approve", "POST", "other_sponsor"): (
        "/sponsorships/{nomination}/approve",
        only(DECIDERS, 302) | {"executive": 422},
    ),
    ("sponsorship.decline", "POST", ""): (
        "/sponsorships/{sponsorship}/decline",
        only(DECIDERS, 422),
    ),
    ("sponsorship.end", "POST", ""): ("/sponsorships/{sponsorship}/exit", only(DECIDERS, 422)),
    ("sponsorship.keep", "POST", ""): ("/sponsorships/{sponsorship}/continue", only(DECIDERS, 302)),
    ("sponsorship.reassign", "POST", ""): (
        "/sponsorships/{sponsorship}/sponsor",
        only({"admin"}, 422),
    ),
    ("sponsorship.tick", "POST", ""): (
        "/sponsorships/{sponsorship}/tasks/{task}",
        only(DECIDERS, 302),
    ),
    ("sponsorship.add_objective", "POST", ""): (
        "/sponsorships/{sponsorship}/objectives",
        only(DECIDERS, 422),
    ),
    ("sponsorship.objective_status", "POST", ""): (
        "/sponsorships/{sponsorship}/objectives/{objective}",
        only(DECIDERS, 302),
    ),
    # The touchpoint cadence: whoever plans the sponsorship (sponsor, account's CSM/AE, admins).
    ("sponsorship.set_cadence", "POST", ""): (
        "/sponsorships/{sponsorship}/cadence",
        only(DECIDERS, 422),
    ),
    ("sponsorship.program_results", "GET", ""): ("/sponsorships/results", {ANON: 302, "*": 200}),
    # --- analytics: program results snapshot ---
    # Everyone reads the stored figures; only admins recompute them.
    ("sponsorship.recompute_results", "POST", ""): (
        "/sponsorships/results/recompute",
        only({"admin"}, 302),
    ),
    # --- end analytics ---
    ("sponsorship.executive", "GET", ""): (
        "/sponsorships/executives/{executive}",
        {ANON: 302, "*": 200},
    ),
    ("sponsorship.record_training", "POST", ""): (
        "/sponsorships/executives/{executive}/training",
        only(DECIDERS, 422),
    ),
    ("sponsorship.program_settings", "GET", ""): ("/sponsorships/program", {ANON: 302, "*": 200}),
    ("sponsorship.program_settings", "POST", ""): ("/sponsorships/program", only({"admin"}, 422)),
    ("sponsorship.add_criterion", "POST", ""): (
        "/sponsorships/program/criteria",
        only({"admin"}, 422),
    ),
    ("sponsorship.remove_criterion", "POST", ""): (
        "/sponsorships/program/criteria/{criterion}/remove",
        only({"admin"}, 302),
    ),
    # Executive review: everyone reads every executive's page and briefs (a brief download is
    # logged); the sponsor (here the signed-in executive) or an admin records a review.
    ("review.index", "GET", ""): ("/review/", {ANON: 302, "*": 200}),
    ("review.executive", "GET", ""): ("/review/{executive}", {ANON: 302, "*": 200}),
    ("review.account", "GET", ""): ("/review/accounts/{other}", {ANON: 302, "*": 200}),
    ("review.record", "POST", ""): (
        "/review/sponsorships/{sponsorship}/reviews",
        only(DECIDERS, 422),
    ),
    ("review.account_brief", "GET", ""): (
        "/review/accounts/{other}/brief.pdf",
        {ANON: 302, "*": 200},
    ),
    ("review.portfolio_brief", "GET", ""): (
        "/review/{executive}/portfolio.pdf",
        {ANON: 302, "*": 200},
    ),
    ("review.brief_history", "GET", ""): ("/review/{executive}/briefs", {ANON: 302, "*": 200}),
    ("escalation_admin.sla_policies", "GET", ""): ("/admin/sla-policies", {ANON: 302, "*": 200}),
    ("escalation_admin.edit_sla_policy", "GET", ""): (
        "/admin/sla-policies/{policy}",
        {ANON: 302, "*": 200},
    ),
    ("escalation_admin.edit_sla_policy", "POST", ""): (
        "/admin/sla-policies/{policy}",
        only({"admin"}, 422),
    ),
    ("escalation_admin.reply_templates", "GET", ""): (
        "/admin/reply-templates",
        {ANON: 302, "*": 200},
    ),
    ("escalation_admin.edit_reply_template", "GET", ""): (
        "/admin/reply-templates/{template}",
        {ANON: 302, "*": 200},
    ),
    ("escalation_admin.edit_reply_template", "POST", ""): (
        "/admin/reply-templates/{template}",
        only({"admin"}, 422),
    ),
    # Touchpoints: everyone reads; admins and executives schedule on any account, CSMs/AEs on
    # those they own. Changes: admins, the account's CSM/AE, the executives attending (the
    # signed-in executive attends the "own" touchpoint) or sponsoring. A next step is also
    # ticked by its owner. Managers see another person's next steps.
    ("touchpoints.index", "GET", ""): ("/touchpoints/", {ANON: 302, "*": 200}),
    ("touchpoints.actions", "GET", ""): ("/touchpoints/actions", {ANON: 302, "*": 200}),
    ("touchpoints.actions", "GET", "other"): (
        "/touchpoints/actions?owner={other_user}",
        {ANON: 302, "*": 200},
    ),
    ("touchpoints.new", "GET", "own"): (
        "/touchpoints/new?account_id={own}",
        only(TOUCHPOINT_WRITERS, 200),
    ),
    ("touchpoints.new", "GET", "other"): (
        "/touchpoints/new?account_id={other}",
        only(DECIDERS, 200),
    ),
    ("touchpoints.new", "POST", "own"): (
        "/touchpoints/new?account_id={own}",
        only(TOUCHPOINT_WRITERS, 422),
    ),
    ("touchpoints.new", "POST", "other"): (
        "/touchpoints/new?account_id={other}",
        only(DECIDERS, 422),
    ),
    ("touchpoints.show", "GET", ""): ("/touchpoints/{other_touchpoint}", {ANON: 302, "*": 200}),
    ("touchpoints.prep_brief", "GET", ""): (
        "/touchpoints/{other_touchpoint}/prep",
        {ANON: 302, "*": 200},
    ),
    ("touchpoints.edit", "GET", "own"): (
        "/touchpoints/{own_touchpoint}/edit",
        only(TOUCHPOINT_WRITERS, 200),
    ),
    ("touchpoints.edit", "GET", "other"): (
        "/touchpoints/{other_touchpoint}/edit",
        only({"admin"}, 200),
    ),
    ("touchpoints.edit", "POST", "own"): (
        "/touchpoints/{own_touchpoint}/edit",
        only(TOUCHPOINT_WRITERS, 422),
    ),
    ("touchpoints.edit", "POST", "other"): (
        "/touchpoints/{other_touchpoint}/edit",
        only({"admin"}, 422),
    ),
    ("touchpoints.complete", "GET", "own"): (
        "/touchpoints/{own_touchpoint}/complete",
        only(TOUCHPOINT_WRITERS, 200),
    ),
    ("touchpoints.complete", "POST", "own"): (
        "/touchpoints/{own_touchpoint}/complete",
        only(TOUCHPOINT_WRITERS, 422),
    ),
    ("touchpoints.complete", "POST", "other"): (
        "/touchpoints/{other_touchpoint}/complete",
        only({"admin"}, 422),
    ),
    ("touchpoints.cancel", "POST", "own"): (
        "/touchpoints/{own_touchpoint}/cancel",
        only(TOUCHPOINT_WRITERS, 422),
    ),
    ("touchpoints.cancel", "POST", "other"): (
        "/touchpoints/{other_touchpoint}/cancel",
        only({"admin"}, 422),
    ),
    ("touchpoints.missed", "POST", "own"): (
        "/touchpoints/{own_touchpoint}/missed",
        only(TOUCHPOINT_WRITERS, 302),
    ),
    ("touchpoints.missed", "POST", "other"): (
        "/touchpoints/{other_touchpoint}/missed",
        only({"admin"}, 302),
    ),
    ("touchpoints.finish_item", "POST", "own"): (
        "/touchpoints/items/{own_item}/done",
        only(TOUCHPOINT_WRITERS, 302),
    ),
    ("touchpoints.finish_item", "POST", "other"): (
        "/touchpoints/items/{other_item}/done",
        only({"admin"}, 302),
    ),
    ("touchpoints.finish_item", "POST", "mine"): (
        "/touchpoints/items/{my_item}/done",
        {ANON: 302, "*": 302},
    ),
    # The calendar and .ics files: everyone signed in reads everything. Each manages their own
    # feed; the feed itself needs no sign-in but a valid token (tests/test_calendar.py), and
    # an unknown one is 404 for everyone.
    ("touchpoints.calendar", "GET", ""): ("/touchpoints/calendar", {ANON: 302, "*": 200}),
    ("touchpoints.download_ics", "GET", ""): (
        "/touchpoints/{other_touchpoint}.ics",
        {ANON: 302, "*": 200},
    ),
    ("touchpoints.issue_feed", "POST", ""): ("/touchpoints/calendar/feed", {ANON: 302, "*": 302}),
    ("touchpoints.revoke_feed", "POST", ""): (
        "/touchpoints/calendar/feed/revoke",
        {ANON: 302, "*": 302},
    ),
    ("calendar_feed.feed", "GET", ""): (
        "/calendar/feed/unknown-token-of-nobody-at-all.ics",
        {ANON: 404, "*": 404},
    ),
    # Exports: admins, executives and managers own schedules. A schedule is seen by its owner,
    # the admins and its recipients (anyone else: 404, it is not told to exist), changed and
    # run by its owner (while allowed to own) and the admins. "own": the signed-in user's (a
    # CSM's or AE's own is one whose owner lost the role), "other": another admin's,
    # "received": another admin's with the signed-in user among its recipients.
    # After the resolution: whoever may work the escalation records the check-in, moves it,
    # closes and reopens; everyone reads a post-mortem, its owner, managers and admins write
    # it; an action item's owner (or a manager) ticks it.
    ("escalations.record_follow_up", "POST", "own"): (
        "/escalations/{own_esc}/follow-up",
        only(WORKERS, 422),
    ),
    ("escalations.record_follow_up", "POST", "other"): (
        "/escalations/{other_esc}/follow-up",
        only(MANAGERS, 422),
    ),
    ("escalations.set_follow_up_days", "POST", "own"): (
        "/escalations/{own_esc}/follow-up-days",
        only(WORKERS, 422),
    ),
    ("escalations.set_follow_up_days", "POST", "other"): (
        "/escalations/{other_esc}/follow-up-days",
        only(MANAGERS, 422),
    ),
    ("escalations.close", "POST", "own"): ("/escalations/{own_esc}/close", only(WORKERS, 422)),
    ("escalations.close", "POST", "other"): (
        "/escalations/{other_esc}/close",
        only(MANAGERS, 422),
    ),
    ("escalations.reopen", "GET", "own"): ("/escalations/{own_esc}/reopen", only(WORKERS, 200)),
    ("escalations.reopen", "GET", "other"): (
        "/escalations/{other_esc}/reopen",
        only(MANAGERS, 200),
    ),
    ("escalations.reopen", "POST", "other"): (
        "/escalations/{other_esc}/reopen",
        only(MANAGERS, 422),
    ),
    ("escalations.post_mortem", "GET", ""): (
        "/escalations/{own_esc}/post-mortem",
        {ANON: 302, "*": 200},
    ),
    ("escalations.post_mortem", "POST", "other"): (
        "/escalations/{other_esc}/post-mortem",
        only(MANAGERS, 302),
    ),
    ("escalations.add_action", "POST", "other"): (
        "/escalations/{other_esc}/post-mortem/actions",
        only(MANAGERS, 422),
    ),
    ("escalations.tick_action", "POST", "own"): (
        "/escalations/{own_esc}/post-mortem/actions/{my_pm_action}/done",
        {ANON: 302, "*": 302},
    ),
    ("escalations.tick_action", "POST", "other"): (
        "/escalations/{own_esc}/post-mortem/actions/{other_pm_action}/done",
        only(MANAGERS, 302),
    ),
    ("escalations.work", "GET", ""): ("/escalations/work", {ANON: 302, "*": 200}),
    # --- issue 12: threat suggestions (threat_views.py) ---
    # Those who may work the escalation decide its pending suggestion; the token alone carries
    # no version, so the decision is refused as stale (409) rather than made.
    ("escalations.confirm_threat", "POST", "own"): (
        "/escalations/{own_esc}/threat-suggestions/{own_threat}/confirm",
        only(WORKERS, 409),
    ),
    ("escalations.confirm_threat", "POST", "other"): (
        "/escalations/{other_esc}/threat-suggestions/{other_threat}/confirm",
        only(MANAGERS, 409),
    ),
    ("escalations.confirm_threat", "POST", "mismatch"): (
        "/escalations/{own_esc}/threat-suggestions/{other_threat}/confirm",
        {ANON: 302, "*": 404},
    ),
    ("escalations.dismiss_threat", "POST", "own"): (
        "/escalations/{own_esc}/threat-suggestions/{own_threat}/dismiss",
        only(WORKERS, 409),
    ),
    ("escalations.dismiss_threat", "POST", "other"): (
        "/escalations/{other_esc}/threat-suggestions/{other_threat}/dismiss",
        only(MANAGERS, 409),
    ),
    ("escalations.threat_suggestions_page", "GET", ""): (
        "/escalations/threat-suggestions",
        only(MANAGERS, 200),
    ),
    ("escalations.threat_suggestions_csv", "GET", ""): (
        "/escalations/threat-suggestions.csv",
        only(MANAGERS, 200),
    ),
    # --- issue 12: health and trend (health_views.py) ---
    ("escalations.set_health", "POST", "own"): (
        "/escalations/{own_esc}/health",
        only(WORKERS, 422),
    ),
    ("escalations.set_health", "POST", "other"): (
        "/escalations/{other_esc}/health",
        only(MANAGERS, 422),
    ),
    # Everyone reads the cadence; an admin's save without the version read is stale (409).
    ("escalation_admin.health_cadence", "GET", ""): (
        "/admin/escalations/health-cadence",
        {ANON: 302, "*": 200},
    ),
    ("escalation_admin.health_cadence", "POST", ""): (
        "/admin/escalations/health-cadence",
        only({"admin"}, 409),
    ),
    # --- issue 12: case file (casefile_views.py) ---
    # Empty forms: 422; a criterion button without its version is stale: 409.
    ("escalations.add_exit_criterion", "POST", "own"): (
        "/escalations/{own_esc}/exit-criteria",
        only(WORKERS, 422),
    ),
    ("escalations.add_exit_criterion", "POST", "other"): (
        "/escalations/{other_esc}/exit-criteria",
        only(MANAGERS, 422),
    ),
    ("escalations.criterion_met", "POST", "own"): (
        "/escalations/{own_esc}/exit-criteria/{own_criterion}/met",
        only(WORKERS, 409),
    ),
    ("escalations.criterion_met", "POST", "other"): (
        "/escalations/{other_esc}/exit-criteria/{other_criterion}/met",
        only(MANAGERS, 409),
    ),
    # Another escalation's criterion through this one's address: not found.
    ("escalations.criterion_met", "POST", "mismatch"): (
        "/escalations/{own_esc}/exit-criteria/{other_criterion}/met",
        only(WORKERS, 404),
    ),
    ("escalations.criterion_unmet", "POST", "own"): (
        "/escalations/{own_esc}/exit-criteria/{own_criterion}/unmet",
        only(WORKERS, 409),
    ),
    ("escalations.criterion_unmet", "POST", "other"): (
        "/escalations/{other_esc}/exit-criteria/{other_criterion}/unmet",
        only(MANAGERS, 409),
    ),
    ("escalations.remove_exit_criterion", "POST", "own"): (
        "/escalations/{own_esc}/exit-criteria/{own_criterion}/remove",
        only(WORKERS, 409),
    ),
    ("escalations.remove_exit_criterion", "POST", "other"): (
        "/escalations/{other_esc}/exit-criteria/{other_criterion}/remove",
        only(MANAGERS, 409),
    ),
    # Executives log decisions on any escalation, besides those who work it.
    ("escalations.log_decision", "POST", "own"): (
        "/escalations/{own_esc}/decisions",
        only(WORKERS | {"executive"}, 422),
    ),
    ("escalations.log_decision", "POST", "other"): (
        "/escalations/{other_esc}/decisions",
        only(MANAGERS | {"executive"}, 422),
    ),
    ("escalations.add_to_roster", "POST", "own"): (
        "/escalations/{own_esc}/roster",
        only(WORKERS, 422),
    ),
    ("escalations.add_to_roster", "POST", "other"): (
        "/escalations/{other_esc}/roster",
        only(MANAGERS, 422),
    ),
    ("escalations.leave_roster", "POST", "own"): (
        "/escalations/{own_esc}/roster/{own_roster}/leave",
        only(WORKERS, 302),
    ),
    ("escalations.leave_roster", "POST", "other"): (
        "/escalations/{other_esc}/roster/{other_roster}/leave",
        only(MANAGERS, 302),
    ),
    ("escalations.leave_roster", "POST", "mismatch"): (
        "/escalations/{own_esc}/roster/{other_roster}/leave",
        only(WORKERS, 404),
    ),
    # The ask without the escalation's version is stale: 409.
    ("escalations.set_sponsor_ask", "POST", "own"): (
        "/escalations/{own_esc}/sponsor-ask",
        only(WORKERS, 409),
    ),
    ("escalations.set_sponsor_ask", "POST", "other"): (
        "/escalations/{other_esc}/sponsor-ask",
        only(MANAGERS, 409),
    ),
    # The own escalation's account has no sponsor: nothing to comment on (404); the other's
    # has one, and an empty comment is refused (422).
    ("escalations.sponsor_comment", "POST", "own"): (
        "/escalations/{own_esc}/sponsor-comment",
        only(WORKERS | {"executive"}, 404),
    ),
    ("escalations.sponsor_comment", "POST", "other"): (
        "/escalations/{other_esc}/sponsor-comment",
        only(MANAGERS | {"executive"}, 422),
    ),
    # --- issue 13: why ---
    # Whoever reads the escalation reads why its clocks are due; another escalation's clock
    # through this one's address: not found.
    ("escalations.clock_explanation", "GET", ""): (
        "/escalations/{other_esc}/clocks/{other_clock}/why",
        {ANON: 302, "*": 200},
    ),
    ("escalations.clock_explanation", "GET", "mismatch"): (
        "/escalations/{own_esc}/clocks/{other_clock}/why",
        {ANON: 302, "*": 404},
    ),
    # The customer's survey page needs no sign-in: a link that is not a signed token is a 404
    # for anyone. Sending it is for whoever may work the escalation.
    ("survey.answer", "GET", ""): ("/survey/not-a-signed-token", {ANON: 404, "*": 404}),
    ("survey.answer", "POST", ""): ("/survey/not-a-signed-token", {ANON: 404, "*": 404}),
    ("survey.thanks", "GET", ""): ("/survey/thanks", {ANON: 200, "*": 200}),
    ("survey.send", "POST", "own"): ("/escalations/{own_esc}/survey/send", only(WORKERS, 302)),
    ("survey.send", "POST", "other"): (
        "/escalations/{other_esc}/survey/send",
        only(MANAGERS, 302),
    ),
    # --- issue 13: calendars ---
    # Everyone reads business calendars; only admins open the new form and change them. Empty
    # forms: 422; the calendar in use is not deleted (a message, back to its page).
    ("escalation_admin.calendars_list", "GET", ""): ("/admin/calendars", {ANON: 302, "*": 200}),
    ("escalation_admin.new_calendar", "GET", ""): ("/admin/calendars/new", only({"admin"}, 200)),
    ("escalation_admin.new_calendar", "POST", ""): ("/admin/calendars/new", only({"admin"}, 422)),
    ("escalation_admin.calendar", "GET", ""): (
        "/admin/calendars/{calendar}",
        {ANON: 302, "*": 200},
    ),
    ("escalation_admin.calendar", "POST", ""): (
        "/admin/calendars/{calendar}",
        only({"admin"}, 422),
    ),
    ("escalation_admin.add_closure", "POST", ""): (
        "/admin/calendars/{calendar}/closures",
        only({"admin"}, 422),
    ),
    ("escalation_admin.remove_closure", "POST", ""): (
        "/admin/calendars/{calendar}/closures/{closure}/remove",
        only({"admin"}, 302),
    ),
    # Another calendar's closure through this one's address: not found.
    ("escalation_admin.remove_closure", "POST", "mismatch"): (
        "/admin/calendars/{calendar}/closures/{other_closure}/remove",
        only({"admin"}, 404),
    ),
    ("escalation_admin.set_worked", "POST", ""): (
        "/admin/calendars/{calendar}/holidays",
        only({"admin"}, 422),
    ),
    ("escalation_admin.delete_calendar", "POST", ""): (
        "/admin/calendars/{calendar}/delete",
        only({"admin"}, 302),
    ),
    # Reports: everyone signed in reads them and their CSVs; admins refresh the figures.
    ("reports.index", "GET", ""): ("/reports/", {ANON: 302, "*": 200}),
    ("reports.figure_csv", "GET", ""): ("/reports/by_month.csv", {ANON: 302, "*": 200}),
    ("reports.refresh", "POST", ""): ("/reports/refresh", only({"admin"}, 302)),
    # Knowledge: everyone signed in reads and searches; admins, managers, CSMs and AEs write
    # and change any note; the note's author or an admin deletes it.
    ("knowledge.index", "GET", ""): ("/knowledge/?q=請求", {ANON: 302, "*": 200}),
    ("knowledge.suggest", "GET", ""): ("/knowledge/suggest?q=請求", {ANON: 302, "*": 200}),
    ("knowledge.show", "GET", ""): ("/knowledge/{note}", {ANON: 302, "*": 200}),
    ("knowledge.new", "GET", ""): ("/knowledge/new", only(WORKERS, 200)),
    ("knowledge.new", "GET", "post_mortem"): (
        "/knowledge/new?post_mortem={post_mortem}",
        only(WORKERS, 200),
    ),
    ("knowledge.new", "POST", ""): ("/knowledge/new", only(WORKERS, 422)),
    ("knowledge.edit", "GET", ""): ("/knowledge/{note}/edit", only(WORKERS, 200)),
    ("knowledge.edit", "POST", ""): ("/knowledge/{note}/edit", only(WORKERS, 302)),
    ("knowledge.delete", "POST", "own"): ("/knowledge/{own_note}/delete", {ANON: 302, "*": 302}),
    ("knowledge.delete", "POST", "other"): ("/knowledge/{note}/delete", only({"admin"}, 302)),
    ("exports.index", "GET", ""): ("/exports/", {ANON: 302, "*": 200}),
    ("exports.runs", "GET", ""): ("/exports/runs", {ANON: 302, "*": 200}),
    ("exports.new", "GET", ""): ("/exports/new", only(EXPORT_OWNERS, 200)),
    ("exports.new", "POST", ""): ("/exports/new", only(EXPORT_OWNERS, 422)),
    ("exports.preview", "GET", ""): (
        "/exports/preview?frequency=daily&run_time=07:00&timezone=UTC",
        only(EXPORT_OWNERS, 200),
    ),
    ("exports.show", "GET", "own"): ("/exports/{own_schedule}", {ANON: 302, "*": 200}),
    ("exports.show", "GET", "other"): ("/exports/{other_schedule}", only({"admin"}, 200, 404)),
    ("exports.show", "GET", "received"): ("/exports/{received_schedule}", {ANON: 302, "*": 200}),
    ("exports.edit", "GET", "own"): ("/exports/{own_schedule}/edit", only(EXPORT_OWNERS, 200)),
    ("exports.edit", "GET", "other"): (
        "/exports/{other_schedule}/edit",
        only({"admin"}, 200, 404),
    ),
    ("exports.edit", "GET", "received"): (
        "/exports/{received_schedule}/edit",
        only({"admin"}, 200),
    ),
    ("exports.edit", "POST", "own"): ("/exports/{own_schedule}/edit", only(EXPORT_OWNERS, 422)),
    ("exports.edit", "POST", "other"): (
        "/exports/{other_schedule}/edit",
        only({"admin"}, 422, 404),
    ),
    ("exports.run_now", "POST", "own"): ("/exports/{own_schedule}/run", only(EXPORT_OWNERS, 302)),
    ("exports.run_now", "POST", "other"): (
        "/exports/{other_schedule}/run",
        only({"admin"}, 302, 404),
    ),
    ("exports.run_now", "POST", "received"): (
        "/exports/{received_schedule}/run",
        only({"admin"}, 302),
    ),
    ("exports.set_enabled", "POST", "own"): (
        "/exports/{own_schedule}/enabled",
        only(EXPORT_OWNERS, 302),
    ),
    ("exports.set_enabled", "POST", "other"): (
        "/exports/{other_schedule}/enabled",
        only({"admin"}, 302, 404),
    ),
    ("exports.set_enabled", "POST", "received"): (
        "/exports/{received_schedule}/enabled",
        only({"admin"}, 302),
    ),
    ("exports.download", "GET", "received"): (
        "/exports/runs/{received_run}/download",
        {ANON: 302, "*": 200},
    ),
    ("exports.download", "GET", "other"): (
        "/exports/runs/{other_run}/download",
        only({"admin"}, 200, 404),
    ),
    ("exports.progress", "GET", "received"): (
        "/exports/runs/{received_run}/progress",
        {ANON: 302, "*": 200},
    ),
    ("exports.progress", "GET", "other"): (
        "/exports/runs/{other_run}/progress",
        only({"admin"}, 200, 404),
    ),
}


# What a POST sends besides the CSRF token, where the row needs more than an empty form.
POST_DATA = {
    ("sponsorship.approve", "POST", "own_sponsor"): lambda ids: {
        "sponsor_id": ids["executive"],
        "start_on": "2027-01-04",
    },
    ("sponsorship.approve", "POST", "other_sponsor"): lambda ids: {
        "sponsor_id": ids["other_executive"],
        "start_on": "2027-01-04",
    },
    **{
        ("exports.set_enabled", "POST", variant): lambda ids: {"enabled": "0"}
        for variant in ("own", "other", "received")
    },
}


def test_every_route_is_in_the_table(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(endpoint, method) for endpoint, method, _variant in RIGHTS}
    assert routes - covered == set(), "routes without a row in RIGHTS"
    assert covered - routes == set(), "rows in RIGHTS for routes that do not exist"


CASES = [
    pytest.param(key, who, id=f"{key[0]}-{key[1]}-{key[2] or 'any'}-{who}")
    for key in RIGHTS
    for who in WHO
]


@pytest.fixture(autouse=True)
def export_folder(app, tmp_path, monkeypatch):
    """Export files in the test's own folder; Run now's export is not run (its run row is what
    the request writes, the rights are what is tested here)."""
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    monkeypatch.setattr("app.exports.runner.run_in_background", lambda run_id: None)
    return tmp_path


@pytest.fixture
def world(
    app, make_user, make_account, make_contact, make_escalation, make_sponsorship, export_folder
):
    """Two accounts (one owned by the signed-in CSM/AE), contacts, import batches, a user."""

    def build(who):
        me = None if who == ANON else make_user(who)
        someone = make_user("csm")
        owner_fields = {"csm": "csm_owner_id", "ae": "ae_owner_id"}
        own = make_account(**({owner_fields[who]: me} if who in owner_fields else {}))
        other = make_account(csm_owner_id=someone)
        ids = {
            "own": own,
            "other": other,
            "other_user": someone,
            "me": me,
            "own_contact": make_contact(own),
            "other_contact": make_contact(other),
        }
        executive = me if who == "executive" else make_user("executive")
        other_executive = make_user("executive")
        other_admin = make_user("admin")
        for key, account_id in (("own_esc", own), ("other_esc", other)):
            ids[key] = make_escalation(
                account_id,
                title=f"{key} title",
                channel=IntakeChannel.EMAIL,
                category=Category.OTHER,
                severity=Severity.MEDIUM,
                owner_id=someone,
            )
        ids["sponsorship"] = make_sponsorship(
            other,
            status=SponsorshipStatus.ACTIVE,
            sponsor_id=executive,
            nomination_reason="x",
            tasks=[SponsorshipTask(position=0, text="Call")],
            objectives=[Objective(text="Renew")],
        )
        ids["nomination"] = make_sponsorship(
            own, status=SponsorshipStatus.NOMINATED, nomination_reason="y"
        )
        for trained in (executive, other_executive):  # both could sponsor
            train(app, trained)
        with app.app_context():
            csv_text = "name,domain\nNew One,new-one.example.com\n"
            for key, user_id in (("own_batch", me or someone), ("other_batch", someone)):
                batch = ImportBatch(
                    user_id=user_id, filename="a.csv", encoding="utf-8", content=csv_text
                )
                db.session.add(batch)
                db.session.flush()
                ids[key] = batch.id
            for key in ("own_esc", "other_esc"):
                receiver = me if key == "own_esc" and me else someone
                handoff = Handoff(
                    escalation_id=ids[key],
                    from_level=Level.L1,
                    to_level=Level.L2,
                    to_owner_id=receiver,
                    created_by_id=someone,
                    what_happened="a",
                    what_was_tried="b",
                    why_unresolved="c",
                    what_is_needed="d",
                )
                db.session.add(handoff)
                db.session.flush()
                ids[key.replace("esc", "handoff")] = handoff.id
            ids.update(_touchpoints(own, other, me or someone, someone, executive))
            ids.update(_exports(export_folder, me or someone, other_admin))
            ids.update(_knowledge(me or someone, someone, ids["own_esc"]))
            ids.update(_post_mortem_actions(ids["post_mortem"], me or someone, someone))
            ids.update(_threat_records(ids["own_esc"], ids["other_esc"], me or someone, someone))
            ids.update(_health_records(ids["own_esc"], ids["other_esc"], me or someone, someone))
            ids.update(_case_records(ids["own_esc"], ids["other_esc"], me or someone, someone))
            ids.update(_why_records(ids["own_esc"], ids["other_esc"]))  # --- issue 13: why ---
            sponsorship = db.session.get(Sponsorship, ids["sponsorship"])
            ids.update(
                other_executive=other_executive,
                task=sponsorship.tasks[0].id,
                objective=sponsorship.objectives[0].id,
                executive=executive,
                criterion=db.session.scalars(sa.select(Criterion.id)).first(),
            )
            ids["policy"] = db.session.scalars(sa.select(SlaPolicy.id)).first()
            ids.update(_calendar_records(ids["policy"]))  # --- issue 13: calendars ---
            ids["template"] = db.session.scalars(sa.select(ReplyTemplate.id)).first()
            db.session.commit()
        return ids

    return build


# --- issue 13: calendars ---
def _calendar_records(policy_id) -> dict:
    """The calendar the policy counts in, with a closure; another calendar's closure."""
    from datetime import date

    from app.escalations.models import CalendarDay, CalendarDayKind, WorkCalendar

    calendar_id = db.session.get(SlaPolicy, policy_id).calendar_id
    other = WorkCalendar(name="Other office", timezone="UTC", week=[[["09:00", "17:00"]]] * 7)
    db.session.add(other)
    db.session.flush()
    ids = {"calendar": calendar_id}
    for key, owner in (("closure", calendar_id), ("other_closure", other.id)):
        closure = CalendarDay(
            calendar_id=owner,
            kind=CalendarDayKind.CLOSURE,
            starts_on=date(2027, 8, 13),
            ends_on=date(2027, 8, 16),
            name="Obon week",
        )
        db.session.add(closure)
        db.session.flush()
        ids[key] = closure.id
    return ids


def _threat_records(own_esc, other_esc, me, someone) -> dict:
    """Issue 12: the threat suggestions the rows above name: one pending on each escalation."""
    from app.escalations.models import ThreatFlag, ThreatSource, ThreatSuggestion

    ids = {}
    for key, escalation_id in (("own_threat", own_esc), ("other_threat", other_esc)):
        suggestion = ThreatSuggestion(
            escalation_id=escalation_id,
            flag=ThreatFlag.LEGAL,
            source=ThreatSource.NOTE,
            sentence="Our lawyer will call you.",
            spans=[[4, 10]],
            rule="legal.word",
        )
        db.session.add(suggestion)
        db.session.flush()
        ids[key] = suggestion.id
    return ids


def _health_records(own_esc, other_esc, me, someone) -> dict:
    """Issue 12: the health records the rows above name (the escalations and the cadence
    rows the migration seeds are all they need)."""
    return {}


def _case_records(own_esc, other_esc, me, someone) -> dict:
    """Issue 12: the exit criteria, decisions and roster entries the rows above name."""
    from app.escalations.models import ExitCriterion, RosterEntry
    from app.models import utcnow

    ids = {}
    for key, escalation_id in (("own", own_esc), ("other", other_esc)):
        criterion = ExitCriterion(
            escalation_id=escalation_id, text="Invoices correct", created_by_id=someone
        )
        roster = RosterEntry(
            escalation_id=escalation_id,
            user_id=someone,
            role="Engineering",
            joined_at=utcnow(),
            added_by_id=someone,
        )
        db.session.add_all([criterion, roster])
        db.session.flush()
        ids[f"{key}_criterion"], ids[f"{key}_roster"] = criterion.id, roster.id
    return ids


def _post_mortem_actions(post_mortem_id, me, someone) -> dict:
    """Action items of the post-mortem: one of the user's, one of someone else's."""
    from datetime import date

    from app.escalations.models import PostMortemAction

    ids = {}
    for key, owner in (("my_pm_action", me), ("other_pm_action", someone)):
        action = PostMortemAction(
            post_mortem_id=post_mortem_id, text="Fix it", owner_id=owner, due_on=date.today()
        )
        db.session.add(action)
        db.session.flush()
        ids[key] = action.id
    return ids


def _knowledge(me, someone, escalation_id) -> dict:
    """A note the user wrote, one of someone else's, and a post-mortem to write one from."""
    from app.escalations.models import PostMortem
    from app.knowledge.models import KnowledgeNote

    post_mortem = PostMortem(escalation_id=escalation_id, author_id=someone)
    db.session.add(post_mortem)
    ids = {}
    for key, author in (("own_note", me), ("note", someone)):
        note = KnowledgeNote(
            title="請求",
            symptoms="請求書",
            resolution="再発行",
            author_id=author,
            title_terms="請求",
            body_terms="請求書 請求 再発行",
        )
        db.session.add(note)
        db.session.flush()
        ids[key] = note.id
    return {**ids, "post_mortem": post_mortem.id}


def _touchpoints(own, other, me, someone, executive) -> dict:
    """A planned touchpoint on each account (the executive attends the own one), and next
    steps of completed ones: on each account owned by someone, and one the user owns."""
    from datetime import date, timedelta

    from app.auth.models import User
    from app.models import utcnow
    from app.touchpoints.models import ActionItem, Touchpoint, TouchpointKind, TouchpointStatus

    def touchpoint(account_id, **values):
        row = Touchpoint(
            account_id=account_id,
            kind=TouchpointKind.EXECUTIVE_CALL,
            starts_at=utcnow() + timedelta(days=2),
            timezone="UTC",
            **values,
        )
        db.session.add(row)
        db.session.flush()
        return row

    attending = [db.session.get(User, executive)]
    ids = {
        "own_touchpoint": touchpoint(own, executives=attending).id,
        "other_touchpoint": touchpoint(other).id,
    }
    items = (("own_item", own, someone), ("other_item", other, someone), ("my_item", other, me))
    for key, account_id, owner in items:
        done = touchpoint(
            account_id,
            status=TouchpointStatus.COMPLETED,
            outcome="Agreed",
            executives=attending if account_id == own else [],
        )
        item = ActionItem(
            touchpoint_id=done.id, text="Follow up", owner_id=owner, due_on=date.today()
        )
        db.session.add(item)
        db.session.flush()
        ids[key] = item.id
    return ids


def _exports(folder, me, other_admin) -> dict:
    """A schedule of the user's own, one of another admin's and one of theirs that the user
    receives; a succeeded run (its file in the folder) of each of the latter two."""
    from datetime import time

    from app.auth.models import User
    from app.exports.models import (
        ExportFormat,
        ExportKind,
        ExportRun,
        ExportSchedule,
        Frequency,
        RunStatus,
        RunTrigger,
    )
    from app.models import utcnow

    def schedule(owner_id, recipients=()):
        row = ExportSchedule(
            name="Register",
            owner_id=owner_id,
            kind=ExportKind.ESCALATIONS,
            file_format=ExportFormat.CSV,
            filters={},
            frequency=Frequency.DAILY,
            run_time=time(7, 0),
            timezone="UTC",
            recipients=[db.session.get(User, i) for i in recipients],
        )
        db.session.add(row)
        db.session.flush()
        return row.id

    def run(schedule_id):
        row = ExportRun(
            schedule_id=schedule_id,
            trigger=RunTrigger.MANUAL,
            status=RunStatus.SUCCEEDED,
            finished_at=utcnow(),
            rows=1,
            file_name=f"escalations-{schedule_id}.csv",
            file_size=8,
            sha256="0" * 64,
        )
        db.session.add(row)
        db.session.flush()
        path = folder / f"schedule-{schedule_id}" / row.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"id\r\n1\r\n")
        return row.id

    ids = {
        "own_schedule": schedule(me),
        "other_schedule": schedule(other_admin),
        "received_schedule": schedule(other_admin, recipients=[me]),
    }
    ids["other_run"] = run(ids["other_schedule"])
    ids["received_run"] = run(ids["received_schedule"])
    return ids


@pytest.mark.parametrize(("key", "who"), CASES)
def test_route_answers_as_the_rights_table_says(app, client, world, key, who):
    endpoint, method, _variant = key
    url_template, expected = RIGHTS[key]
    ids = world(who)
    if who != ANON:
        login(client, app, ids["me"])
        token = csrf_token(client, "/profile")
    else:
        token = csrf_token(client, "/login")
    url = url_template.format(**ids)
    if method == "GET":
        response = client.get(url)
    else:
        extra = POST_DATA.get(key, lambda ids: {})(ids)
        response = client.post(url, data={"csrf_token": token, **extra})
    want = expected.get(who, expected.get("*"))
    assert response.status_code == want, f"{method} {url} as {who}"
    if who == ANON and want == 302 and endpoint not in ("auth.logout",):
        assert "/login" in response.headers["Location"]


# --- issue 13: why ---
def _why_records(own_esc, other_esc) -> dict:
    """Issue 13: a running SLA clock on each escalation, for the "why this due time?" rows."""
    from datetime import UTC, datetime

    from app.escalations.models import ClockKind, SlaClock

    ids = {}
    for key, escalation_id in (("own_clock", own_esc), ("other_clock", other_esc)):
        clock = SlaClock(
            escalation_id=escalation_id,
            kind=ClockKind.RESOLUTION,
            started_at=datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
            target_minutes=8 * 60,
        )
        db.session.add(clock)
        db.session.flush()
        ids[key] = clock.id
    return ids
