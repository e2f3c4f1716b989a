"""escalations, SLA, notifications, scheduler

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:27:46.279478

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand; default SLA policies and reply templates are inserted at the end.
    op.create_table('job_leases',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_leases'))
    )
    op.create_table('outbox_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails'))
    )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_emails_pending', ['next_attempt_at'], unique=False, postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))

    op.create_table('reply_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates')),
    sa.UniqueConstraint('key', 'language', name='uq_reply_templates_key_lang')
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.Enum('critical', 'high', 'medium', 'low', name='policy_severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('update_interval_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('severity', name=op.f('uq_sla_policies_severity'))
    )
    op.create_table('widespread_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('approved_message', sa.Text(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_widespread_issues_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_widespread_issues_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_widespread_issues'))
    )
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'email', 'chat', 'social', 'in_person', 'internal', name='intake_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('category', sa.Enum('technical', 'billing', 'service_quality', 'policy', 'other', name='category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('severity', sa.Enum('critical', 'high', 'medium', 'low', name='severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('new', 'investigating', 'waiting_on_customer', 'resolved', name='escalation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('level', sa.Enum('1', '2', '3', 'executive', name='escalation_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('threat_cancellation', sa.Boolean(), nullable=False),
    sa.Column('threat_legal', sa.Boolean(), nullable=False),
    sa.Column('threat_safety', sa.Boolean(), nullable=False),
    sa.Column('executive', sa.Boolean(), nullable=False),
    sa.Column('arr_at_risk_minor', sa.BigInteger(), nullable=True),
    sa.Column('arr_at_risk_currency', sa.String(length=3), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_update_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_kind', sa.Enum('fix', 'workaround', 'explained', 'concession', name='resolution_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('resolution_summary', sa.Text(), nullable=False),
    sa.Column('concession_minor', sa.BigInteger(), nullable=True),
    sa.Column('promised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('promise_warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('promise_warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('widespread_issue_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('arr_at_risk_minor IS NULL OR arr_at_risk_minor >= 0', name=op.f('ck_escalations_arr_at_risk_not_negative')),
    sa.CheckConstraint('concession_minor IS NULL OR concession_minor >= 0', name=op.f('ck_escalations_concession_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_escalations_account_id_accounts')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_escalations_owner_id_users')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_escalations_raised_by_id_users')),
    sa.ForeignKeyConstraint(['widespread_issue_id'], ['widespread_issues.id'], name=op.f('fk_escalations_widespread_issue_id_widespread_issues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('ix_escalations_account', ['account_id', 'created_at'], unique=False)
        batch_op.create_index('ix_escalations_executive', ['executive', 'status'], unique=False)
        batch_op.create_index('ix_escalations_owner_status', ['owner_id', 'status'], unique=False)
        batch_op.create_index('ix_escalations_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_widespread_issue_id'), ['widespread_issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_promise_warn_at'), ['promise_warn_at'], unique=False)

    op.create_table('widespread_issue_accounts',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_widespread_issue_accounts_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issue_id'], ['widespread_issues.id'], name=op.f('fk_widespread_issue_accounts_issue_id_widespread_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', 'account_id', name=op.f('pk_widespread_issue_accounts'))
    )
    with op.batch_alter_table('widespread_issue_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_widespread_issue_accounts_account_id'), ['account_id'], unique=False)

    op.create_table('customer_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'email', 'chat', 'social', 'in_person', 'internal', name='update_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('template_key', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_customer_updates_author_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_customer_updates_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_updates'))
    )
    with op.batch_alter_table('customer_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_updates_escalation_id'), ['escalation_id'], unique=False)

    op.create_table('escalation_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_escalation_notes_author_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_escalation_notes_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_notes'))
    )
    with op.batch_alter_table('escalation_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_notes_escalation_id'), ['escalation_id'], unique=False)

    op.create_table('escalation_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resumed_by_id', sa.Integer(), nullable=True),
    sa.Column('resume_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_escalation_pauses_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paused_by_id'], ['users.id'], name=op.f('fk_escalation_pauses_paused_by_id_users')),
    sa.ForeignKeyConstraint(['resumed_by_id'], ['users.id'], name=op.f('fk_escalation_pauses_resumed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_pauses'))
    )
    with op.batch_alter_table('escalation_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_pauses_escalation_id'), ['escalation_id'], unique=False)

    op.create_table('escalation_tags',
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_escalation_tags_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('escalation_id', 'name', name=op.f('pk_escalation_tags'))
    )
    with op.batch_alter_table('escalation_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_tags_name'), ['name'], unique=False)

    op.create_table('escalation_watchers',
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_escalation_watchers_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_escalation_watchers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('escalation_id', 'user_id', name=op.f('pk_escalation_watchers'))
    )
    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.Enum('1', '2', '3', 'executive', name='handoff_from_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('to_level', sa.Enum('1', '2', '3', 'executive', name='handoff_to_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('from_owner_id', sa.Integer(), nullable=True),
    sa.Column('to_owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('what_was_tried', sa.Text(), nullable=False),
    sa.Column('why_unresolved', sa.Text(), nullable=False),
    sa.Column('what_is_needed', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_handoffs_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_handoffs_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_handoffs_created_by_id_users')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_handoffs_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_owner_id'], ['users.id'], name=op.f('fk_handoffs_from_owner_id_users')),
    sa.ForeignKeyConstraint(['to_owner_id'], ['users.id'], name=op.f('fk_handoffs_to_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoffs'))
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoffs_escalation_id'), ['escalation_id'], unique=False)
        batch_op.create_index('ix_handoffs_unacknowledged', ['acknowledged_at', 'created_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_notifications_escalation_id_escalations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('sla_clocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('first_response', 'customer_update', 'resolution', name='clock_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('target_minutes', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_sla_clocks_escalation_id_escalations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_clocks'))
    )
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_sla_clocks_due', ['due_at'], unique=False, postgresql_where=sa.text('stopped_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL'))
        batch_op.create_index('ix_sla_clocks_escalation', ['escalation_id', 'kind'], unique=False)
        batch_op.create_index('ix_sla_clocks_warn', ['warn_at'], unique=False, postgresql_where=sa.text('stopped_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL'))

    # ### end Alembic commands ###

    _insert_defaults()


OFFICE = [["09:00", "18:00"]] * 5 + [None, None]
ALWAYS = [["00:00", "00:00"]] * 7
# SPEC.md defaults; a business day is the 9 office hours of one day.
DEFAULT_POLICIES = [
    ("critical", 60, 120, 240, ALWAYS),
    ("high", 240, 540, 540, OFFICE),
    ("medium", 540, 1080, 2700, OFFICE),
    ("low", 1080, 2700, 5400, OFFICE),
]
DEFAULT_TEMPLATES = [
    ("acknowledged", "en", "Acknowledged",
     "Thank you for contacting us about \"{title}\". We have received your request and a "
     "dedicated escalation manager is now looking into it. We will update you shortly."),
    ("acknowledged", "ja", "受付のご連絡",
     "「{title}」の件でご連絡いただきありがとうございます。担当のエスカレーションマネージャーが"
     "確認を開始いたしました。進捗は追ってご報告いたします。"),
    ("specialist", "en", "Passed to our specialist team",
     "We have passed \"{title}\" to our specialist team, who have the knowledge and authority "
     "to resolve it. We will keep you informed of their progress."),
    ("specialist", "ja", "専門チームへの引き継ぎ",
     "「{title}」の件は、解決に必要な知識と権限を持つ専門チームに引き継ぎました。"
     "進捗は引き続きご報告いたします。"),
    ("status_update", "en", "Current status",
     "Here is the current status of \"{title}\": [what has happened since the last update]. "
     "Next step: [next step]. We will update you again by [time]."),
    ("status_update", "ja", "現在の状況",
     "「{title}」の現在の状況をご報告いたします。[前回以降の経過]。次の対応: [次の対応]。"
     "次回は[日時]までにご連絡いたします。"),
    ("resolved", "en", "Resolved",
     "We are glad to let you know that \"{title}\" has been resolved: [resolution]. "
     "We will check in with you in a few days to make sure everything is working."),
    ("resolved", "ja", "解決のご報告",
     "「{title}」の件が解決いたしましたのでご報告いたします: [解決内容]。"
     "数日後に、問題が再発していないか改めて確認のご連絡をいたします。"),
]


def _insert_defaults():
    policies = sa.table(
        "sla_policies", sa.column("severity", sa.String), sa.column("first_response_minutes"),
        sa.column("update_interval_minutes"), sa.column("resolution_minutes"),
        sa.column("timezone", sa.String), sa.column("hours", sa.JSON),
        sa.column("holidays", sa.JSON), sa.column("version"),
    )
    op.bulk_insert(policies, [
        {"severity": severity, "first_response_minutes": first, "update_interval_minutes": update,
         "resolution_minutes": resolution, "timezone": "Asia/Tokyo", "hours": hours,
         "holidays": [], "version": 1}
        for severity, first, update, resolution, hours in DEFAULT_POLICIES
    ])
    templates = sa.table(
        "reply_templates", sa.column("key", sa.String), sa.column("language", sa.String),
        sa.column("name", sa.String), sa.column("body", sa.Text), sa.column("version"),
    )
    op.bulk_insert(templates, [
        {"key": key, "language": language, "name": name, "body": body, "version": 1}
        for key, language, name, body in DEFAULT_TEMPLATES
    ])


def downgrade():
    # Reviewed by hand; default SLA policies and reply templates are inserted at the end.
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_clocks_warn', postgresql_where=sa.text('stopped_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL'))
        batch_op.drop_index('ix_sla_clocks_escalation')
        batch_op.drop_index('ix_sla_clocks_due', postgresql_where=sa.text('stopped_at IS NULL'), sqlite_where=sa.text('stopped_at IS NULL'))

    op.drop_table('sla_clocks')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_unacknowledged')
        batch_op.drop_index(batch_op.f('ix_handoffs_escalation_id'))

    op.drop_table('handoffs')
    op.drop_table('escalation_watchers')
    with op.batch_alter_table('escalation_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_tags_name'))

    op.drop_table('escalation_tags')
    with op.batch_alter_table('escalation_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_pauses_escalation_id'))

    op.drop_table('escalation_pauses')
    with op.batch_alter_table('escalation_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_notes_escalation_id'))

    op.drop_table('escalation_notes')
    with op.batch_alter_table('customer_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_updates_escalation_id'))

    op.drop_table('customer_updates')
    with op.batch_alter_table('widespread_issue_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_widespread_issue_accounts_account_id'))

    op.drop_table('widespread_issue_accounts')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_widespread_issue_id'))
        batch_op.drop_index(batch_op.f('ix_escalations_promise_warn_at'))
        batch_op.drop_index('ix_escalations_status_created')
        batch_op.drop_index('ix_escalations_owner_status')
        batch_op.drop_index('ix_escalations_executive')
        batch_op.drop_index('ix_escalations_account')

    op.drop_table('escalations')
    op.drop_table('widespread_issues')
    op.drop_table('sla_policies')
    op.drop_table('reply_templates')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_emails_pending', postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))

    op.drop_table('outbox_emails')
    op.drop_table('job_leases')
    # ### end Alembic commands ###
