"""Moderator accounts: password rules, the one-time password."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.kinds import LoginFailure


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        (" " * 10, "besides spaces"),
        ("a b c d e f g", "besides spaces"),
        ("\u3000" * 12, "besides spaces"),  # ideographic spaces are spaces too
        ("zzzzzzzzzzzz", "different characters"),
        ("abababab abab", "different characters"),
        ("Night Editor", "username"),
        ("nighteditor", "username"),
    ],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    assert problem in (accounts.password_problem(password, "night editor") or "")


@pytest.mark.parametrize("password", ["correct horse battery", "Tr0ub4dor&3x", "night editor 2"])
def test_reasonable_passwords_pass(password: str) -> None:
    assert accounts.password_problem(password, "night editor") is None


def test_a_one_time_password_stops_matching_once_used(session: Session) -> None:
    username, one_time = accounts.ensure_first_moderator(session, "", "")
    assert one_time is not None
    moderator, failure = accounts.verify(session, username, one_time)
    assert moderator is not None and failure is None
    accounts.use_one_time_password(moderator)
    session.commit()
    assert accounts.verify(session, username, one_time) == (
        moderator,
        LoginFailure.ONE_TIME_PASSWORD_USED,
    )
    with pytest.raises(accounts.AccountError, match="differ"):
        accounts.change_password(session, moderator, one_time)
    accounts.change_password(session, moderator, "my own secret now")
    assert accounts.verify(session, username, "my own secret now") == (moderator, None)


def test_verify_says_why(session: Session) -> None:
    moderator = accounts.create_moderator(session, "alice", "correct horse battery")
    assert accounts.verify(session, "nobody", "x") == (None, LoginFailure.UNKNOWN_USERNAME)
    assert accounts.verify(session, "alice", "x") == (moderator, LoginFailure.WRONG_PASSWORD)
    moderator.active = False
    assert accounts.verify(session, "alice", "correct horse battery") == (
        moderator,
        LoginFailure.INACTIVE,
    )
