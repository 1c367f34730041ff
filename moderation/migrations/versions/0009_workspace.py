"""the moderators' workspace: roles, claims, notes, sanctions, strict periods, the review
queue's priority and filter columns, undone decisions

The oldest moderator becomes an admin (someone must manage the others); everyone else is a
moderator. Comments already in review get a priority from their age alone and the reason codes
of the policy decision that sent them there.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 05:55:23.638620
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import moderation.db

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strict_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("started_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", moderation.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("strict_periods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_strict_periods_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("until", moderation.db.UTCDateTime(), nullable=True),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("lifted_at", moderation.db.UTCDateTime(), nullable=True),
        sa.Column("lifted_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sanctions_author_id"), ["author_id"], unique=False)

    op.create_table(
        "review_claims",
        sa.Column("comment_id", sa.String(length=32), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", moderation.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
        ),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    with op.batch_alter_table("review_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_claims_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_claims_moderator_id"), ["moderator_id"], unique=False
        )

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("priority_why", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("reason_codes", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("detoxify_scores", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("wave_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("public_after", moderation.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_comments_wave_id"), ["wave_id"], unique=False)
        batch_op.create_index("ix_comments_status_priority", ["status", "priority"], unique=False)

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undone_at", moderation.db.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_decisions_moderator_created", ["moderator_id", "created_at"], unique=False
        )

    with op.batch_alter_table("moderators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="moderator")
        )
    with op.batch_alter_table("moderators", schema=None) as batch_op:
        batch_op.alter_column("role", server_default=None)
    op.execute("UPDATE moderators SET role = 'admin' WHERE id = (SELECT MIN(id) FROM moderators)")
    _place_waiting_comments()
    if op.get_bind().dialect.name == "postgresql":
        # The queue's full-text search (decisions/queues.py), PostgreSQL only.
        op.execute(
            "CREATE INDEX ix_comments_body_search ON comments "
            "USING gin (to_tsvector('simple', body))"
        )


AGE_DOUBLING_SECONDS = 3600.0  # as moderation/decisions/priority.py had it at this revision


def _place_waiting_comments() -> None:
    """Priority by age alone (weight 1), the policy's reason codes and Detoxify's scores, for
    comments in review."""
    connection = op.get_bind()
    comments = sa.table(
        "comments",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("created_at", moderation.db.UTCDateTime()),
        sa.column("priority", sa.Float),
        sa.column("priority_why", sa.String),
        sa.column("reason_codes", sa.String),
        sa.column("detoxify_scores", sa.JSON),
    )
    signals = sa.table(
        "signals",
        sa.column("comment_id", sa.String),
        sa.column("scorer", sa.String),
        sa.column("state", sa.String),
        sa.column("scores", sa.JSON),
    )
    decisions = sa.table(
        "decisions",
        sa.column("comment_id", sa.String),
        sa.column("moderator_id", sa.Integer),
        sa.column("reasons", sa.JSON),
    )
    waiting = connection.execute(
        sa.select(comments.c.id, comments.c.created_at).where(comments.c.status == "review")
    ).all()
    for comment_id, created_at in waiting:
        reasons = (
            connection.execute(
                sa.select(decisions.c.reasons).where(
                    decisions.c.comment_id == comment_id, decisions.c.moderator_id.is_(None)
                )
            )
            .scalars()
            .all()
        )
        codes = sorted({r.get("code", "") for rs in reasons for r in (rs or [])} - {""})
        scores = connection.execute(
            sa.select(signals.c.scores).where(
                signals.c.comment_id == comment_id,
                signals.c.scorer == "detoxify",
                signals.c.state == "ok",
            )
        ).scalar()
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(
                priority=-created_at.timestamp() / AGE_DOUBLING_SECONDS,
                priority_why="waiting since before priorities were kept",
                reason_codes=f" {' '.join(codes)} ",
                detoxify_scores=scores,
            )
        )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_comments_body_search")
    with op.batch_alter_table("moderators", schema=None) as batch_op:
        batch_op.drop_column("role")

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_moderator_created")
        batch_op.drop_column("undone_at")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_status_priority")
        batch_op.drop_index(batch_op.f("ix_comments_wave_id"))
        batch_op.drop_column("public_after")
        batch_op.drop_column("wave_id")
        batch_op.drop_column("detoxify_scores")
        batch_op.drop_column("language")
        batch_op.drop_column("reason_codes")
        batch_op.drop_column("priority_why")
        batch_op.drop_column("priority")

    with op.batch_alter_table("review_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_claims_moderator_id"))
        batch_op.drop_index(batch_op.f("ix_review_claims_expires_at"))

    op.drop_table("review_claims")
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanctions_author_id"))

    op.drop_table("sanctions")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index("ix_notes_subject")

    op.drop_table("notes")
    with op.batch_alter_table("strict_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_strict_periods_started_at"))

    op.drop_table("strict_periods")
