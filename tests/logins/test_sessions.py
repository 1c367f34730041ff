"""Server-side sessions: timeouts with a set clock, ending them, the last login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.kinds import SessionEnd
from moderation.logins import sessions
from moderation.logins.history import last_login
from moderation.logins.models import ModeratorSession
from moderation.logins.service import Attempt, LoggedIn, Refused, log_in, log_out
from moderation.logins.sessions import SessionRules
from moderation.logins.throttle import ThrottleRules
from moderation.models import Moderator
from tests.conftest import MODERATOR_PASSWORD

RULES = SessionRules(idle=timedelta(minutes=30), max_age=timedelta(hours=8))
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def alice(any_session: Session) -> Moderator:
    return accounts.create_moderator(any_session, "alice", MODERATOR_PASSWORD)


def opened(session: Session, moderator: Moderator, now: datetime = T0) -> str:
    token = sessions.start(session, moderator, "192.0.2.1", now)
    session.commit()
    return token


def test_activity_keeps_a_session_alive_until_its_absolute_limit(
    any_session: Session, alice: Moderator
) -> None:
    token = opened(any_session, alice)
    for minutes in range(25, 8 * 60, 25):
        found = sessions.resume(any_session, token, RULES, T0 + timedelta(minutes=minutes))
        assert isinstance(found, ModeratorSession)
    end = T0 + timedelta(hours=8, seconds=1)
    assert sessions.resume(any_session, token, RULES, end) is SessionEnd.EXPIRED
    assert sessions.resume(any_session, token, RULES, end) is SessionEnd.EXPIRED  # stays ended


def test_an_unused_session_ends_after_the_idle_limit(
    any_session: Session, alice: Moderator
) -> None:
    token = opened(any_session, alice)
    assert isinstance(
        sessions.resume(any_session, token, RULES, T0 + timedelta(minutes=30)), ModeratorSession
    )
    later = T0 + timedelta(minutes=61)
    assert sessions.resume(any_session, token, RULES, later) is SessionEnd.IDLE


def test_unknown_tokens_and_deactivated_moderators(any_session: Session, alice: Moderator) -> None:
    token = opened(any_session, alice)
    assert sessions.resume(any_session, "made-up", RULES, T0) is SessionEnd.UNKNOWN
    alice.active = False
    any_session.commit()
    assert sessions.resume(any_session, token, RULES, T0) is SessionEnd.DEACTIVATED


def test_a_password_change_ends_the_other_sessions_only(
    any_session: Session, alice: Moderator
) -> None:
    laptop, phone = opened(any_session, alice), opened(any_session, alice)
    accounts.change_password(
        any_session, alice, "a brand new secret", keep_session=sessions.session_id(laptop), now=T0
    )
    assert isinstance(sessions.resume(any_session, laptop, RULES, T0), ModeratorSession)
    assert sessions.resume(any_session, phone, RULES, T0) is SessionEnd.PASSWORD_CHANGED


def test_a_reset_password_is_one_time_and_ends_every_session(
    any_session: Session, alice: Moderator
) -> None:
    token = opened(any_session, alice)
    one_time = accounts.reset_password(any_session, "alice", actor="cli")
    assert sessions.resume(any_session, token, RULES, T0) is SessionEnd.PASSWORD_CHANGED
    rules = ThrottleRules()
    assert isinstance(log_in(any_session, Attempt("alice", one_time), rules, T0), LoggedIn)
    assert log_in(any_session, Attempt("alice", one_time), rules, T0) == Refused()
    assert accounts.authenticate(any_session, "alice", MODERATOR_PASSWORD) is None


def test_the_last_login_and_failures_since(any_session: Session, alice: Moderator) -> None:
    rules = ThrottleRules()
    first = log_in(any_session, Attempt("alice", MODERATOR_PASSWORD, "198.51.100.4"), rules, T0)
    assert isinstance(first, LoggedIn) and first.previous.at is None
    login = any_session.get(ModeratorSession, sessions.session_id(first.token))
    assert login is not None
    log_out(any_session, login, T0 + timedelta(minutes=5))
    for minute in (10, 11):
        wrong = Attempt("alice", "wrong password!", "203.0.113.9", "hash-of-203")
        assert log_in(any_session, wrong, rules, T0 + timedelta(minutes=minute)) == Refused()
    second = log_in(
        any_session, Attempt("alice", MODERATOR_PASSWORD), rules, T0 + timedelta(hours=1)
    )
    assert isinstance(second, LoggedIn)
    assert second.previous.at == T0 and second.previous.address == "198.51.100.4"
    assert second.previous.failures_since == 2
    assert last_login(any_session, alice.id).failures_since == 0
