"""The PostgreSQL pool's check of a connection before use: a dead one is replaced without a
round trip to find out, and only a long-idle one is pinged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from moderation import db
from moderation.db import make_engine
from tests.support.processes import wait_for

BACKEND = sa.text("select pg_backend_pid()")


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    value = make_engine(postgres_url)
    yield value
    value.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The pings the pool sends (each a round trip to the server)."""
    sent: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        sent.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(BACKEND))


def test_a_busy_pooled_connection_is_used_without_a_ping(
    engine: Engine, pings: list[object]
) -> None:
    first = backend(engine)
    assert [backend(engine) for _ in range(5)] == [first] * 5, "the pool reuses one connection"
    assert pings == []


def test_a_pooled_connection_idle_for_a_while_is_pinged_first(
    engine: Engine, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = backend(engine)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert backend(engine) == first
    assert len(pings) == 1


def test_a_connection_the_server_closed_is_replaced_before_use(
    engine: Engine, postgres_url: str, pings: list[object]
) -> None:
    first = backend(engine)
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as other:
        assert other.scalar(sa.text(f"select pg_terminate_backend({first})"))
        alive = sa.text(f"select count(*) from pg_stat_activity where pid = {first}")
        wait_for(lambda: other.scalar(alive) == 0, timeout=5, every=0.02)
    admin.dispose()
    second = backend(engine)  # without the check, this would fail: the server closed it
    assert second != first
    assert pings == [], "found dead without a round trip"
