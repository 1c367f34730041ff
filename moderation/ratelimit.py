"""Intake rate limits: fixed-window counters in Redis per API key, author and reader address.

When Redis cannot be reached the limits are off (fail open, logged once): refusing every
comment because a counter is unavailable would turn a Redis outage into an intake outage,
and the policy's own rate rule still applies to what gets through.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from moderation.errors import DomainError
from moderation.kinds import RateScope
from moderation.redis_client import fail_fast

log = logging.getLogger(__name__)

# All counters of one call are checked, then all are counted, atomically: a refused call
# counts against nothing, so one flooding author cannot use up their site's key.
CHECK_THEN_COUNT = """
for i, key in ipairs(KEYS) do
  local allowed = tonumber(ARGV[i + 1])
  if allowed > 0 and tonumber(redis.call('GET', key) or '0') >= allowed then
    return {i}
  end
end
local counts = {0}
for i, key in ipairs(KEYS) do
  counts[i + 1] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1])
end
return counts
"""


@dataclass(frozen=True)
class Quota:
    """How many calls one subject may make per window (0: counted, never refused)."""

    scope: RateScope
    subject: str  # who is counted; only a keyed hash of it reaches Redis
    allowed: int


WHAT_IS_COUNTED = {
    RateScope.KEY: "calls with this API key",
    RateScope.AUTHOR: "comments from this author",
    RateScope.ADDRESS: "comments from this address",
    RateScope.REPORTER: "reports from this reader",
}


class RateLimited(DomainError):
    """A quota is used up for this window."""

    def __init__(self, quota: Quota, window: int, retry_after: int) -> None:
        super().__init__(
            f"too many {WHAT_IS_COUNTED[quota.scope]}: at most {quota.allowed} in {window} s; "
            f"try again in {retry_after} s"
        )
        self.quota, self.retry_after = quota, retry_after


class RateLimiter:
    """Counts calls in Redis; `count` refuses what is over a quota."""

    def __init__(
        self,
        redis_url: str,
        window_seconds: int,
        secret: str,
        namespace: str = "modq:rate",
        pause_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.window, self.namespace, self.clock = window_seconds, namespace, clock
        self._secret = secret.encode()
        self._client: Any = fail_fast(redis_url, timeout=0.25)
        self._script = self._client.register_script(CHECK_THEN_COUNT)
        self._pause, self._paused_until, self._down = pause_seconds, 0.0, False

    def count(self, quotas: Sequence[Quota]) -> dict[RateScope, int]:
        """Count one call against every quota and return the counts in this window; raise
        RateLimited when one is used up. Empty when Redis cannot be reached."""
        if not quotas or time.monotonic() < self._paused_until:
            return {}
        now = self.clock()
        window = int(now // self.window)
        keys = [self._key(q, window) for q in quotas]
        try:
            result = self._script(keys=keys, args=[self.window, *(q.allowed for q in quotas)])
        except redis.RedisError as exc:
            self._went_down(exc)
            return {}
        self._came_back()
        if result[0]:
            retry_after = max(1, math.ceil((window + 1) * self.window - now))
            raise RateLimited(quotas[int(result[0]) - 1], self.window, retry_after)
        return {q.scope: int(n) for q, n in zip(quotas, result[1:], strict=True)}

    def close(self) -> None:
        """Close the connections to Redis."""
        self._client.close()

    def _key(self, quota: Quota, window: int) -> str:
        digest = hmac.new(self._secret, quota.subject.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{self.namespace}:{quota.scope}:{window}:{digest}"

    def _went_down(self, exc: Exception) -> None:
        # Skip Redis for a few seconds: a dead server must not cost every call a timeout.
        self._paused_until = time.monotonic() + self._pause
        if not self._down:
            self._down = True
            log.warning(
                "rate limits are off: Redis cannot be reached (%s); calls are let through", exc
            )

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            log.info("rate limits are on again: Redis answers")
