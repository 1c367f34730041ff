"""topic lines: each site learns its own

Lines computed before this revision were learned from every site's comments together. With a
single site those were its own comments, so the rows become that site's and its history stays;
with several they fit none of them and are deleted: each site keeps the built-in line until
beat's next hourly computation learns its own. Downgrading keeps the rows when they belong to
one site (the installation's lines, as the code before this revision learns them) and deletes
them otherwise, for the same reason.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_topic_lines_site_id_sites"


def upgrade() -> None:
    with op.batch_alter_table("topic_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
    _give_existing_lines_their_site()
    with op.batch_alter_table("topic_lines", schema=None) as batch_op:
        batch_op.alter_column("site_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FOREIGN_KEY, "sites", ["site_id"], ["id"])
        batch_op.drop_index("ix_topic_lines_section_computed")
        batch_op.create_index("ix_topic_lines_site_computed", ["site_id", "computed_at"])


def _give_existing_lines_their_site() -> None:
    connection = op.get_bind()
    sites = connection.execute(sa.text("SELECT id FROM sites")).scalars().all()
    if len(sites) == 1:
        connection.execute(sa.text("UPDATE topic_lines SET site_id = :site"), {"site": sites[0]})
    else:
        connection.execute(sa.text("DELETE FROM topic_lines"))


def downgrade() -> None:
    connection = op.get_bind()
    count = "SELECT count(DISTINCT site_id) FROM topic_lines"
    if (connection.execute(sa.text(count)).scalar() or 0) > 1:
        connection.execute(sa.text("DELETE FROM topic_lines"))
    with op.batch_alter_table("topic_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_lines_site_computed")
        batch_op.create_index("ix_topic_lines_section_computed", ["section", "computed_at"])
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column("site_id")
