"""Redis clients that fail fast: a health check or a cheap signal must not wait out retries."""

from __future__ import annotations

from typing import Any


def fail_fast(url: str, timeout: float = 1.0) -> Any:
    """A client with short timeouts and no retries (redis-py retries three times by default,
    with backoff: seconds of waiting when Redis is down)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
