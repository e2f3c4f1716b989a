"""The sponsorship lifecycle: nominate, approve with an eligible sponsor, review, exit;
the checklist, objectives, baseline snapshot, training records and the eligibility review;
the program's settings and entry/exit rules admins edit. Services change the session, audit,
notify and flush; they never commit."""

from calendar import monthrange
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app import request_memo
from app.accounts.models import Account
from app.accounts.services import add_timeline
from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.permissions import can_name_sponsor
from app.auth.services import active_users
from app.escalations.models import OPEN_STATUSES, Escalation
from app.extensions import db
from app.formatting import local_today
from app.i18n import lazy_gettext as _l
from app.i18n import with_params
from app.models import DomainError, utcnow
from app.notifications import messages as notification_messages
from app.notifications.services import notify
from app.signals import FollowUp, cadence_changed
from app.sponsorship.labels import ENTRY_KINDS
from app.sponsorship.models import (
    IN_PROGRAM,
    OPEN_SPONSORSHIP,
    Criterion,
    CriterionKind,
    CriterionSide,
    ExitReason,
    Objective,
    ObjectiveStatus,
    ProgramSettings,
    Sponsorship,
    SponsorshipStatus,
    SponsorshipTask,
    TrainingRecord,
)

SPONSORSHIP_FIELDS = (
    "status",
    "sponsor_id",
    "started_on",
    "planned_end_on",
    "exit_on",
    "exit_reason",
    "exit_note",
    "decline_reason",
    "nomination_reason",
)
PROGRAM_FIELDS = (
    "purpose",
    "responsibilities",
    "success_metrics",
    "default_term_months",
    "cadence_by_tier",
    "coverage_strong_days",
    "coverage_fading_days",
    "required_modules",
    "max_active_per_executive",
    "auto_nominate",
    "entry_combination",
    "exit_combination",
)


class SponsorNotEligible(DomainError):
    def __init__(self, problems: list[str]):
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = problems


class NotAllowedNow(DomainError):
    pass


def program() -> ProgramSettings:
    """The program's settings. A page asks for them from several places (cadence, coverage,
    nominations): the session keeps a hold on the row while it is open, so they are read once
    (and again after a commit or rollback expires them, as any row)."""
    session = db.session()
    kept = session.info.get(_PROGRAM)
    if kept is not None and sa.inspect(kept).session is session:
        return kept
    settings = session.get(ProgramSettings, 1)
    session.info[_PROGRAM] = settings
    return settings


_PROGRAM = "program_settings"


def open_sponsorship(account_id: int) -> Sponsorship | None:
    return db.session.scalar(
        sa.select(Sponsorship).where(
            Sponsorship.account_id == account_id, Sponsorship.status.in_(OPEN_SPONSORSHIP)
        )
    )


def nomination_by(escalation: Escalation) -> Sponsorship | None:
    """The sponsorship this escalation nominated its account for, when it did."""
    return db.session.scalar(
        sa.select(Sponsorship)
        .where(Sponsorship.escalation_id == escalation.id)
        .order_by(Sponsorship.id.desc())
        .limit(1)
    )


def escalation_sponsor(escalation: Escalation, **_) -> list[User]:
    """The executive sponsor of the escalation's account (the case file names them)."""
    sponsorship = in_program(escalation.account_id)
    return [sponsorship.sponsor] if sponsorship is not None else []


def in_program(account_id: int) -> Sponsorship | None:
    """The account's sponsorship in the program (active or in exit review) with its sponsor,
    or None; read once per request (the escalation page's case file and sponsorship section
    both name the sponsor)."""
    return request_memo.kept(
        ("sponsorship in program", account_id),
        lambda: db.session.scalar(
            sa.select(Sponsorship)
            .where(Sponsorship.account_id == account_id, Sponsorship.status.in_(IN_PROGRAM))
            .options(joinedload(Sponsorship.sponsor))
            .order_by(Sponsorship.id.desc())
            .limit(1)
        ),
    )


def escalation_sponsors(escalations: tuple[Escalation, ...], **_) -> dict[int, list[User]]:
    """The executive sponsor of each escalation's account hears about it too: one read for
    any number of escalations."""
    rows = db.session.execute(
        sa.select(Sponsorship.account_id, User)
        .join(Sponsorship, Sponsorship.sponsor_id == User.id)
        .where(
            Sponsorship.account_id.in_({e.account_id for e in escalations}),
            Sponsorship.status.in_(IN_PROGRAM),
        )
    )
    sponsors = dict(rows.all())
    return {e.id: [sponsors[e.account_id]] for e in escalations if e.account_id in sponsors}


def program_admins() -> list[User]:
    return active_users(Role.ADMIN)


def _audit(actor, sponsorship: Sponsorship, action: str, changes: dict) -> None:
    audit.record(
        actor,
        "sponsorship",
        sponsorship.id,
        action,
        changes=audit.name_users(changes, ("sponsor_id",)),
        summary=sponsorship.account.name,
        account_id=sponsorship.account_id,
    )


def _timeline(sponsorship: Sponsorship, kind: str, actor, at=None, **data) -> None:
    data["sponsorship_id"] = sponsorship.id
    add_timeline(sponsorship.account_id, kind, f"{kind.replace('_', ' ')}", actor, at=at, data=data)


# What each notice of the program says; shown in each reader's language.
NOTICES = {
    "sponsorship_nominated": _l("Sponsorship nomination: %(account)s"),
    "sponsorship_started": _l("%(sponsor)s now sponsors %(account)s"),
    "sponsorship_exit_review": _l("Exit review: %(account)s meets the exit criteria"),
    "sponsor_deactivated": _l(
        "%(name)s was deactivated: reassign the sponsorships of %(accounts)s"
    ),
    "eligibility_review": _l("Eligibility review: candidates %(c)d, moved to exit review %(m)d"),
}
for _kind, _notice in NOTICES.items():
    notification_messages.register(_kind, _notice)


def _tell(people, kind: str, sponsorship: Sponsorship, **params) -> None:
    notice = with_params(NOTICES[kind], **params)
    notify(people, kind=kind, subject=notice, body=notice, link=f"/sponsorships/{sponsorship.id}")


def nominate(
    actor, account: Account, reason: str, *, now: datetime, escalation: Escalation | None = None
) -> Sponsorship:
    """Put an account forward for the program (by a person, or automatically)."""
    if open_sponsorship(account.id) is not None:
        raise NotAllowedNow(
            _l("%(account)s is already nominated or sponsored.", account=account.name)
        )
    if not reason.strip():
        raise NotAllowedNow(_l("Say why the account should be sponsored."))
    sponsorship = Sponsorship(
        account=account,
        status=SponsorshipStatus.NOMINATED,
        nominated_by_id=actor.id if actor else None,
        nomination_reason=reason.strip(),
        nominated_at=now,
        escalation_id=escalation.id if escalation else None,
    )
    db.session.add(sponsorship)
    db.session.flush()
    _audit(
        actor,
        sponsorship,
        "nominate",
        {"status": [None, "nominated"], "nomination_reason": [None, reason.strip()]},
    )
    _timeline(
        sponsorship,
        "sponsorship_nominated",
        actor,
        at=now,
        reason=reason.strip()[:200],
        automatic=escalation is not None,
    )
    _tell(program_admins(), "sponsorship_nominated", sponsorship, account=account.name)
    return sponsorship


def auto_nominate(escalation: Escalation, now: datetime) -> Sponsorship | None:
    """An executive escalation on an account nobody sponsors nominates it (program setting)."""
    settings = program()
    if not settings.auto_nominate or open_sponsorship(escalation.account_id) is not None:
        return None
    return nominate(
        None,
        escalation.account,
        f"Executive escalation #{escalation.id}: {escalation.title}",
        now=now,
        escalation=escalation,
    )


def sponsor_problems(
    user: User, settings: ProgramSettings | None = None, ignore: Sponsorship | None = None
) -> list:
    """Why this user cannot sponsor one more account now (empty when they can)."""
    settings = settings or program()
    problems = []
    if not user.active or Role.EXECUTIVE not in user.roles:
        problems.append(_l("%(name)s does not have the executive role.", name=user.name))
    missing = missing_modules(user, settings)
    if missing:
        problems.append(
            _l(
                "%(name)s has not completed the required training: %(modules)s.",
                name=user.name,
                modules=", ".join(missing),
            )
        )
    load = db.session.scalar(
        sa.select(sa.func.count(Sponsorship.id)).where(
            Sponsorship.sponsor_id == user.id,
            Sponsorship.status.in_(IN_PROGRAM),
            Sponsorship.id != (ignore.id if ignore else -1),
        )
    )
    if load >= settings.max_active_per_executive:
        problems.append(
            _l(
                "%(name)s has reached the program's limit of active sponsorships (%(n)d).",
                name=user.name,
                n=load,
            )
        )
    return problems


def missing_modules(user: User, settings: ProgramSettings | None = None) -> list[str]:
    settings = settings or program()
    done = set(
        db.session.scalars(
            sa.select(TrainingRecord.module).where(TrainingRecord.user_id == user.id)
        )
    )
    return [m for m in settings.required_modules if m not in done]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def account_metrics(account: Account, now: datetime) -> dict:
    """Health, NPS, ARR, open escalations and escalations in the last 90 days, now."""
    # count(*), not count(id): both are read from ix_escalations_account alone (0026); an
    # account of the bench book with 595 escalations read each row, 2.5 -> 0.4 ms.
    open_count, recent = db.session.execute(
        sa.select(
            sa.func.count().filter(Escalation.status.in_(OPEN_STATUSES)),
            sa.func.count().filter(Escalation.created_at >= now - timedelta(days=90)),
        ).where(Escalation.account_id == account.id)
    ).one()
    return {
        "health": account.health_score,
        "nps": account.nps,
        "arr_minor": account.arr_minor,
        "currency": account.currency,
        "open_escalations": open_count,
        "escalations_90d": recent,
        "taken_at": now.isoformat(),
    }


def approve(
    actor, sponsorship: Sponsorship, sponsor: User, *, start_on: date, now: datetime
) -> None:
    """Activate with an executive sponsor who has the role, the training and the capacity;
    an executive approves as the sponsor themself, an admin names any executive."""
    if not can_name_sponsor(actor, sponsor):
        raise NotAllowedNow(
            _l("You approve as the sponsor yourself; only an admin can name another executive.")
        )
    if sponsorship.status != SponsorshipStatus.NOMINATED:
        raise NotAllowedNow(_l("Only a nomination can be approved."))
    settings = program()
    problems = sponsor_problems(sponsor, settings)
    if problems:
        raise SponsorNotEligible(problems)
    # Measured before anything changes: the query would flush the pending changes first
    # and the audit row below would find none.
    baseline = account_metrics(sponsorship.account, now)
    sponsorship.status = SponsorshipStatus.ACTIVE
    sponsorship.sponsor_id = sponsor.id
    sponsorship.decided_by_id = actor.id
    sponsorship.started_on = start_on
    sponsorship.planned_end_on = add_months(start_on, settings.default_term_months)
    sponsorship.baseline = baseline
    sponsorship.tasks = [
        SponsorshipTask(position=i, text=text[:300])
        for i, text in enumerate(settings.responsibilities)
    ]
    changes = audit.pending_changes(sponsorship, SPONSORSHIP_FIELDS)
    _audit(actor, sponsorship, "approve", changes)
    _timeline(sponsorship, "sponsorship_started", actor, at=now, sponsor=sponsor.name)
    _tell(
        [sponsor, sponsorship.account.csm_owner, sponsorship.account.ae_owner],
        "sponsorship_started",
        sponsorship,
        sponsor=sponsor.name,
        account=sponsorship.account.name,
    )
    db.session.flush()


def decline(actor, sponsorship: Sponsorship, reason: str, now: datetime) -> None:
    if sponsorship.status != SponsorshipStatus.NOMINATED:
        raise NotAllowedNow(_l("Only a nomination can be declined."))
    sponsorship.status = SponsorshipStatus.DECLINED
    sponsorship.decline_reason = reason
    sponsorship.decided_by_id = actor.id
    _audit(actor, sponsorship, "decline", audit.pending_changes(sponsorship, SPONSORSHIP_FIELDS))
    _timeline(sponsorship, "sponsorship_declined", actor, at=now, reason=reason[:200])
    db.session.flush()


def to_exit_review(sponsorship: Sponsorship, rules: list, now: datetime, actor=None) -> None:
    """Exit criteria met: the sponsor and admins review whether to end it."""
    if sponsorship.status != SponsorshipStatus.ACTIVE:
        return
    sponsorship.status = SponsorshipStatus.EXIT_REVIEW
    sponsorship.exit_rules = rules
    _audit(
        actor,
        sponsorship,
        "exit_review",
        {"status": ["active", "exit_review"], "exit_rules": [None, [r["text"] for r in rules]]},
    )
    _timeline(
        sponsorship, "sponsorship_exit_review", actor, at=now, rules=[r["text"] for r in rules]
    )
    _tell(
        [sponsorship.sponsor, *program_admins()],
        "sponsorship_exit_review",
        sponsorship,
        account=sponsorship.account.name,
    )


def keep(actor, sponsorship: Sponsorship, now: datetime) -> None:
    """Reviewed: the sponsorship continues."""
    if sponsorship.status != SponsorshipStatus.EXIT_REVIEW:
        raise NotAllowedNow(_l("Only a sponsorship in exit review can be continued."))
    sponsorship.status = SponsorshipStatus.ACTIVE
    _audit(actor, sponsorship, "continue", {"status": ["exit_review", "active"]})
    _timeline(sponsorship, "sponsorship_continued", actor, at=now)
    db.session.flush()


def end(
    actor, sponsorship: Sponsorship, *, reason: ExitReason, note: str, exit_on: date, now: datetime
) -> None:
    """Exit the program (from active or exit review) with a reason."""
    if sponsorship.status not in IN_PROGRAM:
        raise NotAllowedNow(_l("Only an active sponsorship or one in exit review can end."))
    if reason == ExitReason.OTHER and not note.strip():
        raise NotAllowedNow(_l("Say why the sponsorship ends."))
    old = sponsorship.status.value
    sponsorship.status = SponsorshipStatus.EXITED
    sponsorship.exit_reason, sponsorship.exit_note, sponsorship.exit_on = reason, note, exit_on
    changes = audit.pending_changes(sponsorship, SPONSORSHIP_FIELDS)
    changes["status"] = [old, "exited"]
    _audit(actor, sponsorship, "exit", changes)
    _timeline(sponsorship, "sponsorship_exited", actor, at=now, reason=reason.value)
    db.session.flush()


def reassign(actor, sponsorship: Sponsorship, sponsor: User, now: datetime) -> None:
    """A new sponsor (e.g. the old one left); the same eligibility rules apply."""
    if sponsorship.status not in IN_PROGRAM:
        raise NotAllowedNow(
            _l("Only an active sponsorship or one in exit review has a sponsor to change.")
        )
    problems = sponsor_problems(sponsor, ignore=sponsorship)
    if problems:
        raise SponsorNotEligible(problems)
    old = sponsorship.sponsor_id
    sponsorship.sponsor_id = sponsor.id
    _audit(actor, sponsorship, "reassign", {"sponsor_id": [old, sponsor.id]})
    _timeline(sponsorship, "sponsorship_reassigned", actor, at=now, sponsor=sponsor.name)
    _tell(
        [sponsor],
        "sponsorship_started",
        sponsorship,
        sponsor=sponsor.name,
        account=sponsorship.account.name,
    )
    db.session.flush()


def sponsorships_of(user: User) -> list[Sponsorship]:
    return list(
        db.session.scalars(
            sa.select(Sponsorship).where(
                Sponsorship.sponsor_id == user.id, Sponsorship.status.in_(IN_PROGRAM)
            )
        )
    )


def sponsor_deactivated(actor, user: User) -> list[Sponsorship]:
    """Tell admins which sponsorships lost their sponsor, so none is left silently."""
    orphaned = sponsorships_of(user)
    if orphaned:
        names = ", ".join(s.account.name for s in orphaned)
        notify(
            program_admins(),
            kind="sponsor_deactivated",
            subject=with_params(NOTICES["sponsor_deactivated"], name=user.name, accounts=names),
            body=_l("Sponsorships to reassign: %(accounts)s", accounts=names),
            link=f"/sponsorships/?sponsor={user.id}",
        )
    return orphaned


def after_user_deactivated(user: User, *, actor, **_) -> FollowUp | None:
    """A deactivated sponsor's sponsorships must be reassigned now: admins are told, and the
    actor is sent to them."""
    orphaned = sponsor_deactivated(actor, user)
    if not orphaned:
        return None
    return FollowUp(
        _l("Reassign the sponsorships of %(name)s now (%(n)d).", name=user.name, n=len(orphaned)),
        "sponsorship.index",
        {"sponsor": user.id},
    )


def tick(actor, task: SponsorshipTask, done: bool, now: datetime) -> None:
    task.done_at, task.done_by_id = (now, actor.id) if done else (None, None)
    sponsorship = db.session.get(Sponsorship, task.sponsorship_id)
    _audit(actor, sponsorship, "checklist", {"task": [None, task.text], "done": [not done, done]})
    db.session.flush()


def add_objective(actor, sponsorship: Sponsorship, values: dict) -> Objective:
    objective = Objective(sponsorship_id=sponsorship.id, **values)
    db.session.add(objective)
    db.session.flush()
    _audit(
        actor,
        sponsorship,
        "objective",
        audit.snapshot(objective, ("text", "metric", "target", "due_on", "status")),
    )
    return objective


def set_objective_status(actor, objective: Objective, status: ObjectiveStatus) -> None:
    old = objective.status
    objective.status = status
    sponsorship = db.session.get(Sponsorship, objective.sponsorship_id)
    _audit(
        actor,
        sponsorship,
        "objective",
        {"objective": [None, objective.text], "status": [old.value, status.value]},
    )
    db.session.flush()


def record_training(actor, user: User, module: str, completed_on: date) -> TrainingRecord:
    existing = db.session.scalar(
        sa.select(TrainingRecord).where(
            TrainingRecord.user_id == user.id, TrainingRecord.module == module
        )
    )
    if existing:
        raise NotAllowedNow(
            _l("%(module)s is already recorded for %(name)s.", module=module, name=user.name)
        )
    record = TrainingRecord(
        user_id=user.id, module=module, completed_on=completed_on, recorded_by_id=actor.id
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        actor,
        "user",
        user.id,
        "training",
        changes={"module": [None, module], "completed_on": [None, completed_on.isoformat()]},
        summary=user.email,
    )
    return record


def rules_text(criteria) -> list[dict]:
    from app.sponsorship.criteria import describe

    return [{"id": c.id, "kind": c.kind.value, "text": str(describe(c))} for c in criteria]


def run_review(now: datetime, today: date, actor=None) -> dict:
    """The eligibility review: sponsored accounts meeting the exit rules go to exit review;
    the candidates meeting the entry rules are stored for the review page and the admins are
    told how many. The caller commits."""
    from app.sponsorship.criteria import evaluate
    from app.sponsorship.models import CriterionSide
    from app.sponsorship.snapshots import store_entry_review

    exits = evaluate(CriterionSide.EXIT, today=today, now=now)
    by_account = {m.account_id: m for m in exits}
    moved = 0
    if by_account:
        active = db.session.scalars(
            sa.select(Sponsorship).where(
                Sponsorship.account_id.in_(list(by_account)),
                Sponsorship.status == SponsorshipStatus.ACTIVE,
            )
        )
        for sponsorship in active:
            to_exit_review(
                sponsorship, rules_text(by_account[sponsorship.account_id].criteria), now, actor
            )
            moved += 1
    candidates = store_entry_review(today=today, now=now)
    if candidates or moved:
        notify(
            program_admins(),
            kind="eligibility_review",
            subject=with_params(NOTICES["eligibility_review"], c=len(candidates), m=moved),
            body=_l("Open the eligibility review to nominate candidates and review exits."),
            link="/sponsorships/eligibility",
        )
    db.session.flush()
    return {"candidates": len(candidates), "moved": moved}


def save_program(
    actor, settings: ProgramSettings, values: dict, now: datetime | None = None
) -> None:
    """An admin's change to the program's settings (audited). A change of the tier cadences
    moves the future touchpoints they generated (signal `cadence_changed`)."""
    for name, value in values.items():
        setattr(settings, name, value)
    changes = audit.pending_changes(settings, PROGRAM_FIELDS)
    if changes:
        audit.record(actor, "program", 1, "update", changes=changes, summary="program settings")
    db.session.flush()
    if "cadence_by_tier" in changes:
        now = now or utcnow()
        cadence_changed.send(settings, actor=actor, today=local_today(now), now=now)


# Touchpoint kinds a cadence generates (app/touchpoints/models.CADENCE_KINDS), in form order.
CADENCE_KEYS = ("executive_call", "business_review")


def clean_cadence(cadence: dict | None) -> dict[str, int] | None:
    """A cadence as stored: {kind: months} with the kinds that have a number of months above
    0; None stays None (follow the program)."""
    if cadence is None:
        return None
    return {key: int(cadence[key]) for key in CADENCE_KEYS if (cadence.get(key) or 0) > 0}


def set_cadence(
    actor, sponsorship: Sponsorship, cadence: dict | None, *, now: datetime | None = None
) -> bool:
    """The sponsorship's own touchpoint cadence ({kind: months}), or None to follow the
    program's default for the account's tier (audited); the untouched future touchpoints
    move (signal `cadence_changed`). False when nothing changed."""
    if not sponsorship.is_open:
        raise NotAllowedNow(_l("This sponsorship has ended: its cadence no longer changes."))
    cadence = clean_cadence(cadence)
    if cadence == sponsorship.cadence:
        return False
    old = sponsorship.cadence
    sponsorship.cadence = cadence
    _audit(actor, sponsorship, "cadence", {"cadence": [old, cadence]})
    db.session.flush()
    now = now or utcnow()
    cadence_changed.send(sponsorship, actor=actor, today=local_today(now), now=now)
    return True


def criterion_record(criterion: Criterion) -> dict:
    """A rule as its audit row stores it (app/sponsorship/audit_text.py reads it)."""
    return {
        "side": criterion.side.value,
        "kind": criterion.kind.value,
        "params": dict(criterion.params or {}),
    }


def add_criterion(actor, kind: CriterionKind, params: dict) -> Criterion:
    """A new entry or exit rule (its kind says which side), in force from now (audited)."""
    side = CriterionSide.ENTRY if kind in ENTRY_KINDS else CriterionSide.EXIT
    criterion = Criterion(side=side, kind=kind, params=params)
    db.session.add(criterion)
    db.session.flush()
    rule = criterion_record(criterion)
    audit.record(
        actor, "program", 1, "criterion", changes={"rule": [None, rule]}, summary="criteria"
    )
    return criterion


def remove_criterion(actor, criterion: Criterion) -> None:
    """A rule no longer in force; it is kept for the history (audited)."""
    criterion.active = False
    rule = criterion_record(criterion)
    audit.record(
        actor, "program", 1, "criterion", changes={"rule": [rule, None]}, summary="criteria"
    )
    db.session.flush()
