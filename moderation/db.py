"""Database engine, sessions and migrations."""

from __future__ import annotations

import functools
import select
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, DateTime, create_engine, event, exc, update
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT_SECONDS = 5
# A pooled connection idle this long is pinged (a round trip) before use; a busier one is only
# checked for a closed socket (see check_pooled).
PING_AFTER_IDLE_SECONDS = 10.0


class Base(DeclarativeBase):
    """Declarative base of every model."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def __repr__(self) -> str:
        return "UTCDateTime()"  # how Alembic writes it into migrations

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so web and workers can share it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # An unreachable server fails a request in seconds, not after the OS's TCP timeout.
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
        return watch_pool(create_engine(url, **kwargs))
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def watch_pool(engine: Engine) -> Engine:
    """Check each pooled connection as it is taken, instead of SQLAlchemy's pre-ping (a round
    trip per checkout: on intake, one of six)."""
    event.listen(engine, "checkin", _stamp_checkin)
    event.listen(engine, "checkout", lambda dbapi, record, _: check_pooled(engine, dbapi, record))
    return engine


def _stamp_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in_at"] = time.monotonic()


def check_pooled(engine: Engine, dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """Refuse a dead pooled connection (InvalidatePoolError: the pool drops every connection
    made before it and connects again), so a PostgreSQL restart costs no request.

    An idle connection has nothing to read: when its socket is readable, the server has sent
    its goodbye (a restart or a terminated backend) or closed it, which costs no round trip to
    see. A server that vanished without closing (a host that rebooted) shows nothing, so a
    connection idle for PING_AFTER_IDLE_SECONDS is also pinged."""
    if _socket_readable(dbapi_connection):
        raise exc.InvalidatePoolError("the server closed this pooled connection")
    idle = time.monotonic() - record.info.get("checked_in_at", time.monotonic())
    if idle >= PING_AFTER_IDLE_SECONDS:
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.InvalidatePoolError(f"a pooled connection did not answer: {error}") from None


def _socket_readable(dbapi_connection: Any) -> bool:
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # no socket left (psycopg raises its own error): as dead as a closed one
        return True


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Any:
    """An Alembic Config pointing at this project's migrations and `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


@functools.cache
def migration_heads() -> frozenset[str]:
    """The newest revision(s) of this project's migrations."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def schema_revisions(connection: Connection) -> frozenset[str]:
    """The revision(s) the database is at (empty when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return frozenset(MigrationContext.configure(connection).get_current_heads())


def insert_ignoring_conflicts(session: Session, model: type[Base]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for `model`, in the session's dialect: for rows that
    another worker may be inserting at the same moment."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model).on_conflict_do_nothing()


def claim(
    session: Session,
    model: type[Base],
    *where: ColumnElement[bool],
    synchronize: bool = True,
    **values: Any,
) -> bool:
    """Set `values` on the row matching `where`, and say whether it matched. The one way a
    state change is claimed: of two sessions racing, exactly one sees True. With
    `synchronize=False` loaded objects are left as they are (the caller expires what changed):
    with a batch loaded, matching every object against `where` cost more than the update."""
    statement = update(model).where(*where).values(**values)
    if not synchronize:
        statement = statement.execution_options(synchronize_session=False)
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
