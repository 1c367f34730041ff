"""article vectors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:01:37.345258
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import moderation.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_vectors",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("passages", sa.Text(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("article_vectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_vectors_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_article_vectors_model"), ["model"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article_vectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_vectors_model"))
        batch_op.drop_index(batch_op.f("ix_article_vectors_created_at"))

    op.drop_table("article_vectors")
