"""Entry and exit criteria: each rule kind at its boundaries, the all/any combination, who is a
candidate on each side, and a statement count that does not grow with the book."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import HealthScoreEntry, LifecycleStatus, Tier
from app.escalations.models import Status
from app.extensions import db
from app.sponsorship.criteria import describe, evaluate, matching_account_ids
from app.sponsorship.models import (
    Criterion,
    CriterionKind,
    CriterionSide,
    ProgramSettings,
    Sponsorship,
    SponsorshipStatus,
)

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
ENTRY, EXIT = CriterionSide.ENTRY, CriterionSide.EXIT
K = CriterionKind


def matching(app, kind, params=None) -> set[int]:
    """Ids of the accounts meeting one rule, evaluated on its own."""
    with app.app_context():
        rule = Criterion(side=ENTRY, kind=kind, params=params or {})
        return set(db.session.scalars(matching_account_ids(rule, today=TODAY, now=NOW)))


def evaluated(app, side) -> list[tuple[int, list[CriterionKind]]]:
    """evaluate() as (account id, kinds of the rules met) pairs."""
    with app.app_context():
        return [
            (m.account_id, [rule.kind for rule in m.criteria])
            for m in evaluate(side, today=TODAY, now=NOW)
        ]


def use_rules(app, side, *rules, combination="any") -> None:
    """The side's rules become exactly these (kind, params[, active]) under the combination."""
    with app.app_context():
        db.session.execute(sa.update(Criterion).where(Criterion.side == side).values(active=False))
        # Ids given here: on PostgreSQL the clean-up restarts the sequence below the restored
        # default rows.
        next_id = db.session.scalar(sa.select(sa.func.max(Criterion.id))) + 1
        for offset, (kind, params, *active) in enumerate(rules):
            db.session.add(
                Criterion(
                    id=next_id + offset,
                    side=side,
                    kind=kind,
                    params=params,
                    active=active[0] if active else True,
                )
            )
        settings = db.session.scalar(sa.select(ProgramSettings))
        if side is ENTRY:
            settings.entry_combination = combination
        else:
            settings.exit_combination = combination
        db.session.commit()


def add(app, *rows) -> None:
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def health(account_id, recorded_at, score):
    return HealthScoreEntry(account_id=account_id, recorded_at=recorded_at, score=score)


# Each kind, matching and not, at its boundaries.

AMOUNTS = {"amounts": {"JPY": 300_000_000, "USD": 2_000_000_00}}


def test_arr_at_least_compares_in_the_accounts_own_currency(app, make_account):
    exactly = make_account(arr_minor=300_000_000, currency="JPY")
    below = make_account(arr_minor=299_999_999, currency="JPY")
    dollars = make_account(arr_minor=2_000_000_00, currency="USD")
    dollars_below = make_account(arr_minor=1_999_999_99, currency="USD")
    make_account(arr_minor=10**12, currency="EUR")  # no amount for euros: never a match

    assert matching(app, K.ARR_AT_LEAST, AMOUNTS) == {exactly, dollars}
    assert below not in matching(app, K.ARR_AT_LEAST, AMOUNTS)
    assert dollars_below not in matching(app, K.ARR_AT_LEAST, AMOUNTS)
    assert matching(app, K.ARR_AT_LEAST, {"amounts": {}}) == set()


def test_arr_below_compares_in_the_accounts_own_currency(app, make_account):
    make_account(arr_minor=300_000_000, currency="JPY")
    below = make_account(arr_minor=299_999_999, currency="JPY")
    dollars_below = make_account(arr_minor=1_999_999_99, currency="USD")
    make_account(arr_minor=2_000_000_00, currency="USD")
    make_account(arr_minor=0, currency="GBP")  # no amount for pounds: never a match

    assert matching(app, K.ARR_BELOW, AMOUNTS) == {below, dollars_below}


def test_tier_in(app, make_account):
    strategic = make_account(tier=Tier.STRATEGIC)
    enterprise = make_account(tier=Tier.ENTERPRISE)
    make_account(tier=Tier.GROWTH)

    assert matching(app, K.TIER_IN, {"tiers": ["strategic", "enterprise"]}) == {
        strategic,
        enterprise,
    }
    assert matching(app, K.TIER_IN, {"tiers": []}) == set()


def test_executive_escalation_within_counts_from_now_back_n_days(
    app, make_account, make_escalation
):
    exactly = make_account()
    just_before = make_account()
    not_executive = make_account()
    resolved = make_account()
    start = NOW - timedelta(days=90)
    make_escalation(exactly, executive=True, created_at=start)
    make_escalation(just_before, executive=True, created_at=start - timedelta(seconds=1))
    make_escalation(not_executive, executive=False, created_at=NOW - timedelta(days=1))
    # Raised in the window and already resolved: it still happened.
    make_escalation(
        resolved,
        executive=True,
        created_at=NOW - timedelta(days=10),
        status=Status.RESOLVED,
        resolved_at=NOW,
    )

    assert matching(app, K.EXECUTIVE_ESCALATION_WITHIN, {"days": 90}) == {exactly, resolved}


def test_health_at_most(app, make_account):
    exactly = make_account(health_score=30)
    zero = make_account(health_score=0)
    make_account(health_score=31)
    make_account(health_score=None)

    assert matching(app, K.HEALTH_AT_MOST, {"score": 30}) == {exactly, zero}


def test_renewal_within_includes_today_and_the_last_day(app, make_account):
    today = make_account(renewal_date=TODAY)
    last_day = make_account(renewal_date=TODAY + timedelta(days=60))
    make_account(renewal_date=TODAY + timedelta(days=61))
    make_account(renewal_date=TODAY - timedelta(days=1))  # already past
    make_account(renewal_date=None)

    assert matching(app, K.RENEWAL_WITHIN, {"days": 60}) == {today, last_day}


def test_term_ended_only_for_an_active_sponsorship(app, make_account, make_sponsorship):
    ends_today = make_account()
    ended = make_account()
    ends_tomorrow = make_account()
    in_exit_review = make_account()
    exited = make_account()
    no_end = make_account()
    month_ago = TODAY - timedelta(days=30)
    make_sponsorship(ends_today, status=SponsorshipStatus.ACTIVE, planned_end_on=TODAY)
    make_sponsorship(ended, status=SponsorshipStatus.ACTIVE, planned_end_on=month_ago)
    make_sponsorship(
        ends_tomorrow, status=SponsorshipStatus.ACTIVE, planned_end_on=TODAY + timedelta(days=1)
    )
    make_sponsorship(in_exit_review, status=SponsorshipStatus.EXIT_REVIEW, planned_end_on=month_ago)
    make_sponsorship(exited, status=SponsorshipStatus.EXITED, planned_end_on=month_ago)
    make_sponsorship(no_end, status=SponsorshipStatus.ACTIVE, planned_end_on=None)

    assert matching(app, K.TERM_ENDED) == {ends_today, ended}


def test_health_at_least_for_needs_the_whole_window_at_or_above(app, make_account):
    start = NOW - timedelta(days=60)
    held = make_account(health_score=80)
    held_from_exactly_the_start = make_account(health_score=75)
    recovered_before_the_window = make_account(health_score=90)
    below_when_the_window_opened = make_account(health_score=80)
    dipped_in_the_window = make_account(health_score=80)
    no_history_before_the_window = make_account(health_score=80)
    below_now = make_account(health_score=74)
    no_health = make_account(health_score=None)
    add(
        app,
        health(held, start - timedelta(days=1), 76),
        health(held, start + timedelta(days=5), 75),  # exactly the score is enough
        health(held_from_exactly_the_start, start, 75),
        health(recovered_before_the_window, start - timedelta(days=20), 40),
        health(recovered_before_the_window, start - timedelta(days=2), 90),
        health(below_when_the_window_opened, start - timedelta(days=1), 74),
        health(below_when_the_window_opened, start + timedelta(days=1), 80),
        health(dipped_in_the_window, start - timedelta(days=1), 80),
        health(dipped_in_the_window, NOW - timedelta(days=10), 74),
        health(dipped_in_the_window, NOW, 80),
        health(no_history_before_the_window, start + timedelta(seconds=1), 80),
        health(below_now, start - timedelta(days=1), 80),
        health(no_health, start - timedelta(days=1), 80),
    )

    assert matching(app, K.HEALTH_AT_LEAST_FOR, {"score": 75, "days": 60}) == {
        held,
        held_from_exactly_the_start,
        recovered_before_the_window,
    }


def test_health_at_least_for_ignores_scores_recorded_after_now(app, make_account):
    account = make_account(health_score=80)
    add(
        app,
        health(account, NOW - timedelta(days=61), 80),
        health(account, NOW + timedelta(hours=1), 10),
    )

    assert matching(app, K.HEALTH_AT_LEAST_FOR, {"score": 75, "days": 60}) == {account}


def test_no_open_executive_escalation_for(app, make_account, make_escalation):
    quiet = make_account()
    open_now = make_account()
    resolved_long_ago = make_account()
    resolved_exactly_n_days_ago = make_account()
    resolved_recently = make_account()
    only_ordinary_open = make_account()
    long_ago = NOW - timedelta(days=200)
    executive = dict(executive=True, created_at=long_ago)
    make_escalation(open_now, **executive, status=Status.WAITING_ON_CUSTOMER)
    for account, days_ago in (
        (resolved_long_ago, 31),
        (resolved_exactly_n_days_ago, 30),
        (resolved_recently, 29),
    ):
        resolved_at = NOW - timedelta(days=days_ago)
        make_escalation(account, **executive, status=Status.RESOLVED, resolved_at=resolved_at)
    make_escalation(only_ordinary_open, executive=False, created_at=NOW - timedelta(days=1))

    assert matching(app, K.NO_OPEN_EXECUTIVE_ESCALATION_FOR, {"days": 30}) == {
        quiet,
        resolved_long_ago,
        resolved_exactly_n_days_ago,
        only_ordinary_open,
    }


def test_churned(app, make_account):
    churned = make_account(status=LifecycleStatus.CHURNED)
    make_account(status=LifecycleStatus.AT_RISK)
    make_account(status=LifecycleStatus.ACTIVE)

    assert matching(app, K.CHURNED) == {churned}


# Combining the rules of a side.


@pytest.fixture
def one_and_both(make_account):
    """Three entry candidates: one meets the tier rule only, one both rules, one neither.
    Names sort in another order than ids do."""
    tier_only = make_account(name="Zenith Foods", tier=Tier.STRATEGIC, health_score=80)
    both = make_account(name="Acme Rail", tier=Tier.STRATEGIC, health_score=20)
    neither = make_account(name="Midori Bank", tier=Tier.GROWTH, health_score=80)
    return tier_only, both, neither


TIER_RULE = (K.TIER_IN, {"tiers": ["strategic"]})
HEALTH_RULE = (K.HEALTH_AT_MOST, {"score": 30})


def test_any_lists_accounts_meeting_one_rule_with_the_rules_they_met(app, one_and_both):
    tier_only, both, _ = one_and_both
    use_rules(app, ENTRY, TIER_RULE, HEALTH_RULE, combination="any")

    assert evaluated(app, ENTRY) == [
        (both, [K.TIER_IN, K.HEALTH_AT_MOST]),
        (tier_only, [K.TIER_IN]),
    ]


def test_all_lists_only_accounts_meeting_every_rule(app, one_and_both):
    _, both, _ = one_and_both
    use_rules(app, ENTRY, TIER_RULE, HEALTH_RULE, combination="all")

    assert evaluated(app, ENTRY) == [(both, [K.TIER_IN, K.HEALTH_AT_MOST])]


def test_inactive_rules_are_ignored(app, one_and_both):
    tier_only, both, _ = one_and_both
    growth = (K.TIER_IN, {"tiers": ["growth"]}, False)  # would match "neither" and block "all"
    use_rules(app, ENTRY, TIER_RULE, growth, combination="all")

    assert evaluated(app, ENTRY) == [(both, [K.TIER_IN]), (tier_only, [K.TIER_IN])]


def test_no_active_rule_means_no_match(app, one_and_both):
    use_rules(app, ENTRY, (*TIER_RULE, False), combination="any")
    assert evaluated(app, ENTRY) == []
    use_rules(app, ENTRY, (*TIER_RULE, False), combination="all")
    assert evaluated(app, ENTRY) == []


def test_entry_leaves_out_churned_accounts_and_those_in_the_program(
    app, make_account, make_sponsorship
):
    free = make_account(name="A free")
    exited_before = make_account(name="B exited before")
    declined_before = make_account(name="C declined before")
    make_account(name="D churned", status=LifecycleStatus.CHURNED)
    nominated = make_account(name="E nominated")
    active = make_account(name="F active")
    in_exit_review = make_account(name="G exit review")
    make_sponsorship(exited_before, status=SponsorshipStatus.EXITED)
    make_sponsorship(declined_before, status=SponsorshipStatus.DECLINED)
    make_sponsorship(nominated, status=SponsorshipStatus.NOMINATED)
    make_sponsorship(active, status=SponsorshipStatus.ACTIVE)
    make_sponsorship(in_exit_review, status=SponsorshipStatus.EXIT_REVIEW)
    use_rules(app, ENTRY, (K.TIER_IN, {"tiers": ["enterprise"]}))

    assert [account for account, _ in evaluated(app, ENTRY)] == [
        free,
        exited_before,
        declined_before,
    ]


def test_exit_considers_only_active_sponsorships(app, make_account, make_sponsorship):
    churned = {"status": LifecycleStatus.CHURNED}
    active = make_account(**churned)
    nominated = make_account(**churned)
    in_exit_review = make_account(**churned)
    exited = make_account(**churned)
    make_account(**churned)  # never sponsored
    make_sponsorship(active, status=SponsorshipStatus.ACTIVE)
    make_sponsorship(nominated, status=SponsorshipStatus.NOMINATED)
    make_sponsorship(in_exit_review, status=SponsorshipStatus.EXIT_REVIEW)
    make_sponsorship(exited, status=SponsorshipStatus.EXITED)
    use_rules(app, EXIT, (K.CHURNED, {}))

    assert evaluated(app, EXIT) == [(active, [K.CHURNED])]


def test_exit_uses_its_own_combination(app, make_account, make_sponsorship):
    ended = make_account(name="Ended")
    ended_and_churned = make_account(name="Ended and churned", status=LifecycleStatus.CHURNED)
    make_sponsorship(ended, status=SponsorshipStatus.ACTIVE, planned_end_on=TODAY)
    make_sponsorship(ended_and_churned, status=SponsorshipStatus.ACTIVE, planned_end_on=TODAY)
    use_rules(app, ENTRY, TIER_RULE, combination="any")
    use_rules(app, EXIT, (K.TERM_ENDED, {}), (K.CHURNED, {}), combination="all")
    assert evaluated(app, EXIT) == [(ended_and_churned, [K.TERM_ENDED, K.CHURNED])]

    use_rules(app, EXIT, (K.TERM_ENDED, {}), (K.CHURNED, {}), combination="any")
    assert evaluated(app, EXIT) == [
        (ended, [K.TERM_ENDED]),
        (ended_and_churned, [K.TERM_ENDED, K.CHURNED]),
    ]


def test_the_default_rules_of_the_migration(app, make_account, make_escalation):
    """The rules the program starts with evaluate as stored, and read as a person would."""
    escalated = make_account(name="Escalated")
    big = make_account(name="Big", arr_minor=300_000_000)
    make_account(name="Quiet")
    make_escalation(escalated, executive=True, created_at=NOW - timedelta(days=3))
    assert evaluated(app, ENTRY) == [
        (big, [K.ARR_AT_LEAST]),
        (escalated, [K.EXECUTIVE_ESCALATION_WITHIN]),
    ]

    with app.test_request_context():
        rules = db.session.scalars(sa.select(Criterion).order_by(Criterion.id))
        assert [describe(rule) for rule in rules] == [
            "Executive escalation in the last 90 days",
            "ARR ≥ ¥300,000,000 / $2,000,000.00 / €2,000,000.00 / £1,500,000.00",
            "Health ≤ 30",
            "Sponsorship term ended",
            "Health ≥ 75 for 60 days",
            "Account churned",
        ]


def test_describe_the_other_kinds(app):
    texts = {
        K.TIER_IN: ({"tiers": ["strategic", "enterprise"]}, "Tier in Strategic, Enterprise"),
        K.RENEWAL_WITHIN: ({"days": 1}, "Renewal within 1 day"),
        K.NO_OPEN_EXECUTIVE_ESCALATION_FOR: (
            {"days": 30},
            "No open executive escalation for 30 days",
        ),
        K.ARR_BELOW: ({"amounts": {"USD": 50_000_00}}, "ARR < $50,000.00"),
    }
    with app.test_request_context():
        for kind, (params, text) in texts.items():
            assert describe(Criterion(side=ENTRY, kind=kind, params=params)) == text


# The statements evaluate() sends do not grow with the number of accounts.


def statements_of_evaluate(app, side) -> tuple[int, int]:
    """(statements sent, matches) for one evaluation from a fresh session."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        db.session.remove()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            matches = evaluate(side, today=TODAY, now=NOW)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    return len(statements), len(matches)


def test_statements_do_not_grow_with_the_number_of_accounts(
    app, make_account, make_escalation, make_sponsorship
):
    use_rules(
        app,
        ENTRY,
        (K.EXECUTIVE_ESCALATION_WITHIN, {"days": 90}),
        (K.HEALTH_AT_MOST, {"score": 30}),
        (K.RENEWAL_WITHIN, {"days": 60}),
        combination="any",
    )
    use_rules(
        app,
        EXIT,
        (K.HEALTH_AT_LEAST_FOR, {"score": 75, "days": 60}),
        (K.NO_OPEN_EXECUTIVE_ESCALATION_FOR, {"days": 30}),
        combination="any",
    )

    def grow_to(count):
        while True:
            with app.app_context():
                have = db.session.scalar(sa.select(sa.func.count(Sponsorship.id)))
            if have == count:
                return
            sponsored = make_account(health_score=20)
            candidate = make_account(health_score=20, renewal_date=TODAY)
            make_sponsorship(sponsored, status=SponsorshipStatus.ACTIVE)
            make_escalation(candidate, executive=True, created_at=NOW - timedelta(days=1))
            add(app, health(candidate, NOW - timedelta(days=1), 20))

    grow_to(5)
    small = {side: statements_of_evaluate(app, side) for side in (ENTRY, EXIT)}
    grow_to(50)
    large = {side: statements_of_evaluate(app, side) for side in (ENTRY, EXIT)}

    assert [matches for _, matches in small.values()] == [5, 5]
    assert [matches for _, matches in large.values()] == [50, 50]
    assert [count for count, _ in small.values()] == [count for count, _ in large.values()]
