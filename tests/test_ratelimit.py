"""The rate limiter on a real Redis: windows, refusals that count against nothing, and a Redis
that goes away and comes back (its own redis-server on a spare port)."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import redis

from moderation.kinds import RateScope
from moderation.ratelimit import Quota, RateLimited, RateLimiter
from tests.conftest import REDIS_TEST_URL
from tests.support.processes import wait_for
from tests.support.recording import Clock
from web.cli.devserver import redis_server_argv


@pytest.fixture
def clock() -> Clock:
    return Clock(60 * 16_667.0)  # the start of a 60-second window


@pytest.fixture
def limiter(clock: Clock) -> RateLimiter:
    return RateLimiter(REDIS_TEST_URL, 60, "secret", f"test:{uuid.uuid4().hex}", clock=clock)


def author(allowed: int, who: str = "u1") -> Quota:
    return Quota(RateScope.AUTHOR, who, allowed)


def test_calls_are_counted_per_window_and_refused_over_the_limit(
    limiter: RateLimiter, clock: Clock
) -> None:
    assert [limiter.count([author(3)])[RateScope.AUTHOR] for _ in range(3)] == [1, 2, 3]
    clock.now += 45
    with pytest.raises(RateLimited) as refused:
        limiter.count([author(3)])
    assert refused.value.retry_after == 15, "seconds left in this window"
    assert refused.value.quota.scope is RateScope.AUTHOR
    assert "at most 3 in 60 s" in str(refused.value)
    assert limiter.count([author(3, "u2")]) == {RateScope.AUTHOR: 1}, "others are not limited"
    clock.now += 15
    assert limiter.count([author(3)]) == {RateScope.AUTHOR: 1}, "a new window"


def test_a_refused_call_counts_against_nothing(limiter: RateLimiter) -> None:
    key = Quota(RateScope.KEY, "key:1", 5)
    for _ in range(2):
        limiter.count([key, author(2)])
    for _ in range(10):  # one author keeps trying
        with pytest.raises(RateLimited):
            limiter.count([key, author(2)])
    counts = limiter.count([key, author(2, "someone-else")])
    assert counts[RateScope.KEY] == 3, "the flooder's refused calls did not use up the key"


def test_zero_means_counted_but_never_refused(limiter: RateLimiter) -> None:
    counts = [limiter.count([author(0)])[RateScope.AUTHOR] for _ in range(20)]
    assert counts[-1] == 20


def test_only_a_keyed_hash_of_the_subject_reaches_redis(
    limiter: RateLimiter, redis_client: redis.Redis
) -> None:
    limiter.count([Quota(RateScope.ADDRESS, "203.0.113.9", 10)])
    keys = [k.decode() for k in redis_client.keys(f"{limiter.namespace}:*")]
    assert len(keys) == 1 and "203.0.113.9" not in keys[0]
    assert 0 < redis_client.ttl(keys[0]) <= 60


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def own_redis_port() -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A spare port, and a list to put the redis-server started on it in (stopped at the end)."""
    started: list[subprocess.Popen[bytes]] = []
    yield spare_port(), started
    for process in started:
        process.terminate()
        process.wait(10)


def test_without_redis_calls_go_through_logged_once_until_it_is_back(
    own_redis_port: tuple[int, list[subprocess.Popen[bytes]]], caplog: pytest.LogCaptureFixture
) -> None:
    port, started = own_redis_port
    limiter = RateLimiter(f"redis://127.0.0.1:{port}/0", 60, "secret", pause_seconds=0)
    caplog.set_level(logging.INFO, logger="moderation.ratelimit")
    assert [limiter.count([author(1)]) for _ in range(5)] == [{}] * 5, "fail open"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "rate limits are off" in warnings[0].getMessage()

    server = shutil.which("redis-server") or "redis-server"
    started.append(subprocess.Popen(redis_server_argv(server, port), stdout=subprocess.DEVNULL))
    try:
        wait_for(lambda: limiter.count([author(1)]) != {}, timeout=20)
        with pytest.raises(RateLimited):
            limiter.count([author(1)])
    finally:
        limiter.close()
    assert any("on again" in r.getMessage() for r in caplog.records)
