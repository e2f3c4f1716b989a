"""sponsorship program

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:44:14.995985

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand.
    op.create_table('program_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('entry', 'exit', name='criterion_side', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('kind', sa.Enum('arr_at_least', 'tier_in', 'executive_escalation_within', 'health_at_most', 'renewal_within', 'term_ended', 'health_at_least_for', 'no_open_executive_escalation_for', 'churned', 'arr_below', name='criterion_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_criteria'))
    )
    op.create_table('program_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('responsibilities', sa.JSON(), nullable=False),
    sa.Column('success_metrics', sa.JSON(), nullable=False),
    sa.Column('default_term_months', sa.Integer(), nullable=False),
    sa.Column('cadence_by_tier', sa.JSON(), nullable=False),
    sa.Column('required_modules', sa.JSON(), nullable=False),
    sa.Column('max_active_per_executive', sa.Integer(), nullable=False),
    sa.Column('auto_nominate', sa.Boolean(), nullable=False),
    sa.Column('entry_combination', sa.String(length=3), nullable=False),
    sa.Column('exit_combination', sa.String(length=3), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_settings'))
    )
    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=120), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_training_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records')),
    sa.UniqueConstraint('user_id', 'module', name='uq_training_user_module')
    )
    op.create_table('sponsorships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('nominated', 'active', 'exit_review', 'exited', 'declined', name='sponsorship_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=True),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('nomination_reason', sa.Text(), nullable=False),
    sa.Column('nominated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('planned_end_on', sa.Date(), nullable=True),
    sa.Column('exit_on', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.Enum('criteria_met', 'term_ended', 'churned', 'other', name='exit_reason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('exit_note', sa.Text(), nullable=False),
    sa.Column('exit_rules', sa.JSON(), nullable=False),
    sa.Column('baseline', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_sponsorships_account_id_accounts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_sponsorships_decided_by_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_sponsorships_escalation_id_escalations')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_sponsorships_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['users.id'], name=op.f('fk_sponsorships_sponsor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsorships'))
    )
    with op.batch_alter_table('sponsorships', schema=None) as batch_op:
        batch_op.create_index('ix_sponsorships_sponsor', ['sponsor_id', 'status'], unique=False)
        batch_op.create_index('ix_sponsorships_status', ['status'], unique=False)
        batch_op.create_index('uq_sponsorships_open_account', ['account_id'], unique=True, postgresql_where=sa.text("status IN ('nominated', 'active', 'exit_review')"), sqlite_where=sa.text("status IN ('nominated', 'active', 'exit_review')"))

    op.create_table('sponsorship_objectives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsorship_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('metric', sa.String(length=120), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'on_track', 'at_risk', 'achieved', 'missed', name='objective_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sponsorship_id'], ['sponsorships.id'], name=op.f('fk_sponsorship_objectives_sponsorship_id_sponsorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsorship_objectives'))
    )
    with op.batch_alter_table('sponsorship_objectives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsorship_objectives_sponsorship_id'), ['sponsorship_id'], unique=False)

    op.create_table('sponsorship_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsorship_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_sponsorship_tasks_done_by_id_users')),
    sa.ForeignKeyConstraint(['sponsorship_id'], ['sponsorships.id'], name=op.f('fk_sponsorship_tasks_sponsorship_id_sponsorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsorship_tasks'))
    )
    with op.batch_alter_table('sponsorship_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsorship_tasks_sponsorship_id'), ['sponsorship_id'], unique=False)

    _insert_defaults()


def _insert_defaults():
    settings = sa.table(
        "program_settings", sa.column("id"), sa.column("purpose", sa.Text),
        sa.column("responsibilities", sa.JSON), sa.column("success_metrics", sa.JSON),
        sa.column("default_term_months"), sa.column("cadence_by_tier", sa.JSON),
        sa.column("required_modules", sa.JSON), sa.column("max_active_per_executive"),
        sa.column("auto_nominate", sa.Boolean), sa.column("entry_combination", sa.String),
        sa.column("exit_combination", sa.String), sa.column("version"),
    )
    op.bulk_insert(settings, [{
        "id": 1,
        "purpose": "Give our most valuable and most exposed customers a named executive who "
                   "owns the relationship, removes blockers and makes sure they renew.",
        "responsibilities": [
            "Introductory call with the customer's executive sponsor",
            "Review the success plan with the account team",
            "Quarterly executive business review",
            "Be reachable for escalations within one business day",
        ],
        "success_metrics": ["Renewal", "Health score", "ARR", "Executive escalations"],
        "default_term_months": 12,
        "cadence_by_tier": {"strategic": "monthly", "enterprise": "quarterly",
                            "growth": "quarterly"},
        "required_modules": ["Executive sponsor essentials", "Escalation handling"],
        "max_active_per_executive": 5,
        "auto_nominate": True,
        "entry_combination": "any",
        "exit_combination": "any",
        "version": 1,
    }])
    criteria = sa.table(
        "program_criteria", sa.column("side", sa.String), sa.column("kind", sa.String),
        sa.column("params", sa.JSON), sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(criteria, [
        {"side": side, "kind": kind, "params": params, "active": True, "created_at": now}
        for side, kind, params in [
            ("entry", "executive_escalation_within", {"days": 90}),
            ("entry", "arr_at_least", {"amounts": {"JPY": 300_000_000, "USD": 2_000_000_00,
                                                   "EUR": 2_000_000_00,
                                                   "GBP": 1_500_000_00}}),
            ("entry", "health_at_most", {"score": 30}),
            ("exit", "term_ended", {}),
            ("exit", "health_at_least_for", {"score": 75, "days": 60}),
            ("exit", "churned", {}),
        ]
    ])




def downgrade():
    # Reviewed by hand.
    with op.batch_alter_table('sponsorship_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsorship_tasks_sponsorship_id'))

    op.drop_table('sponsorship_tasks')
    with op.batch_alter_table('sponsorship_objectives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsorship_objectives_sponsorship_id'))

    op.drop_table('sponsorship_objectives')
    with op.batch_alter_table('sponsorships', schema=None) as batch_op:
        batch_op.drop_index('uq_sponsorships_open_account', postgresql_where=sa.text("status IN ('nominated', 'active', 'exit_review')"), sqlite_where=sa.text("status IN ('nominated', 'active', 'exit_review')"))
        batch_op.drop_index('ix_sponsorships_status')
        batch_op.drop_index('ix_sponsorships_sponsor')

    op.drop_table('sponsorships')
    op.drop_table('training_records')
    op.drop_table('program_settings')
    op.drop_table('program_criteria')
    # ### end Alembic commands ###
