"""What an operator meets, end to end on a Redis of the test's own: a broker connection dropped
mid-batch, a message left unacknowledged by a worker that died, and the JSON logs of worker and
beat."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import make_engine
from tests.end_to_end.test_e2e import (
    BURST,
    CLEAN,
    _task_waits_on_lock,
    client_for,
    decided,
    submit,
    worker_ready,
)
from tests.support.chatty_task import CHATTY_TASK, SAID
from tests.support.processes import celery_process, children_of, settings_env, wait_for
from tests.support.services import RedisServer
from workers.celery_app import WEBHOOK_QUEUE, create_celery

REDIS_PASSWORD, DATABASE_PASSWORD = "r3dis-pass-word", "pg-pass-word"


@pytest.fixture
def fault_settings(e2e_settings: Settings, own_redis: RedisServer) -> Settings:
    return dataclasses.replace(e2e_settings, redis_url=own_redis.url(), batch_wait_ms=100)


def _submit_and_hold(client: FlaskClient, blocker: sa.Connection, engine: sa.Engine) -> str:
    """Submit a comment and hold its row, until the batch scoring it blocks inside its
    transaction; returns its status URL."""
    status_url = submit(client, CLEAN)
    query = "SELECT id FROM comments WHERE id = :id FOR UPDATE"
    blocker.execute(sa.text(query), {"id": status_url.rsplit("/", 1)[1]})
    wait_for(lambda: _task_waits_on_lock(engine), timeout=60)
    return status_url


def test_a_worker_keeps_deciding_after_its_broker_connection_drops_mid_batch(
    fault_settings: Settings,
    own_redis: RedisServer,
    tmp_path: Path,
    apps: list[Flask],
) -> None:
    # Celery's event loop clears its timers when the connection fails; a batch buffer whose
    # flush timer is not armed again holds every later comment until 128 have arrived.
    client = client_for(apps, fault_settings)
    env, log = settings_env(fault_settings), tmp_path / "worker.log"
    engine = make_engine(fault_settings.database_url)
    with celery_process("worker", env, log, "--concurrency", "1"):
        worker_ready(fault_settings)
        with engine.connect() as blocker:
            first = _submit_and_hold(client, blocker, engine)
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
    apps: list[Flask],
) -> None:
    # A worker that dies holding a message (killed whole, so nobody acks or restores it)
    # leaves it in Redis' unacked set, invisible for VISIBILITY_TIMEOUT_SECONDS (an hour).
    client = client_for(apps, fault_settings)
    env = settings_env(fault_settings)
    engine = make_engine(fault_settings.database_url)
    with engine.connect() as blocker:
        with celery_process("worker", env, tmp_path / "w1.log", "--concurrency", "1") as worker:
            worker_ready(fault_settings)
            status_url = _submit_and_hold(client, blocker, engine)
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


@pytest.fixture
def guarded_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", password=REDIS_PASSWORD).start()
    yield server
    server.stop(keep_data=False)


def test_worker_lines_are_json_with_ids_and_no_passwords(
    e2e_settings: Settings,
    guarded_redis: RedisServer,
    tmp_path: Path,
    apps: list[Flask],
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
    lines, plain = _json_lines(text)
    assert not plain, plain
    comment_ids = {u.rsplit("/", 1)[1] for u in urls}
    scored = [e for e in lines if e["message"].startswith("scored ")]
    handed = [e for e in lines if e["message"].startswith("batch of ")]
    assert comment_ids <= {c for e in scored for c in e["comment_ids"]}
    assert {e["batch_id"] for e in scored} == {e["batch_id"] for e in handed}
    assert all(len(e["task_ids"]) == len(e["comment_ids"]) for e in scored + handed)
    assert _task_lines(lines, "modq.warm_up"), "Celery's lines about a task name it"


def test_worker_and_beat_write_only_json_to_their_logfile_from_every_source(
    fault_settings: Settings, tmp_path: Path
) -> None:
    # Celery gave its task logger and billiard's pool logger plain-text handlers of their own,
    # the only ones writing to --logfile: a pool process that died was reported in Celery's
    # text format. Here a task prints, warns and logs on a task logger, then its pool process
    # is killed, in a worker that needs no model (webhooks only), beside a beat.
    env = settings_env(dataclasses.replace(fault_settings, log_format="json"))
    logs = {name: tmp_path / name for name in ("worker.log", "worker.err", "beat.log", "beat.err")}
    worker = ["-Q", WEBHOOK_QUEUE, "--concurrency", "1", "--logfile", str(logs["worker.log"])]
    worker += ["--include", "tests.support.chatty_task"]
    with (
        celery_process(
            "worker", env, logs["worker.err"], *worker, printed=tmp_path / "out"
        ) as pool,
        celery_process("beat", env, logs["beat.err"], "--logfile", str(logs["beat.log"])),
    ):
        wait_for(lambda: _logged(logs, " ready."))
        _send_chatty_task(fault_settings)
        wait_for(lambda: _logged(logs, f"Task {CHATTY_TASK}[", "succeeded"))
        os.kill(children_of(pool.pid)[0], signal.SIGKILL)
        wait_for(lambda: _logged(logs, "exited with 'signal 9"))
        wait_for(lambda: _logged(logs, "beat: Starting"))
    for path in logs.values():  # on standard error: lines logged before Celery set up logging
        assert not _json_lines(path.read_text())[1], path
    lines = _json_lines(logs["worker.log"].read_text())[0]
    for said in SAID.values():
        assert _line_with(lines, said)["process"].startswith("ForkPoolWorker"), said
    assert _line_with(lines, "exited with 'signal 9")["logger"] == "multiprocessing"
    assert _line_with(lines, " ready.")["process"] == "MainProcess"
    assert _line_with(_json_lines(logs["beat.log"].read_text())[0], "beat: Starting")


def _logged(logs: dict[str, Path], *fragments: str) -> bool:
    """Whether a line of these files holds every fragment."""
    texts = (path.read_text() for path in logs.values() if path.exists())
    return any(all(f in line for f in fragments) for text in texts for line in text.splitlines())


def _line_with(lines: list[dict[str, Any]], fragment: str) -> dict[str, Any]:
    found = [e for e in lines if fragment in e["message"]]
    assert found, f"no line with {fragment!r}"
    return found[0]


def _send_chatty_task(settings: Settings) -> None:
    app = create_celery(settings)
    try:
        app.send_task(CHATTY_TASK, queue=WEBHOOK_QUEUE)
    finally:
        app.close()


def _json_lines(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The JSON lines of a log, and the lines that are not JSON."""
    parsed, plain = [], []
    for line in filter(str.strip, text.splitlines()):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            plain.append(line)
    return parsed, plain


def _task_lines(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    about = [e for e in lines if e["message"].startswith(f"Task {name}[")]
    return [e for e in about if e.get("task_id") and e["task_id"] in e["message"]]


def test_scoring_workers_started_together_each_warm_up(
    fault_settings: Settings, tmp_path: Path
) -> None:
    # Their warm-ups went to the shared queue, where one worker could take both: the other's
    # first comments then waited for its models to load.
    env, logs = settings_env(fault_settings), [tmp_path / "w1.log", tmp_path / "w2.log"]
    first = celery_process("worker", env, logs[0], "--concurrency", "1", "-n", "w1@%h")
    second = celery_process("worker", env, logs[1], "--concurrency", "1", "-n", "w2@%h")
    with first, second:
        wait_for(lambda: all("loaded Detoxify" in log.read_text() for log in logs), timeout=120)
