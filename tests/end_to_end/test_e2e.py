"""From HTTP submission to a stored decision through real Redis, PostgreSQL and Celery
worker and beat processes, including a worker killed mid-task and lost messages."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import make_engine
from tests.conftest import make_settings, site_client
from tests.end_to_end.conftest import E2E_REDIS
from tests.support import factories
from tests.support.processes import celery_process, children_of, settings_env, wait_for
from web import create_app

ARTICLE = {
    "title": "Ministers meet in Athens on energy and shipping",
    "url": "https://news.example.org/athens",
    "section": "World",
    "body": factories.ARTICLE.body,  # long enough to call a comment off-topic
}
CLEAN = "Energy cooperation and shipping trade with Athens make sense."
ABUSIVE = "The foreign minister is a stupid idiot and a pathetic fool."
OFF_TOPIC = "Does anyone have a recipe for banana bread with walnuts?"
BURST = [
    CLEAN,
    "Shipping lanes in the Aegean matter to both foreign ministers.",
    "Trade between the two countries has grown for a decade.",
    "Energy pipelines could make this cooperation last.",
    "The ministers should publish what they agreed on shipping.",
    "More trade means more jobs in the ports on both sides.",
    "Cooperation on energy prices would help households this winter.",
    "I hope the foreign ministers meet again before the summer.",
    "Shipping companies will watch these trade talks closely.",
    "A joint energy plan is overdue, and this meeting is a start.",
]


def client_for(apps: list[Flask], settings: Settings, article: bool = True) -> FlaskClient:
    app = create_app(settings, {"TESTING": True})
    apps.append(app)
    client = site_client(app, "e2e")
    if article:
        assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    return client


def submit(client: FlaskClient, body: str, author_id: str = "u1") -> str:
    response = client.post(
        "/api/v1/comments",
        json={"article_id": "a1", "author": {"id": author_id, "name": "Reader"}, "body": body},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    return str(response.get_json()["status_url"])


def decided(client: FlaskClient, status_url: str, timeout: float = 60) -> dict[str, Any]:
    def status() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(status_url).get_json()
        return body if body["status"] != "pending" else None

    return wait_for(status, timeout)


def worker_ready(settings: Settings) -> None:
    """Wait until the worker has loaded its models (its warm-up task reports them)."""
    engine = make_engine(settings.database_url)
    query = sa.text("SELECT state FROM scorer_status WHERE scorer = 'detoxify'")
    try:
        with engine.connect() as connection:
            wait_for(
                lambda: connection.execute(query).scalar() == "ok" or connection.rollback(),
                timeout=90,
            )
    finally:
        engine.dispose()


def test_http_submission_reaches_a_stored_decision(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    client = client_for(apps, e2e_settings)
    with celery_process(
        "worker", settings_env(e2e_settings), tmp_path / "worker.log", "--concurrency", "1"
    ):
        urls = {body: submit(client, body) for body in (CLEAN, ABUSIVE, OFF_TOPIC)}
        results = {body: decided(client, url) for body, url in urls.items()}
    assert results[CLEAN]["status"] == "published", results[CLEAN]
    assert results[ABUSIVE]["status"] == "rejected"
    assert results[ABUSIVE]["reasons"][0]["code"] in ("abusive", "insult")
    assert results[OFF_TOPIC]["status"] == "review"
    assert [r["code"] for r in results[OFF_TOPIC]["reasons"]] == ["off_topic"]
    engine = make_engine(e2e_settings.database_url)
    with engine.connect() as connection:
        signals = connection.execute(sa.text("SELECT scorer, state FROM signals")).all()
        decisions = connection.execute(sa.text("SELECT count(*) FROM decisions")).scalar()
    engine.dispose()
    every_scorer = {"detoxify", "relevance", "lexical", "words", "links", "activity", "brigading"}
    assert len(signals) == 3 * len(every_scorer) and decisions == 3
    assert {s.scorer for s in signals} == every_scorer
    assert {s.state for s in signals} == {"ok"}


def test_a_worker_killed_mid_task_does_not_lose_the_comment(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    # No beat here: only acks_late + task_reject_on_worker_lost can bring the message back.
    client = client_for(apps, e2e_settings)
    env = settings_env(e2e_settings)
    engine = make_engine(e2e_settings.database_url)
    with celery_process("worker", env, tmp_path / "worker.log", "--concurrency", "1") as worker:
        worker_ready(e2e_settings)
        with engine.connect() as blocker:
            # Hold the comment's row so the task blocks inside its decision transaction.
            status_url = submit(client, CLEAN)
            comment_id = status_url.rsplit("/", 1)[1]
            blocker.execute(
                sa.text("SELECT id FROM comments WHERE id = :id FOR UPDATE"), {"id": comment_id}
            )
            wait_for(lambda: _task_waits_on_lock(engine), timeout=60)
            [child] = children_of(worker.pid)
            os.kill(child, signal.SIGKILL)
            wait_for(lambda: children_of(worker.pid) and children_of(worker.pid) != [child])
            blocker.rollback()  # release the row: the redelivered task can finish
        result = decided(client, status_url)
    with engine.connect() as connection:
        decisions = connection.execute(sa.text("SELECT count(*) FROM decisions")).scalar()
    engine.dispose()
    assert result["status"] == "published"
    assert decisions == 1


def _task_waits_on_lock(engine: sa.Engine) -> bool:
    # In this test's database only: tests in another xdist process wait on locks of their own.
    with engine.connect() as connection:
        waiting = connection.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE comments%' AND datname = current_database()"
            )
        ).scalar()
    return bool(waiting)


def test_messages_lost_in_a_redis_restart_are_requeued(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    client = client_for(apps, e2e_settings)
    status_url = submit(client, CLEAN)  # no worker yet: the message waits in Redis...
    redis.Redis.from_url(E2E_REDIS).flushdb()  # ...and is lost, as in a restart without AOF
    assert decided_by_the_sweep(client, status_url, e2e_settings, tmp_path) == "published"


def test_intake_with_redis_down_answers_202_and_the_comment_is_scored_later(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    down = make_settings(
        tmp_path / "down", database_url=e2e_settings.database_url, redis_url="redis://127.0.0.1:1/0"
    )
    status_url = submit(client_for(apps, down), CLEAN)
    reader = client_for(apps, e2e_settings, article=False)
    assert reader.get(status_url).get_json()["status"] == "pending"
    assert decided_by_the_sweep(reader, status_url, e2e_settings, tmp_path) == "published"


def decided_by_the_sweep(
    client: FlaskClient, status_url: str, settings: Settings, folder: Path
) -> str:
    """The status of a comment that was never queued, once a worker and beat (whose requeue
    sweep queues it) have run."""
    env = settings_env(settings)
    with (
        celery_process("worker", env, folder / "worker.log", "--concurrency", "1"),
        celery_process("beat", env, folder / "beat.log"),
    ):
        return str(decided(client, status_url, timeout=90)["status"])


def test_a_burst_is_scored_in_batches(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    import dataclasses
    import re

    settings = dataclasses.replace(e2e_settings, batch_max_comments=4, batch_wait_ms=300)
    client = client_for(apps, settings)
    # Ten readers with ten different points, so the repeat, rate and brigading checks stay
    # out of it; queued before any worker runs.
    urls = [submit(client, body, author_id=f"burst{n}") for n, body in enumerate(BURST)]
    log = tmp_path / "worker.log"

    def batch_sizes() -> list[int] | None:
        found = [int(n) for n in re.findall(r"scored (\d+) comments", log.read_text())]
        return found if sum(found) >= len(urls) else None

    with celery_process("worker", settings_env(settings), log, "--concurrency", "1"):
        results = [decided(client, url) for url in urls]
        # The decision is committed before the batch's log line: wait for that line too.
        sizes = wait_for(batch_sizes, timeout=20)
    assert {r["status"] for r in results} == {"published"}, results
    assert sum(sizes) == 10
    assert max(sizes) == 4, "a burst fills batches up to MODQ_BATCH_MAX_COMMENTS"


def test_one_authors_backlog_does_not_delay_another_authors_comment(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    import dataclasses
    from datetime import datetime

    settings = dataclasses.replace(
        e2e_settings,
        batch_max_comments=4,
        batch_wait_ms=200,
        rate_limit_per_author=0,  # this author got through the limits (or they are high)
        fair_share_per_author=2,
    )
    client = client_for(apps, settings)
    flood = [
        submit(client, f"Point {n}: energy and shipping matter to me.", author_id="flooder")
        for n in range(24)
    ]
    reader_url = submit(client, CLEAN, author_id="reader")  # queued behind the whole flood
    with celery_process(
        "worker", settings_env(settings), tmp_path / "worker.log", "--concurrency", "1"
    ):
        reader = decided(client, reader_url)
        flooded = [decided(client, url, timeout=120) for url in flood]  # deferred, never lost

    def when(status: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(status["decided_at"])

    before = [s for s in flooded if when(s) < when(reader)]
    assert len(before) < settings.batch_max_comments, (
        f"{len(before)} of the flood were decided before the reader's comment: it waited "
        "longer than one batch"
    )
