"""Batches through a real worker: a comment that arrives while the pool process is busy is
handed over as soon as that batch ends, not at the next tick of the wait timer; and a scoring
worker as its role runs it (two batches at once, in threads) decides a comment while another
batch is held up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import make_engine
from tests.end_to_end.conftest import E2E_REDIS
from tests.end_to_end.test_e2e import (
    BURST,
    CLEAN,
    _task_waits_on_lock,
    client_for,
    decided,
    submit,
    worker_ready,
)
from tests.support.processes import celery_process, settings_env, wait_for
from workers.roles import SCORING


def held_up(client: FlaskClient, engine: sa.Engine, blocker: sa.Connection) -> str:
    """Submit a comment whose batch then waits inside its decision, on a lock of its row held
    by `blocker` until it rolls back; its status URL."""
    status_url = submit(client, CLEAN)
    blocker.execute(
        sa.text("SELECT id FROM comments WHERE id = :id FOR UPDATE"),
        {"id": status_url.rsplit("/", 1)[1]},
    )
    wait_for(lambda: _task_waits_on_lock(engine), timeout=60)
    return status_url


def test_a_comment_that_came_during_a_batch_is_scored_when_it_ends_not_at_the_next_tick(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    # One comment per batch and a 10 s wait: only the end of the first batch can hand the
    # second comment over before the timer's next tick, 10 s after the first arrived.
    settings = dataclasses.replace(e2e_settings, batch_max_comments=1, batch_wait_ms=10_000)
    client = client_for(apps, settings)
    engine = make_engine(settings.database_url)
    broker = redis.Redis.from_url(E2E_REDIS)
    log = tmp_path / "worker.log"
    with celery_process("worker", settings_env(settings), log, "--concurrency", "1"):
        worker_ready(settings)
        with engine.connect() as blocker:
            # The first batch blocks inside its decision while the second comment arrives.
            first = held_up(client, engine, blocker)
            second = submit(client, BURST[1], author_id="u2")
            wait_for(lambda: broker.llen("celery") == 0)  # taken by the worker, buffered
            blocker.rollback()
        decided(client, first)
        decided(client, second)
    query = sa.text("SELECT decided_at FROM comments WHERE id IN (:a, :b) ORDER BY decided_at")
    with engine.connect() as connection:
        ids = {"a": first.rsplit("/", 1)[1], "b": second.rsplit("/", 1)[1]}
        earlier, later = connection.execute(query, ids).scalars()
    engine.dispose()
    assert (later - earlier).total_seconds() < 4, "the second comment waited for the timer"


def test_a_comment_is_decided_while_another_batch_is_held_up(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    # A batch held up (here inside its decision by a row lock; in production by a long comment
    # on one lane) held every comment that arrived after it while the worker ran one batch at
    # a time. One comment per batch, so the second comment is a batch of its own.
    settings = dataclasses.replace(e2e_settings, batch_max_comments=1)
    client = client_for(apps, settings)
    engine = make_engine(settings.database_url)
    log = tmp_path / "worker.log"
    with celery_process("worker", settings_env(settings), log, *SCORING.pool):
        worker_ready(settings)
        with engine.connect() as blocker:
            first = held_up(client, engine, blocker)
            second = submit(client, BURST[1], author_id="u2")
            decided(client, second, timeout=30)
            still = client.get(first).get_json()["status"]
            blocker.rollback()
        decided(client, first)
    engine.dispose()
    assert still == "pending", "the first batch was not held up after all"
