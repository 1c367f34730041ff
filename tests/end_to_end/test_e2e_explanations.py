"""Explanations off the decision path, through a real worker: a comment above the publish
line is decided first and gets the spans behind its score afterwards, from the explain queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import make_engine
from tests.end_to_end.test_e2e import client_for, decided, submit
from tests.support.processes import celery_process, settings_env, wait_for
from workers.celery_app import EXPLAIN_QUEUE

ABUSIVE = (
    "The ministers talked about energy and shipping. Anyone who disagrees is a stupid idiot "
    "and a pathetic fool. The next meeting is in the spring."
)
DETOXIFY_DETAILS = sa.text(
    "SELECT details FROM signals WHERE comment_id = :id AND scorer = 'detoxify'"
)


def test_a_comment_above_the_publish_line_is_decided_then_explained(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    client = client_for(apps, e2e_settings)
    log = tmp_path / "worker.log"
    engine = make_engine(e2e_settings.database_url)

    def spans(comment_id: str) -> list[dict[str, Any]] | None:
        with engine.connect() as connection:
            details = connection.execute(DETOXIFY_DETAILS, {"id": comment_id}).scalar_one()
        return details.get("spans")

    try:
        with celery_process("worker", settings_env(e2e_settings), log, "--concurrency", "1"):
            status_url = submit(client, ABUSIVE)
            comment_id = status_url.rsplit("/", 1)[1]
            result = decided(client, status_url)
            found = wait_for(lambda: spans(comment_id), timeout=60)
        with engine.connect() as connection:
            decisions = connection.execute(sa.text("SELECT count(*) FROM decisions")).scalar()
    finally:
        engine.dispose()
    assert result["status"] in ("rejected", "review"), result
    assert any("stupid idiot" in span["text"] for span in found), found
    assert client.get(status_url).get_json()["status"] == result["status"], "decision kept"
    assert decisions == 1
    lines = log.read_text().splitlines()
    scored = next(n for n, line in enumerate(lines) if "scored 1 comments" in line)
    explained = next(n for n, line in enumerate(lines) if "explained 1 comments" in line)
    assert scored < explained, "the decision was committed before the explanation ran"


def test_an_explanation_lost_with_its_message_is_queued_again_by_the_sweep(
    e2e_settings: Settings, tmp_path: Path, apps: list[Flask]
) -> None:
    client = client_for(apps, e2e_settings)
    env = settings_env(e2e_settings)
    engine = make_engine(e2e_settings.database_url)

    def details(comment_id: str) -> dict[str, Any]:
        with engine.connect() as connection:
            found: dict[str, Any] = connection.execute(
                DETOXIFY_DETAILS, {"id": comment_id}
            ).scalar_one()
        return found

    try:
        # A worker that does not read the explain queue: the comment is decided, and its
        # explain message waits in Redis, which then loses it (a restart without its data).
        with celery_process("worker", env, tmp_path / "w1.log", "-Q", "celery,modq.backlog"):
            comment_id = submit(client, ABUSIVE).rsplit("/", 1)[1]
            decided(client, f"/api/v1/comments/{comment_id}")
            wait_for(lambda: redis.Redis.from_url(e2e_settings.redis_url).llen(EXPLAIN_QUEUE))
        redis.Redis.from_url(e2e_settings.redis_url).delete(EXPLAIN_QUEUE)
        assert details(comment_id)["explanation"] == "pending"
        with (
            celery_process("worker", env, tmp_path / "w2.log", "--concurrency", "1"),
            celery_process("beat", env, tmp_path / "beat.log"),
        ):
            found = wait_for(lambda: details(comment_id).get("spans"), timeout=90)
    finally:
        engine.dispose()
    assert any("stupid idiot" in span["text"] for span in found), found
    assert "requeued 1 stale explanations" in (tmp_path / "w2.log").read_text()
