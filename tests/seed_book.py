"""A small account book in every state, made through the services, for the tests that walk
every page (tests/test_fuzz.py, tests/test_hostile_render.py).

`seed_book(app, text)` writes the book and returns the ids the routes need. Every piece of
text a person can type is `text(label)`, so one test can fill the book with plain words and
another with markup. `route_urls` turns the app's url_map into concrete URLs with those ids.
"""

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.accounts import services as accounts
from app.accounts.models import (
    Channel,
    ContactRole,
    Departure,
    ImportBatch,
    LifecycleStatus,
    Tier,
)
from app.auth.models import User
from app.escalations import aftercare, surveys
from app.escalations import services as escalations
from app.escalations.models import (
    Category,
    FollowUpOutcome,
    IntakeChannel,
    Level,
    ReplyTemplate,
    ResolutionKind,
    Severity,
    SlaPolicy,
    Status,
)
from app.exports import runner as export_runner
from app.exports import services as exports
from app.exports.models import (
    CsvEncoding,
    ExportFormat,
    ExportKind,
    Frequency,
    RunStatus,
    RunTrigger,
)
from app.extensions import db
from app.knowledge import services as knowledge
from app.models import utcnow
from app.sponsorship import services as sponsorship
from app.sponsorship.models import (
    Criterion,
    CriterionKind,
    CriterionSide,
    ExitReason,
    ProgramSettings,
)
from app.touchpoints import feeds
from app.touchpoints import services as touchpoints
from app.touchpoints.models import TouchpointKind
from tests.conftest import PASSWORD

Text = Callable[[str], str]


def plain(label: str) -> str:
    return label.capitalize()


def _user(email: str, name: str, *roles: str) -> User:
    user = User(email=email, name=name, active=True, locale="en")
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    user.set_roles(roles)
    db.session.add(user)
    return user


def _account(actor, text: Text, key: str, domain: str, **values):
    defaults = dict(
        name=text(f"{key} account name"),
        domain=domain,
        industry=text(f"{key} industry")[:100],
        tier=Tier.STRATEGIC,
        arr_minor=400_000_000,
        currency="JPY",
        renewal_date=date.today() + timedelta(days=60),
        status=LifecycleStatus.ACTIVE,
        health_score=40,
        nps=10,
        notes=text(f"{key} account notes"),
    )
    return accounts.create_account(actor, defaults | values)


def _escalation(actor, account, text: Text, key: str, now: datetime, **values):
    defaults = dict(
        title=text(f"{key} escalation title")[:200],
        description=text(f"{key} escalation description"),
        channel=IntakeChannel.EMAIL,
        category=Category.TECHNICAL,
        severity=Severity.HIGH,
        threat_cancellation=False,
        threat_legal=False,
        threat_safety=False,
        promised_at=now + timedelta(days=3),
    )
    return escalations.raise_escalation(
        actor,
        account,
        defaults | values,
        tags=[text("tag one")[:40], text("tag two")[-40:]],
        now=now,
    )


def _exports(text: Text, admin, executive, csm, now: datetime) -> dict[str, int]:
    """Export schedules: the admin's weekly escalation register (to the folder and the CSM),
    the executive's monthly portfolio brief, a disabled cron one; a run of the register that
    succeeded (its file not kept: the download says so) and one that failed."""
    common = dict(
        encoding=CsvEncoding.UTF8_BOM,
        filters={},
        executive=None,
        weekday=None,
        month_day=None,
        cron="",
        run_time=time(9, 0),
        timezone="Asia/Tokyo",
        recipients=[],
        keep_files=10,
        enabled=True,
    )
    register = exports.create_schedule(
        admin,
        common
        | dict(
            name=text("export schedule name")[:120],
            kind=ExportKind.ESCALATIONS,
            file_format=ExportFormat.CSV,
            filters={"view": "open", "severity": "high", "q": text("export search")[:100]},
            frequency=Frequency.WEEKLY,
            weekday=0,
            recipients=[csm],
        ),
        now=now,
    )
    brief = exports.create_schedule(
        executive,
        common
        | dict(
            name=text("portfolio schedule name")[:120],
            kind=ExportKind.PORTFOLIO,
            file_format=ExportFormat.PDF,
            executive=executive,
            frequency=Frequency.MONTHLY,
            month_day=31,
            recipients=[executive],
        ),
        now=now,
    )
    cron = exports.create_schedule(
        admin,
        common
        | dict(
            name=text("cron schedule name")[:120],
            kind=ExportKind.ACCOUNTS,
            file_format=ExportFormat.XLSX,
            frequency=Frequency.CRON,
            cron="*/15 9-17 * * 1-5",
            enabled=False,
        ),
        now=now,
    )
    succeeded = export_runner.start(register, trigger=RunTrigger.MANUAL, actor=admin)
    succeeded.status, succeeded.finished_at, succeeded.rows = RunStatus.SUCCEEDED, now, 12
    succeeded.file_name = f"escalations-seed-{succeeded.id}.csv"
    succeeded.file_size, succeeded.sha256 = 2048, "ab" * 32
    succeeded.replaced = {"①": 2}
    failed = export_runner.start(
        register, trigger=RunTrigger.SCHEDULED, due_at=now - timedelta(days=7)
    )
    failed.status, failed.finished_at, failed.attempts = RunStatus.FAILED, now, 3
    failed.error = "OperationalError: database is locked"
    return {
        "schedule": register.id,
        "portfolio_schedule": brief.id,
        "cron_schedule": cron.id,
        "run": succeeded.id,
        "failed_run": failed.id,
    }


def seed_book(app, text: Text = plain) -> dict[str, int]:
    """Users of each role, accounts, contacts, escalations in several states, a handoff,
    customer updates, notes, a widespread issue, sponsorships nominated, active, in exit
    review, declined and exited, objectives, training, program settings, criteria, an import
    batch, edited reply templates. Returns the ids by name."""
    now = utcnow()
    today = date.today()
    with app.test_request_context():
        people = {
            key: _user(f"{key}@book.test", text(f"{key} user name")[:120], *roles)
            for key, roles in {
                "admin": ("admin",),
                "manager": ("manager",),
                "csm": ("csm",),
                "ae": ("ae",),
                "csm2": ("csm",),
                "executive": ("executive",),
                "rookie": ("executive",),
            }.items()
        }
        db.session.flush()
        admin, manager, csm = people["admin"], people["manager"], people["csm"]
        executive = people["executive"]

        settings = db.session.get(ProgramSettings, 1)
        settings.purpose = text("program purpose")
        settings.responsibilities = [text("responsibility one"), text("responsibility two")]
        settings.success_metrics = [text("success metric")]
        settings.required_modules = [text("training module")[:120], "Escalation handling"]
        settings.cadence_by_tier = {
            "strategic": {"executive_call": 1, "business_review": 3},
            "growth": {"business_review": 3},
        }
        db.session.add_all(
            [
                Criterion(
                    side=CriterionSide.ENTRY,
                    kind=CriterionKind.ARR_AT_LEAST,
                    params={"amounts": {"JPY": 100_000_000}},
                ),
                Criterion(
                    side=CriterionSide.ENTRY,
                    kind=CriterionKind.TIER_IN,
                    params={"tiers": ["strategic"]},
                ),
                Criterion(side=CriterionSide.EXIT, kind=CriterionKind.CHURNED, params={}),
            ]
        )
        for module in settings.required_modules:
            sponsorship.record_training(admin, executive, module, today - timedelta(days=30))
        sponsorship.record_training(admin, people["rookie"], "Escalation handling", today)

        own = _account(
            admin,
            text,
            "own",
            "own-book.example.com",
            csm_owner_id=csm.id,
            ae_owner_id=people["ae"].id,
        )
        other = _account(
            admin, text, "other", "other-book.example.com", csm_owner_id=people["csm2"].id
        )
        spare = _account(admin, text, "spare", "spare-book.example.com", csm_owner_id=csm.id)
        declined_account = _account(admin, text, "declined", "declined-book.example.com")
        exited_account = _account(admin, text, "exited", "exited-book.example.com")
        review_account = _account(admin, text, "review", "review-book.example.com")
        contact = accounts.add_contact(
            csm,
            own,
            {
                "name": text("contact name")[:200],
                "title": text("contact title")[:200],
                "email": "hanako@own-book.example.com",
                "phone": "+81 3 1234 5678",
                "role": ContactRole.EXECUTIVE,
                "preferred_channel": Channel.EMAIL,
            },
        )
        accounts.add_contact(
            csm,
            spare,
            {
                "name": text("spare contact name")[:200],
                "title": "",
                "email": "",
                "phone": "03-1111-2222",
                "role": ContactRole.CHAMPION,
                "preferred_channel": Channel.PHONE,
            },
        )
        accounts.add_note(csm, own, text("account timeline note"))
        accounts.update_account(admin, own, {"health_score": 35, "status": LifecycleStatus.AT_RISK})

        # An ordinary escalation worked through: update, investigating, note, handoff, watchers,
        # widespread issue with an approved message.
        escalation = _escalation(csm, own, text, "ordinary", now)
        escalations.add_customer_update(
            csm,
            escalation,
            channel=IntakeChannel.EMAIL,
            summary=text("customer update summary"),
            template_key=None,
            now=now,
        )
        escalations.change_status(csm, escalation, Status.INVESTIGATING, "", now)
        escalations.add_note(people["executive"], escalation, text("escalation internal note"), now)
        handoff = escalations.raise_level(
            manager,
            escalation,
            Level.L2,
            {
                "contact_id": contact.id,
                "what_happened": text("handoff what happened"),
                "what_was_tried": text("handoff what was tried"),
                "why_unresolved": text("handoff why unresolved"),
                "what_is_needed": text("handoff what is needed"),
            },
            csm,
            now,
        )
        escalations.set_watchers(manager, escalation, [executive, people["ae"]])
        escalations.mark_widespread(
            manager,
            escalation,
            title=text("widespread issue title")[:200],
            domains=["other-book.example.com"],
            message=text("widespread approved message"),
            approve=True,
            now=now,
        )

        # An executive escalation (cancellation threat): nominates its account automatically,
        # then waits on the customer.
        executive_escalation = _escalation(
            csm,
            other,
            text,
            "executive",
            now,
            severity=Severity.CRITICAL,
            threat_cancellation=True,
        )
        escalations.change_status(
            manager,
            executive_escalation,
            Status.WAITING_ON_CUSTOMER,
            text("waiting pause reason")[:500],
            now,
        )

        resolved = _escalation(csm, own, text, "resolved", now, severity=Severity.LOW)
        escalations.change_status(csm, resolved, Status.INVESTIGATING, "", now)
        escalations.resolve(
            csm,
            resolved,
            kind=ResolutionKind.CONCESSION,
            summary=text("resolution summary"),
            concession_minor=50_000,
            now=now,
        )
        survey_token = surveys.make_token(surveys.send_survey(csm, resolved, contact, now))
        followed_up = _escalation(csm, own, text, "followed up", now, severity=Severity.LOW)
        escalations.resolve(
            csm,
            followed_up,
            kind=ResolutionKind.FIX,
            summary=text("resolution summary"),
            concession_minor=None,
            now=now,
        )
        aftercare.record_follow_up(csm, followed_up, outcome=FollowUpOutcome.HELD, note="", now=now)
        post_mortem = aftercare.save_post_mortem(
            manager, resolved, {"root_cause": text("root cause")}, complete=False, now=now
        )
        post_mortem_action = aftercare.add_action(
            manager, post_mortem, text=text("action item")[:500], owner=csm, due_on=today, now=now
        )

        nominated = sponsorship.open_sponsorship(other.id)
        if nominated is None:  # the program may not nominate automatically
            nominated = sponsorship.nominate(admin, other, text("nomination reason"), now=now)
        active = sponsorship.nominate(csm, own, text("active nomination reason"), now=now)
        sponsorship.approve(admin, active, executive, start_on=today, now=now)
        objective = sponsorship.add_objective(
            csm,
            active,
            {
                "text": text("objective text")[:300],
                "metric": text("objective metric")[:120],
                "target": text("objective target")[:120],
                "due_on": today + timedelta(days=90),
            },
        )
        declined = sponsorship.nominate(csm, declined_account, text("declined nomination"), now=now)
        sponsorship.decline(admin, declined, text("decline reason"), now)
        exited = sponsorship.nominate(csm, exited_account, text("exited nomination"), now=now)
        sponsorship.approve(admin, exited, executive, start_on=today, now=now)
        sponsorship.end(
            admin,
            exited,
            reason=ExitReason.OTHER,
            note=text("exit note"),
            exit_on=today,
            now=now,
        )

        review = sponsorship.nominate(csm, review_account, text("review nomination"), now=now)
        sponsorship.approve(admin, review, executive, start_on=today, now=now)
        churned = db.session.scalar(
            sa.select(Criterion).where(Criterion.kind == CriterionKind.CHURNED)
        )
        sponsorship.to_exit_review(review, sponsorship.rules_text([churned]), now, admin)

        # Touchpoints on the sponsored account: one planned tomorrow, one completed last week
        # with a next step for the CSM, one cancelled.
        planned = touchpoints.schedule(
            csm,
            own,
            kind=TouchpointKind.EXECUTIVE_CALL,
            starts_at=now + timedelta(days=1),
            timezone="Asia/Tokyo",
            title=text("touchpoint title")[:200],
            agenda=text("touchpoint agenda"),
            executives=[executive, csm],
            contacts=[contact],
            sponsorship=active,
        )
        completed = touchpoints.schedule(
            csm,
            own,
            kind=TouchpointKind.BUSINESS_REVIEW,
            starts_at=now - timedelta(days=7),
            timezone="Asia/Tokyo",
            title=text("past touchpoint title")[:200],
            agenda=text("past touchpoint agenda"),
            executives=[executive],
            contacts=[contact],
            sponsorship=active,
        )
        touchpoints.complete(
            executive,
            completed,
            text("touchpoint outcome"),
            [touchpoints.NextStep(text("next step text")[:500], csm, today + timedelta(days=7))],
        )
        cancelled = touchpoints.schedule(
            csm,
            own,
            kind=TouchpointKind.DINNER_EVENT,
            starts_at=now + timedelta(days=20),
            timezone="UTC",
            executives=[executive],
        )
        touchpoints.cancel(csm, cancelled, text("cancel reason"))
        # A planned visit whose time has passed: overdue, to be recorded or marked missed.
        overdue = touchpoints.schedule(
            csm,
            own,
            kind=TouchpointKind.ONSITE_VISIT,
            starts_at=now - timedelta(hours=3),
            timezone="Asia/Tokyo",
            title=text("overdue touchpoint title")[:200],
            executives=[executive],
            contacts=[contact],
        )
        # The executive subscribed to their touchpoints (the feed's token is a route argument);
        # the admin has a feed too, so their profile shows the forms that replace and revoke it.
        feed_token = feeds.issue(executive)
        feeds.issue(admin)

        export_ids = _exports(text, admin, executive, csm, now)

        # The sponsored account's economic buyer left: the sponsorship is flagged "sponsor
        # change" and a call to meet the successor is proposed.
        buyer = accounts.add_contact(
            csm,
            own,
            {
                "name": text("departed buyer name")[:200],
                "title": text("departed buyer title")[:200],
                "email": "",
                "phone": "",
                "role": ContactRole.ECONOMIC_BUYER,
                "preferred_channel": Channel.IN_PERSON,
            },
        )
        accounts.mark_departed(
            csm, buyer, Departure.LEFT, today - timedelta(days=2), text("departure note"), now
        )

        for template in db.session.scalars(sa.select(ReplyTemplate)):
            template.name = text(f"reply template name {template.key}")[:120]
            template.body = text(f"reply template body {template.key}") + " {title}"

        rows = io.StringIO()
        writer = csv.writer(rows)
        writer.writerow(["name", "domain", "industry", "notes"])
        writer.writerow([text("imported account name"), "imported-book.example.com", "", ""])
        writer.writerow([text("invalid imported row"), "not a domain", text("industry x"), ""])
        batch = ImportBatch(
            user_id=admin.id,
            filename=text("uploaded file name")[:255],
            encoding="utf-8",
            content=rows.getvalue(),
        )
        db.session.add(batch)
        db.session.flush()

        knowledge_note = knowledge.create_note(
            admin,
            {
                "title": text("knowledge note title")[:200],
                "symptoms": text("knowledge note symptoms"),
                "resolution": text("knowledge note resolution"),
            },
            [text("knowledge tag")[:40]],
        )

        ids = {key: user.id for key, user in people.items()}
        ids.update(
            account=own.id,
            other_account=other.id,
            spare_account=spare.id,
            declined_account=declined_account.id,
            exited_account=exited_account.id,
            review_account=review_account.id,
            contact=contact.id,
            departed_contact=buyer.id,
            escalation=escalation.id,
            executive_escalation=executive_escalation.id,
            resolved_escalation=resolved.id,
            handoff=handoff.id,
            sponsorship=active.id,
            nominated_sponsorship=nominated.id,
            declined_sponsorship=declined.id,
            exited_sponsorship=exited.id,
            review_sponsorship=review.id,
            task=active.tasks[0].id,
            objective=objective.id,
            criterion=db.session.scalars(
                sa.select(Criterion.id).where(Criterion.active.is_(True)).order_by(Criterion.id)
            ).first(),
            batch=batch.id,
            touchpoint=planned.id,
            completed_touchpoint=completed.id,
            cancelled_touchpoint=cancelled.id,
            overdue_touchpoint=overdue.id,
            feed_token=feed_token,
            **export_ids,
            action_item=completed.action_items[0].id,
            knowledge_note=knowledge_note.id,
            survey_token=survey_token,
            report_figure="by_month",
            followed_up_escalation=followed_up.id,
            post_mortem=post_mortem.id,
            post_mortem_action=post_mortem_action.id,
            policy=db.session.scalars(sa.select(SlaPolicy.id).order_by(SlaPolicy.id)).first(),
            template=db.session.scalars(
                sa.select(ReplyTemplate.id).order_by(ReplyTemplate.id)
            ).first(),
        )
        # --- issue 13: calendars ---
        ids.update(_calendars(text, admin, now))
        ids.update(_case_file(text, csm, manager, escalation, now))
        # --- issue 13: why --- the ordinary escalation's first clock (its first response)
        ids["clock"] = escalation.clocks[0].id
        db.session.commit()
    return ids


def _case_file(text: Text, csm, manager, escalation, now: datetime) -> dict[str, int]:
    """The escalation's case file (issue 12): a pending threat suggestion, an exit criterion
    still to meet and one met, a decision and a roster entry."""
    from app.escalations.models import (
        Decision,
        ExitCriterion,
        RosterEntry,
        ThreatFlag,
        ThreatSource,
        ThreatSuggestion,
    )

    suggestion = ThreatSuggestion(
        escalation_id=escalation.id,
        flag=ThreatFlag.CANCELLATION,
        source=ThreatSource.NOTE,
        sentence=text("threat sentence"),
        spans=[[0, 4]],
        rule="cancellation.word",
        created_at=now,
    )
    criterion = ExitCriterion(
        escalation_id=escalation.id, text=text("exit criterion")[:500], created_by_id=csm.id
    )
    met = ExitCriterion(
        escalation_id=escalation.id,
        text=text("met exit criterion")[:500],
        created_by_id=csm.id,
        met_at=now,
        met_by_id=csm.id,
    )
    decision = Decision(
        escalation_id=escalation.id,
        decision=text("decision")[:500],
        decided_by=text("decided by")[:200],
        decided_at=now,
        recorded_by_id=csm.id,
    )
    roster = RosterEntry(
        escalation_id=escalation.id,
        user_id=manager.id,
        role=text("roster role")[:80],
        joined_at=now,
        added_by_id=csm.id,
    )
    db.session.add_all([suggestion, criterion, met, decision, roster])
    db.session.flush()
    return {
        "threat_suggestion": suggestion.id,
        "exit_criterion": criterion.id,
        "met_exit_criterion": met.id,
        "decision": decision.id,
        "roster_entry": roster.id,
    }


# --- issue 13: calendars ---
def _calendars(text: Text, admin, now: datetime) -> dict[str, int]:
    """Business calendars: one the medium policy counts in (Japan's public holidays, a lunch
    break, the year-end closure, a holiday worked) and a spare one no policy uses."""
    from app.escalations import calendar_admin, calendars

    lunch_break = [[["09:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []]
    calendar = calendar_admin.create_calendar(
        admin,
        {
            "name": text("calendar name")[:120],
            "timezone": "Asia/Tokyo",
            "week": lunch_break,
            "country": "JP",
            "subdivision": None,
        },
    )
    year = date.today().year
    calendar_admin.add_closure(
        admin,
        calendar,
        name=text("closure name")[:120],
        starts_on=date(year, 12, 29),
        ends_on=date(year + 1, 1, 3),
        now=now,
    )
    worked = min(d for d in calendars.public_holidays("JP", None, year + 1) if d.month > 1)
    calendar_admin.set_worked(admin, calendar, worked, True, now)
    medium = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.MEDIUM))
    escalations.save_sla_policy(admin, medium, {"calendar_id": calendar.id}, now)
    spare = calendar_admin.create_calendar(
        admin,
        {
            "name": text("spare calendar name")[:120],
            "timezone": "UTC",
            "week": [[["00:00", "00:00"]]] * 7,
            "country": None,
            "subdivision": None,
        },
    )
    closure = next(d for d in calendar.days if d.starts_on.month == 12)
    return {"calendar": calendar.id, "spare_calendar": spare.id, "closure": closure.id}


# Which seeded record each route argument names; a route with an argument not listed here
# fails route_urls, so a new route cannot slip past the tests that walk every page.
ARGUMENTS = {
    "note_id": ["knowledge_note"],
    "account_id": ["account", "spare_account"],
    "contact_id": ["contact"],
    "batch_id": ["batch"],
    "template_id": ["template"],
    "policy_id": ["policy"],
    "escalation_id": [
        "escalation",
        "executive_escalation",
        "resolved_escalation",
        "followed_up_escalation",
    ],
    "action_id": ["post_mortem_action"],
    "suggestion_id": ["threat_suggestion"],
    "exit_criterion_id": ["exit_criterion", "met_exit_criterion"],
    "decision_id": ["decision"],
    "roster_id": ["roster_entry"],
    "calendar_id": ["calendar", "spare_calendar"],  # --- issue 13: calendars ---
    "closure_id": ["closure"],  # --- issue 13: calendars ---
    "clock_id": ["clock"],  # --- issue 13: why ---
    "name": ["report_figure"],  # a report figure's CSV (a name, not an id)
    "handoff_id": ["handoff"],
    "sponsorship_id": [
        "sponsorship",
        "nominated_sponsorship",
        "declined_sponsorship",
        "exited_sponsorship",
        "review_sponsorship",
    ],
    "task_id": ["task"],
    "objective_id": ["objective"],
    "criterion_id": ["criterion"],
    "touchpoint_id": [
        "touchpoint",
        "completed_touchpoint",
        "cancelled_touchpoint",
        "overdue_touchpoint",
    ],
    "item_id": ["action_item"],
    "token": ["feed_token", "survey_token"],  # a calendar feed's, a survey link's (strings)
    "schedule_id": ["schedule", "portfolio_schedule", "cron_schedule"],
    "run_id": ["run", "failed_run"],
}
USER_ARGUMENTS = {
    "auth.edit_user": ["csm2", "executive"],
    "auth.set_user_active": ["csm2"],
    "sponsorship.executive": ["rookie", "executive"],
    "sponsorship.record_training": ["rookie"],
    "review.executive": ["executive", "rookie"],
    "review.portfolio_brief": ["executive"],
    "review.brief_history": ["executive"],
}


def route_arguments(app, ids: dict[str, int], method: str = "GET"):
    """(rule, arguments) for every route of the app taking `method`, ids from the seed: each
    variant of a one-id route, the first (matching) ids of a route with several."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or method not in rule.methods:
            continue
        keys = {
            name: USER_ARGUMENTS[rule.endpoint] if name == "user_id" else ARGUMENTS[name]
            for name in rule.arguments
        }
        if len(keys) != 1:
            yield rule, {name: ids[names[0]] for name, names in keys.items()}
            continue
        ((name, names),) = keys.items()
        for key in names:
            yield rule, {name: ids[key]}


def route_urls(app, ids: dict[str, int], method: str = "GET"):
    """(endpoint, url) for every route taking `method`, as route_arguments gives them."""
    adapter = app.url_map.bind("localhost")
    for rule, values in route_arguments(app, ids, method):
        yield rule.endpoint, adapter.build(rule.endpoint, values, method=method)
