"""Broker faults end to end, on a Redis of our own: a dropped broker connection mid-batch, and
a message left unacknowledged by a worker that died."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import make_engine
from tests.support.processes import celery_process, settings_env, wait_for
from tests.support.services import RedisServer
from tests.test_e2e import (  # the e2e fixtures and helpers
    BURST,
    CLEAN,
    _task_waits_on_lock,
    apps,  # noqa: F401
    client_for,
    decided,
    e2e_database,  # noqa: F401
    e2e_settings,  # noqa: F401
    submit,
    worker_ready,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(keep_data=False)


@pytest.fixture
def fault_settings(e2e_settings: Settings, own_redis: RedisServer) -> Settings:  # noqa: F811
    return dataclasses.replace(e2e_settings, redis_url=own_redis.url(), batch_wait_ms=100)


def _comment_id(status_url: str) -> str:
    return status_url.rsplit("/", 1)[1]


def _lock_row(connection: sa.Connection, comment_id: str) -> None:
    """Hold the comment's row, so the batch scoring it blocks inside its transaction."""
    query = "SELECT id FROM comments WHERE id = :id FOR UPDATE"
    connection.execute(sa.text(query), {"id": comment_id})


def test_a_worker_keeps_deciding_after_its_broker_connection_drops_mid_batch(
    fault_settings: Settings,
    own_redis: RedisServer,
    tmp_path: Path,
    apps: list[Flask],  # noqa: F811
) -> None:
    # Celery's event loop clears its timers when the connection fails; a batch buffer whose
    # flush timer is not armed again holds every later comment until 128 have arrived.
    client = client_for(apps, fault_settings)
    env, log = settings_env(fault_settings), tmp_path / "worker.log"
    engine = make_engine(fault_settings.database_url)
    with celery_process("worker", env, log, "--concurrency", "1"):
        worker_ready(fault_settings)
        with engine.connect() as blocker:
            first = submit(client, CLEAN)
            _lock_row(blocker, _comment_id(first))
            wait_for(lambda: _task_waits_on_lock(engine), timeout=60)
            assert own_redis.kill_connections() >= 1
            wait_for(lambda: log.read_text().count("Connected to redis://") >= 2, timeout=60)
            blocker.rollback()
        later = client_for(apps, fault_settings, article=False)  # a fresh broker connection
        urls = [submit(later, body, author_id=f"r{n}") for n, body in enumerate(BURST[1:6])]
        results = [decided(later, url, timeout=90) for url in [first, *urls]]
    engine.dispose()
    assert {r["status"] for r in results} == {"published"}, results


def test_a_message_left_unacknowledged_waits_for_the_requeue_sweep_not_the_visibility_timeout(
    fault_settings: Settings,
    own_redis: RedisServer,
    tmp_path: Path,
    apps: list[Flask],  # noqa: F811
) -> None:
    # A worker that dies holding a message (killed whole, so nobody acks or restores it)
    # leaves it in Redis' unacked set, invisible for VISIBILITY_TIMEOUT_SECONDS (an hour).
    client = client_for(apps, fault_settings)
    env = settings_env(fault_settings)
    engine = make_engine(fault_settings.database_url)
    with engine.connect() as blocker:
        with celery_process("worker", env, tmp_path / "w1.log", "--concurrency", "1") as worker:
            worker_ready(fault_settings)
            status_url = submit(client, CLEAN)
            _lock_row(blocker, _comment_id(status_url))
            wait_for(lambda: _task_waits_on_lock(engine), timeout=60)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        blocker.rollback()
    assert own_redis.client().hlen("unacked") == 1
    with (
        celery_process("worker", env, tmp_path / "w2.log", "--concurrency", "1"),
        celery_process("beat", env, tmp_path / "beat.log"),
    ):
        result = decided(client, status_url, timeout=90)
    with engine.connect() as connection:
        decisions = connection.execute(sa.text("SELECT count(*) FROM decisions")).scalar()
    engine.dispose()
    assert result["status"] == "published" and decisions == 1
    assert own_redis.client().hlen("unacked") == 1, "decided by the sweep's new message"
