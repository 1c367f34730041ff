"""Publishing from the web app: intake's message is Celery's own, pushed with one command, on
one client; the transport keeps one client per channel; both publish again after Redis
restarts."""

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
from workers.celery_app import (
    BACKLOG_QUEUE,
    SCORE_QUEUE,
    SCORE_TASK,
    create_celery,
    send_for_scoring,
)
from workers.publishing import DirectPublisher

pytestmark = pytest.mark.redis


@pytest.fixture
def publisher(tmp_path: Path, own_redis: RedisServer) -> BrokerPublisher:
    return BrokerPublisher(make_settings(tmp_path, redis_url=own_redis.url()))


def queued(server: RedisServer, queue: str = SCORE_QUEUE) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in server.client().lrange(queue, 0, -1)]


# What differs from one message to the next: ids, the sending process, the delivery tag.
PER_MESSAGE = {"id", "root_id", "correlation_id", "delivery_tag", "origin"}


def comparable(message: dict[str, Any]) -> dict[str, Any]:
    """A message without what differs per message, its body decoded."""
    headers = {k: v for k, v in message["headers"].items() if k not in PER_MESSAGE}
    properties = {k: v for k, v in message["properties"].items() if k not in PER_MESSAGE}
    # Celery also copies send_task's own options into the properties; no consumer reads them.
    properties = {k: v for k, v in properties.items() if k not in ("argsrepr", "kwargsrepr")}
    body = json.loads(base64.b64decode(message["body"]))
    rest = {k: v for k, v in message.items() if k not in ("headers", "properties", "body")}
    return {"headers": headers, "properties": properties, "body": body, **rest}


@pytest.mark.parametrize("deferred", [False, True], ids=["scoring", "backlog"])
def test_intakes_message_is_the_one_celery_sends(
    publisher: BrokerPublisher, own_redis: RedisServer, deferred: bool
) -> None:
    entry = QueueEntry("c-7", "reader-3", deferred)
    send_for_scoring(publisher.celery, entry)
    publisher(entry)
    queue = BACKLOG_QUEUE if deferred else SCORE_QUEUE
    direct, through_celery = queued(own_redis, queue)  # LPUSH: the newest first
    assert comparable(direct) == comparable(through_celery)
    assert direct["headers"]["id"] == direct["properties"]["correlation_id"]
    assert direct["headers"]["origin"] == through_celery["headers"]["origin"]
    assert direct["headers"]["id"] != through_celery["headers"]["id"]


def test_a_broker_url_redis_py_cannot_open_publishes_through_celery(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url="sentinel://127.0.0.1:26379/0")
    assert not DirectPublisher(create_celery(settings), 0.5).direct


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
