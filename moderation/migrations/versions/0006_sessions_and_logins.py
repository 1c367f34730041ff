"""sessions and logins: server-side moderator sessions, failed-login counters, audit by subject

Sessions opened before this revision (cookies without a server-side session) are logged out.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:09:46.294499
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import moderation.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", moderation.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_throttle_last_failure_at"), ["last_failure_at"], unique=False
        )

    op.create_table(
        "moderator_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", moderation.db.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderator_sessions_moderator_created", ["moderator_id", "created_at"], unique=False
        )

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_subject", ["subject_type", "subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_subject")

    with op.batch_alter_table("moderator_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_moderator_sessions_moderator_created")

    op.drop_table("moderator_sessions")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_last_failure_at"))

    op.drop_table("login_throttle")
