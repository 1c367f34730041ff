"""Publishing from the web app: Celery's task messages pushed straight onto their Redis lists,
and kombu's Redis transport with one client per channel for everything else.

Intake publishes one scoring task per comment. Through `send_task` that is Celery's router,
kombu's producer pool, its serialiser and its channel before the one `LPUSH` that reaches
Redis: more of a request's CPU than the database insert (README, "Intake speed").
`DirectPublisher` builds the same message (Celery's protocol 2, kombu's Redis envelope) and
sends that one command. A worker cannot tell the two apart (tested against Celery's own).
It publishes to the default exchange, as Celery does for these direct queues, so it needs no
queue declaration (kombu's bindings serve publishes to a named exchange only).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from celery import Celery
from celery.utils.nodenames import anon_nodename
from kombu.transport import redis

from moderation.redis_client import fail_fast

# For Celery's `broker_transport` setting: the broker URL still says where Redis is.
PUBLISHING_TRANSPORT = f"{__name__}:Transport"
# Protocol 2's third body part: no callbacks, errbacks, chain or chord.
NO_WORKFLOW = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}


@dataclass(frozen=True)
class TaskCall:
    """A task to queue: its name, arguments and queue."""

    name: str
    args: list[Any]
    kwargs: dict[str, Any]
    queue: str


def task_message(call: TaskCall, reply_to: str, origin: str) -> str:
    """The task as kombu's Redis transport stores it: Celery's message in kombu's envelope."""
    task_id = str(uuid.uuid4())
    body = json.dumps([call.args, call.kwargs, NO_WORKFLOW]).encode()
    headers: dict[str, Any] = {
        "lang": "py",
        "task": call.name,
        "id": task_id,
        "shadow": None,
        "eta": None,
        "expires": None,
        "group": None,
        "group_index": None,
        "retries": 0,
        "timelimit": [None, None],
        "root_id": task_id,
        "parent_id": None,
        # Printable copies: short strings and ids, so repr is what Celery's saferepr makes.
        "argsrepr": repr(call.args),
        "kwargsrepr": repr(call.kwargs),
        "origin": origin,
        "ignore_result": False,
        "replaced_task_nesting": 0,
        "stamped_headers": None,
        "stamps": {},
    }
    properties = {
        "correlation_id": task_id,
        "reply_to": reply_to,
        "delivery_mode": 2,  # persistent
        # The default exchange: the routing key is the queue, as Celery routes a named queue.
        "delivery_info": {"exchange": "", "routing_key": call.queue},
        "priority": 0,  # kombu keeps priority 0 in the list named after the queue
        "body_encoding": "base64",
        "delivery_tag": str(uuid.uuid4()),
    }
    envelope = {
        "body": base64.b64encode(body).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": headers,
        "properties": properties,
    }
    return json.dumps(envelope)


class DirectPublisher:
    """Sends task messages with one `LPUSH` each, on a client of its own (the URL Celery
    publishes to, its transport's timeouts, one immediate retry on a fresh connection), or
    through Celery where redis-py would read the broker's URL differently from kombu."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery
        url, options = celery.conf.broker_write_url, celery.conf.broker_transport_options
        self.client = None
        if opens_alike(url) and not options.get("global_keyprefix"):
            self.client = fail_fast(
                url,
                timeout=options.get("socket_timeout"),
                connect_timeout=options.get("socket_connect_timeout"),
                retries=1,
            )

    def send(self, call: TaskCall) -> None:
        """Queue the task."""
        if self.client is None:
            send_through_celery(self.celery, call)
            return
        message = task_message(call, self.celery.thread_oid, anon_nodename())
        self.client.lpush(call.queue, message)


def opens_alike(url: str) -> bool:
    """Whether redis-py reads this broker URL as kombu does: plain `redis://` without options.
    Not Sentinel, not failover lists (`a;b`), not TLS (the two read `ssl_cert_reqs`
    differently, and by default kombu checks no certificate where redis-py requires one)."""
    parts = urlsplit(url)
    return parts.scheme == "redis" and not parts.query and ";" not in url


def send_through_celery(app: Celery, call: TaskCall, countdown: float | None = None) -> None:
    """Queue the task with Celery's `send_task`."""
    app.send_task(
        call.name,
        args=call.args,
        kwargs=call.kwargs,
        queue=call.queue,
        countdown=countdown,
        # Printable copies of the arguments: short strings, so repr's text is what Celery's
        # saferepr would make, without its Python-level walk.
        argsrepr=repr(call.args),
        kwargsrepr=repr(call.kwargs),
    )


class Channel(redis.Channel):
    """A Redis channel that keeps the client it publishes with.

    kombu builds a new `redis.Redis` for each command a channel sends outside its consumer
    loop (every publish, `LPUSH`), and redis-py fills a table of about 170 response parsers
    for each. The client holds no connection of its own (they come from the channel's pool,
    per command), so one per channel serves every thread that borrows the channel in turn; a
    channel kombu replaces after a broker error starts with a fresh one.
    """

    _publishing_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:  # the consumer's client: kombu keeps it already
            return super()._create_client(asynchronous=True)  # type: ignore[misc]
        if self._publishing_client is None:
            self._publishing_client = super()._create_client()  # type: ignore[misc]
        return self._publishing_client


class Transport(redis.Transport):
    """kombu's Redis transport with channels that keep their client."""

    Channel = Channel
