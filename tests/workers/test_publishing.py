"""Publishing from the web app: intake's message is Celery's own, pushed with one command,
only where redis-py reads the broker's URL as kombu does; intake and the transport the other
publishes use keep one client, and both publish again after Redis restarts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
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
    create_celery,
    scoring_call,
    send_for_scoring,
)
from workers.publishing import DirectPublisher, opens_alike

pytestmark = pytest.mark.redis


@pytest.fixture
def publisher(tmp_path: Path, own_redis: RedisServer) -> BrokerPublisher:
    return BrokerPublisher(make_settings(tmp_path, redis_url=own_redis.url()))


def queued(server: RedisServer, queue: str = SCORE_QUEUE) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in server.client().lrange(queue, 0, -1)]


# What differs from one message to the next (ids, the sending process, the delivery tag),
# and send_task's own options, which Celery also copies into the properties (no consumer
# reads them there).
PER_MESSAGE = {"id", "root_id", "correlation_id", "delivery_tag", "origin"}
PROPERTIES_ONLY_CELERY_SETS = {"argsrepr", "kwargsrepr"}


def comparable(message: dict[str, Any]) -> dict[str, Any]:
    """A message without what differs per message, its body decoded."""
    headers, properties = message["headers"], message["properties"]
    left_out = PER_MESSAGE | PROPERTIES_ONLY_CELERY_SETS
    return message | {
        "headers": {k: v for k, v in headers.items() if k not in PER_MESSAGE},
        "properties": {k: v for k, v in properties.items() if k not in left_out},
        "body": json.loads(base64.b64decode(message["body"])),
    }


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


@pytest.mark.parametrize(
    ("url", "direct"),
    [
        ("redis://:secret@127.0.0.1:6380/3", True),
        ("sentinel://127.0.0.1:26379/0", False),
        ("redis://a:6379/3;redis://b:6379/3", False),  # failover: redis-py would read db 0
        ("rediss://127.0.0.1:6380/0?ssl_cert_reqs=CERT_REQUIRED", False),
        ("rediss://127.0.0.1:6380/0", False),  # kombu and redis-py check certificates apart
        ("redis://127.0.0.1:6379/0?socket_timeout=3", False),
    ],
)
def test_only_urls_redis_py_reads_as_kombu_does_are_sent_directly(url: str, direct: bool) -> None:
    assert opens_alike(url) is direct


def test_with_a_key_prefix_the_task_lands_under_the_prefix(
    tmp_path: Path, own_redis: RedisServer
) -> None:
    celery = create_celery(make_settings(tmp_path, redis_url=own_redis.url()))
    celery.conf.broker_transport_options = {"global_keyprefix": "site-a:"}
    DirectPublisher(celery).send(scoring_call(QueueEntry("c-9", "reader-1")))
    assert queued(own_redis) == []  # a bare LPUSH would have missed the prefix workers read
    [message] = queued(own_redis, f"site-a:{SCORE_QUEUE}")
    assert json.loads(base64.b64decode(message["body"]))[0] == ["c-9"]


Send = Callable[[BrokerPublisher, QueueEntry], None]
SENDERS: dict[str, Send] = {
    "intake": lambda publisher, entry: publisher(entry),  # one LPUSH (DirectPublisher)
    # webhooks and the worker's own publishes: Celery on the kept-client transport
    "through_celery": lambda publisher, entry: send_for_scoring(publisher.celery, entry),
}


@pytest.mark.parametrize("send", SENDERS.values(), ids=SENDERS.keys())
def test_publishes_build_one_redis_client_not_one_each(
    publisher: BrokerPublisher,
    own_redis: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    send: Send,
) -> None:
    send(publisher, QueueEntry("c-first", "a1"))  # the connection and its channel are set up once
    built: list[object] = []
    original = redis.Redis.__init__

    def counting(self: redis.Redis, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    for n in range(20):
        send(publisher, QueueEntry(f"c{n}", "a1"))
    assert len(queued(own_redis)) == 21
    assert len(built) <= 1, f"{len(built)} Redis clients for 20 publishes"


@pytest.mark.parametrize("send", SENDERS.values(), ids=SENDERS.keys())
def test_publishes_again_after_redis_restarts(
    publisher: BrokerPublisher, own_redis: RedisServer, send: Send
) -> None:
    send(publisher, QueueEntry("before", "a1"))
    own_redis.restart(keep_data=False)  # every connection the kept client's pool had is gone
    send(publisher, QueueEntry("after", "a1"))
    [message] = queued(own_redis)
    assert json.loads(base64.b64decode(message["body"]))[0] == ["after"]
