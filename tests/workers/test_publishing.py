"""The publishers' Redis transport: one client per channel, a task message a worker reads as
Celery's own, and publishing again after Redis restarts."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import redis

from moderation.comments.intake import QueueEntry
from tests.conftest import make_settings
from tests.support.services import RedisServer
from web.runtime import BrokerPublisher
from workers.celery_app import SCORE_QUEUE, SCORE_TASK

pytestmark = pytest.mark.redis


@pytest.fixture
def publisher(tmp_path: Path, own_redis: RedisServer) -> BrokerPublisher:
    return BrokerPublisher(make_settings(tmp_path, redis_url=own_redis.url()))


def queued(server: RedisServer) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in server.client().lrange(SCORE_QUEUE, 0, -1)]


def test_publishes_build_one_redis_client_not_one_each(
    publisher: BrokerPublisher, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher(QueueEntry("c-first", "a1"))  # the connection and its channel are set up once
    built: list[object] = []
    original = redis.Redis.__init__

    def counting(self: redis.Redis, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    for n in range(20):
        publisher(QueueEntry(f"c{n}", "a1"))
    assert len(queued(own_redis)) == 21
    assert len(built) <= 1, f"{len(built)} Redis clients for 20 publishes"


def test_the_message_is_celerys_task_message(
    publisher: BrokerPublisher, own_redis: RedisServer
) -> None:
    publisher(QueueEntry("c-42", "reader-7"))
    [message] = queued(own_redis)
    assert message["headers"]["task"] == SCORE_TASK
    assert message["properties"]["delivery_info"]["routing_key"] == SCORE_QUEUE
    headers = message["headers"]  # the printable copies, as Celery's saferepr makes them
    assert (headers["argsrepr"], headers["kwargsrepr"]) == ("['c-42']", "{'author': 'reader-7'}")
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert (args, kwargs) == (["c-42"], {"author": "reader-7"})


def test_publishes_again_after_redis_restarts(
    publisher: BrokerPublisher, own_redis: RedisServer
) -> None:
    publisher(QueueEntry("before", "a1"))
    own_redis.restart(keep_data=False)  # every connection the kept client's pool had is gone
    publisher(QueueEntry("after", "a1"))
    [message] = queued(own_redis)
    assert json.loads(base64.b64decode(message["body"]))[0] == ["after"]
