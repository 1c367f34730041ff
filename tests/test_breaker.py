"""The circuit breaker: open after a failure, skip without calling, probe after the pause,
close on success, and log an outage once."""

from __future__ import annotations

import logging

import pytest

from moderation.breaker import CircuitBreaker, CircuitOpen
from tests.support.recording import Clock


class Service:
    """Something to call that is up or down, and counts the calls it got."""

    def __init__(self) -> None:
        self.up, self.calls = True, 0

    def __call__(self) -> str:
        self.calls += 1
        if not self.up:
            raise ConnectionRefusedError("refused")
        return "done"


@pytest.fixture
def clock() -> Clock:
    return Clock(100.0)


def test_calls_go_through_while_closed(clock: Clock) -> None:
    breaker, service = CircuitBreaker("broker", 5, clock), Service()
    assert [breaker.call(service) for _ in range(3)] == ["done"] * 3
    assert service.calls == 3 and not breaker.is_open


def test_after_a_failure_calls_are_skipped_without_being_made(clock: Clock) -> None:
    breaker, service = CircuitBreaker("broker", 5, clock), Service()
    service.up = False
    with pytest.raises(CircuitOpen, match="refused"):
        breaker.call(service)
    assert breaker.is_open and service.calls == 1
    clock.now += 4.9
    for _ in range(10):
        with pytest.raises(CircuitOpen, match="skipped"):
            breaker.call(service)
    assert service.calls == 1


def test_after_the_pause_one_call_probes_and_success_closes_it(clock: Clock) -> None:
    breaker, service = CircuitBreaker("broker", 5, clock), Service()
    service.up = False
    with pytest.raises(CircuitOpen):
        breaker.call(service)
    clock.now += 5
    with pytest.raises(CircuitOpen, match="refused"):
        breaker.call(service)  # the probe fails: open for another pause
    assert service.calls == 2
    with pytest.raises(CircuitOpen, match="skipped"):
        breaker.call(service)
    service.up, clock.now = True, clock.now + 5
    assert breaker.call(service) == "done"
    assert not breaker.is_open
    assert breaker.call(service) == "done" and service.calls == 4


def test_an_outage_is_logged_when_it_begins_and_ends_not_per_call(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    breaker, service = CircuitBreaker("broker", 5, clock), Service()
    service.up = False
    caplog.set_level(logging.INFO, logger="moderation.breaker")
    for _ in range(4):
        for _ in range(20):
            with pytest.raises(CircuitOpen):
                breaker.call(service)
        clock.now += 5
    service.up = True
    breaker.call(service)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "unavailable (refused)" in messages[0] and "available again" in messages[1]
