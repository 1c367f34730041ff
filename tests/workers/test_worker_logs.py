"""A worker's log (standard error) in JSON: every line parses, lines about a batch carry its
id, its comments' ids and their task ids, Celery's lines about a task carry the task id, and no
password from the database or broker URL appears."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from tests.support.processes import celery_process, settings_env
from tests.support.services import RedisServer
from tests.test_e2e import (  # the e2e fixtures and helpers
    BURST,
    apps,  # noqa: F401
    client_for,
    decided,
    e2e_database,  # noqa: F401
    e2e_settings,  # noqa: F401
    submit,
)

pytestmark = pytest.mark.e2e
REDIS_PASSWORD, DATABASE_PASSWORD = "r3dis-pass-word", "pg-pass-word"


@pytest.fixture
def guarded_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", password=REDIS_PASSWORD).start()
    yield server
    server.stop(keep_data=False)


def test_worker_lines_are_json_with_ids_and_no_passwords(
    e2e_settings: Settings,  # noqa: F811
    guarded_redis: RedisServer,
    tmp_path: Path,
    apps: list[Flask],  # noqa: F811
) -> None:
    url = sa.engine.make_url(e2e_settings.database_url).set(password=DATABASE_PASSWORD)
    settings = dataclasses.replace(
        e2e_settings,
        redis_url=guarded_redis.url(),
        database_url=url.render_as_string(hide_password=False),  # trust: the password is unused
        log_format="json",
    )
    client = client_for(apps, settings)
    log, printed = tmp_path / "worker.log", tmp_path / "worker.out"
    env = settings_env(settings)
    with celery_process("worker", env, log, "--concurrency", "1", printed=printed):
        urls = [submit(client, body, author_id=f"j{n}") for n, body in enumerate(BURST[:3])]
        for status_url in urls:
            decided(client, status_url, timeout=90)
    text = log.read_text()
    for output in (text, printed.read_text()):  # Celery prints its shutdown there
        assert REDIS_PASSWORD not in output and DATABASE_PASSWORD not in output
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    comment_ids = {u.rsplit("/", 1)[1] for u in urls}
    scored = [e for e in lines if e["message"].startswith("scored ")]
    handed = [e for e in lines if e["message"].startswith("batch of ")]
    assert comment_ids <= {c for e in scored for c in e["comment_ids"]}
    assert {e["batch_id"] for e in scored} == {e["batch_id"] for e in handed}
    assert all(len(e["task_ids"]) == len(e["comment_ids"]) for e in scored + handed)
    assert _task_lines(lines, "modq.warm_up"), "Celery's lines about a task name it"


def _task_lines(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    about = [e for e in lines if e["message"].startswith(f"Task {name}[")]
    return [e for e in about if e.get("task_id") and e["task_id"] in e["message"]]
