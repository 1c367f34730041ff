"""readers: each site's reader-token secret and embed settings, the second thought recorded
with a comment, readers' reports

Existing sites get a random reader-token secret each.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import moderation.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reader_secret", sa.String(length=64), nullable=True))
        for name in ("anonymous_comments", "show_reasons"):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    connection = op.get_bind()
    for (site_id,) in connection.execute(sa.text("SELECT id FROM sites")).all():
        connection.execute(
            sa.text("UPDATE sites SET reader_secret = :secret WHERE id = :id"),
            {"secret": secrets.token_urlsafe(32), "id": site_id},
        )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.alter_column("reader_secret", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_thought", sa.String(length=16), nullable=True))
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", moderation.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("comment_id", "reader_id", name="uq_reports_reader"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_comment_id"), ["comment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_resolved_at"), ["resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_reports_site_id"))
        batch_op.drop_index(batch_op.f("ix_reports_comment_id"))
    op.drop_table("reports")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("second_thought")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("show_reasons")
        batch_op.drop_column("anonymous_comments")
        batch_op.drop_column("reader_secret")
