"""Failed-login counters and their growing delays, on SQLite and PostgreSQL, with a set clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from moderation.logins import throttle
from moderation.logins.models import LoginThrottle
from moderation.logins.throttle import ThrottleRules, keys_for

RULES = ThrottleRules(account_free=3, address_free=5, first_delay=2, max_delay=60)
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fail(session: Session, username: str, address: str | None, now: datetime) -> int:
    delay = throttle.record_failure(session, keys_for(username, address, RULES), RULES, now)
    session.commit()
    return delay


def wait(session: Session, username: str, address: str | None, now: datetime) -> int:
    return throttle.wait(session, keys_for(username, address, RULES), RULES, now)


@pytest.mark.parametrize(
    ("failures", "delay"), [(0, 0), (2, 0), (3, 2), (4, 4), (5, 8), (7, 32), (8, 60), (500, 60)]
)
def test_delays_double_after_the_free_failures_up_to_the_cap(failures: int, delay: int) -> None:
    assert RULES.delay(failures, RULES.account_free) == delay


def test_a_slowed_key_refuses_every_attempt_until_its_delay_passes(any_session: Session) -> None:
    for second in range(3):
        assert wait(any_session, "alice", None, at(second)) == 0
        fail(any_session, "alice", None, at(second))
    assert wait(any_session, "alice", None, at(2.5)) == 2
    assert wait(any_session, "alice", None, at(3.9)) == 1
    assert wait(any_session, "alice", None, at(4)) == 0  # claims the opening...
    assert wait(any_session, "alice", None, at(4)) == 4  # ...so a parallel guess must wait
    assert fail(any_session, "alice", None, at(4)) == 4
    assert wait(any_session, "Alice ", None, at(7)) == 1  # the same username, spelt otherwise
    assert wait(any_session, "bob", None, at(7)) == 0


def test_an_address_is_slowed_across_usernames(any_session: Session) -> None:
    for number in range(5):
        fail(any_session, f"user{number}", "addr-1", at(number))
    assert wait(any_session, "someone-else", "addr-1", at(4.5)) == 2
    assert wait(any_session, "someone-else", "addr-2", at(5)) == 0


def test_success_forgives_the_username_and_gives_back_the_addresss_opening(
    any_session: Session,
) -> None:
    for number in range(5):
        fail(any_session, "alice", "addr-1", at(number * 100))
    keys = keys_for("alice", "addr-1", RULES)
    assert throttle.wait(any_session, keys, RULES, at(1000)) == 0  # claims both openings
    throttle.forgive(any_session, keys, RULES)
    any_session.commit()
    assert any_session.get(LoginThrottle, keys.account.name) is None
    assert wait(any_session, "bob", "addr-1", at(1000)) == 0  # the claim was given back


def test_failures_are_forgotten_after_a_quiet_day(any_session: Session) -> None:
    for second in range(10):
        fail(any_session, "alice", None, at(second))
    assert wait(any_session, "alice", None, at(20)) > 0
    day_later = at(9) + throttle.FORGET_AFTER + timedelta(seconds=1)
    assert wait(any_session, "alice", None, day_later) == 0
    assert fail(any_session, "alice", None, day_later) == 0  # counted from one again
