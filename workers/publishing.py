"""kombu's Redis transport for publishers: one Redis client per channel, not one per command.

kombu builds a new `redis.Redis` for each command a channel sends outside its consumer loop
(every publish, `LPUSH`), and redis-py fills a table of about 170 response parsers for each:
a fifth of what a publish costs the web app's CPU (README, "Intake speed"). The client holds
no connection of its own (they come from the channel's pool, per command), so one per channel
serves every thread that borrows the channel in turn; a channel kombu replaces after a broker
error starts with a fresh one.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis

# For Celery's `broker_transport` setting: the broker URL still says where Redis is.
PUBLISHING_TRANSPORT = f"{__name__}:Transport"


class Channel(redis.Channel):
    """A Redis channel that keeps the client it publishes with."""

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
