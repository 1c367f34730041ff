"""Redis clients that fail fast: a health check or a cheap signal must not wait out retries."""

from __future__ import annotations

from typing import Any


def fail_fast(
    url: str, timeout: float | None = 1.0, connect_timeout: float | None = None, retries: int = 0
) -> Any:
    """A client with short timeouts (`connect_timeout` defaults to `timeout`) and `retries`
    immediate retries on a fresh connection, none by default (redis-py retries three times by
    default, with backoff: seconds of waiting when Redis is down)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout if connect_timeout is None else connect_timeout,
        retry=Retry(NoBackoff(), retries),
    )
