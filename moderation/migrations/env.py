"""Alembic environment: runs migrations against the URL set by moderation.db.alembic_config."""

from alembic import context
from sqlalchemy import pool

from moderation import models  # noqa: F401  (registers every table on Base.metadata)
from moderation.db import Base, make_engine
from moderation.decisions import models as workspace_models  # noqa: F401  (claims, notes...)
from moderation.learning import models as learning_models  # noqa: F401  (spot-checks, lines)
from moderation.logins import models as login_models  # noqa: F401  (and the login tables)
from moderation.readers import models as reader_models  # noqa: F401  (readers' reports)
from moderation.signals.relevance import models as relevance_models  # noqa: F401  (embeddings)
from moderation.signals.relevance import vector_rows  # noqa: F401  (the passages cache)
from moderation.webhooks import models as webhook_models  # noqa: F401  (and the webhooks')

config = context.config
target_metadata = Base.metadata
# Indexes the migrations create on PostgreSQL only (expressions the models cannot state for
# both databases): autogenerate leaves them alone.
POSTGRES_ONLY_INDEXES = {"ix_comments_body_search"}


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, other: object
) -> bool:
    """Everything but the PostgreSQL-only indexes."""
    return not (kind == "index" and name in POSTGRES_ONLY_INDEXES)


def run_offline() -> None:
    """Emit SQL without a database connection (alembic upgrade --sql)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply migrations on a live connection."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations recreate tables (copy, drop, rename); with foreign keys enforced,
            # dropping a table other rows point at fails. SQLite's own recipe: turn enforcement
            # off outside any transaction, migrate, then check the keys (below).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
