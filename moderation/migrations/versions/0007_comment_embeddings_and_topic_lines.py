"""comment embeddings and topic lines

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import moderation.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comment_embeddings",
        sa.Column("comment_id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"]),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_table(
        "topic_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Float(), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("scorer_version", sa.String(length=200), nullable=False),
        sa.Column("computed_at", moderation.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("topic_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_topic_lines_section_computed", ["section", "computed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("topic_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_lines_section_computed")
    op.drop_table("topic_lines")
    op.drop_table("comment_embeddings")
