"""sites and api keys; articles and comments belong to a site; deferred comments

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import moderation.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Articles and comments stored before sites existed are given to this site; an operator
# gives it a key with `modq site key add default`.
LEGACY_SITE = "default"


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("open_intake", sa.Boolean(), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", moderation.db.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", moderation.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", moderation.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_site_id"), ["site_id"], unique=False)

    for table in ("articles", "comments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deferred", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _give_existing_rows_a_site()
    for table in ("articles", "comments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("site_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_site_id"), ["site_id"], unique=False)
            batch_op.create_foreign_key(f"fk_{table}_site_id_sites", "sites", ["site_id"], ["id"])


def _give_existing_rows_a_site() -> None:
    connection = op.get_bind()
    if not connection.execute(sa.text("SELECT count(*) FROM articles")).scalar():
        return
    connection.execute(
        sa.text(
            "INSERT INTO sites (name, origins, open_intake, created_at) "
            "VALUES (:name, '[]', :closed, :now)"
        ),
        {"name": LEGACY_SITE, "closed": False, "now": moderation.db.utcnow()},
    )
    site_id = connection.execute(
        sa.text("SELECT id FROM sites WHERE name = :name"), {"name": LEGACY_SITE}
    ).scalar()
    for table in ("articles", "comments"):
        connection.execute(sa.text(f"UPDATE {table} SET site_id = :site"), {"site": site_id})


def downgrade() -> None:
    for table in ("comments", "articles"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_site_id_sites", type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_site_id"))
            batch_op.drop_column("site_id")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("deferred")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_site_id"))
    op.drop_table("api_keys")
    op.drop_table("sites")
