"""Logging a moderator in and out: throttle, check, audit, one-time password, session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from moderation import accounts, audit
from moderation.db import utcnow
from moderation.kinds import LoginFailure, SessionEnd
from moderation.logins import sessions, throttle
from moderation.logins.history import LOGIN, LOGIN_FAILED, LOGOUT, LastLogin, last_login
from moderation.logins.models import ModeratorSession
from moderation.logins.throttle import ThrottleKeys, ThrottleRules
from moderation.models import AuditEntry, Moderator


@dataclass(frozen=True)
class Attempt:
    """What a login form sent, and from where (the address is the moderator's own)."""

    username: str
    password: str
    address: str | None = None
    address_hash: str | None = None


@dataclass(frozen=True)
class LoggedIn:
    """A new session: its token for the browser, and the login before it."""

    moderator: Moderator
    token: str
    previous: LastLogin


@dataclass(frozen=True)
class Refused:
    """Wrong credentials, or (retry_after > 0) too many failures: wait that many seconds."""

    retry_after: int = 0


def log_in(
    session: Session, attempt: Attempt, rules: ThrottleRules, now: datetime | None = None
) -> LoggedIn | Refused:
    """Check an attempt within the throttle; audit a failure, open a session on success."""
    now = now or utcnow()
    keys = throttle.keys_for(attempt.username, attempt.address_hash, rules)
    moderator, refused = _checked(session, attempt, keys, rules, now, audit.ANONYMOUS)
    if refused is not None:
        return refused
    assert moderator is not None
    previous = last_login(session, moderator.id)
    throttle.forgive(session, keys, rules)
    accounts.use_one_time_password(moderator)
    token = sessions.start(session, moderator, attempt.address, now)
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        LOGIN,
        "moderator",
        moderator.id,
        address_hash=attempt.address_hash,
    ).at = now
    session.commit()
    return LoggedIn(moderator, token, previous)


def confirm_password(
    session: Session, attempt: Attempt, rules: ThrottleRules, now: datetime | None = None
) -> Refused | None:
    """Check a logged-in moderator's password again (before changing it), held to the same
    throttle and audit as a login, so a stolen session cannot guess it; None when right."""
    keys = throttle.keys_for(attempt.username, attempt.address_hash, rules)
    actor = audit.moderator_actor(attempt.username)
    _, refused = _checked(session, attempt, keys, rules, now or utcnow(), actor)
    if refused is None:
        throttle.forgive(session, keys, rules)
        session.commit()
    return refused


def log_out(session: Session, login: ModeratorSession, now: datetime | None = None) -> None:
    """End this session (committed); the moderator's other sessions live on."""
    now = now or utcnow()
    sessions.end(session, login, SessionEnd.LOGOUT, now)
    actor = audit.moderator_actor(login.moderator.username)
    audit.record(session, actor, LOGOUT, "moderator", login.moderator_id).at = now
    session.commit()


def _checked(
    session: Session,
    attempt: Attempt,
    keys: ThrottleKeys,
    rules: ThrottleRules,
    now: datetime,
    actor: str,
) -> tuple[Moderator | None, Refused | None]:
    """The moderator whose credentials these are, or the refusal (a failure is audited as
    done by `actor` and counted; committed)."""
    if seconds := throttle.wait(session, keys, rules, now):
        return None, Refused(seconds)
    moderator, failure = accounts.verify(session, attempt.username, attempt.password)
    if failure is None:
        return moderator, None
    delay = throttle.record_failure(session, keys, rules, now)
    _audit_failure(session, actor, attempt, moderator, failure, delay).at = now
    session.commit()
    return moderator, Refused()


def _audit_failure(
    session: Session,
    actor: str,
    attempt: Attempt,
    moderator: Moderator | None,
    failure: LoginFailure,
    delay: int,
) -> AuditEntry:
    """Who tried which username, from which address (hashed), why it failed; no password."""
    return audit.record(
        session,
        actor,
        LOGIN_FAILED,
        "moderator" if moderator else "username",
        moderator.id if moderator else attempt.username.strip()[:200],
        username=attempt.username.strip()[:100],
        address_hash=attempt.address_hash,
        reason=failure,
        delay_seconds=delay,
    )
