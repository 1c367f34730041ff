"""Moderator accounts: creation, password rules and hashing, credential checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import utcnow
from moderation.errors import Invalid
from moderation.kinds import LoginFailure, Role, SessionEnd
from moderation.logins import sessions
from moderation.models import USERNAME_MAX_CHARS, Moderator

MIN_PASSWORD_CHARS = 10  # not counting spaces
MIN_DISTINCT_CHARS = 5
# A hash behind this mark matches no password: a one-time password after its one login.
USED = "!"
# scrypt cost: ~16 MiB and a few tens of milliseconds per check on a small server.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AccountError(Invalid):
    """A username or password is not acceptable; the message says why."""


def hash_password(password: str) -> str:
    """A salted scrypt hash in the form `scrypt$n$r$p$salt$hash`."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return "$".join(["scrypt", *(str(_SCRYPT[k]) for k in "nrp"), *encoded])


def check_password(stored: str, password: str) -> bool:
    """True when `password` matches the stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


# Checked when the username is unknown, so a login takes as long whether or not it exists.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused, or None."""
    visible = "".join(password.split())
    if len(visible) < MIN_PASSWORD_CHARS:
        return f"the password must have at least {MIN_PASSWORD_CHARS} characters besides spaces"
    if len(set(visible.casefold())) < MIN_DISTINCT_CHARS:
        return f"the password must use at least {MIN_DISTINCT_CHARS} different characters"
    if username and visible.casefold() == "".join(username.split()).casefold():
        return "the password must not be the username"
    return None


def create_moderator(
    session: Session,
    username: str,
    password: str,
    *,
    must_change_password: bool = False,
    actor: str = audit.SYSTEM,
    role: Role = Role.MODERATOR,
) -> Moderator:
    """Add a moderator with a role (committed), or raise AccountError."""
    username = username.strip()
    if not username or len(username) > USERNAME_MAX_CHARS:
        raise AccountError(f"the username must have 1 to {USERNAME_MAX_CHARS} characters")
    if problem := password_problem(password, username):
        raise AccountError(problem)
    if session.scalar(select(Moderator).where(Moderator.username == username)):
        raise AccountError(f"a moderator named {username!r} already exists")
    moderator = Moderator(
        username=username,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        role=role,
    )
    session.add(moderator)
    session.flush()
    audit.record(
        session, actor, "moderator.created", "moderator", moderator.id, username=username, role=role
    )
    session.commit()
    return moderator


def verify(
    session: Session, username: str, password: str
) -> tuple[Moderator | None, LoginFailure | None]:
    """The moderator a username names, and why these credentials fail (None: they work)."""
    moderator = session.scalar(select(Moderator).where(Moderator.username == username.strip()))
    if moderator is None:
        check_password(_DUMMY_HASH, password)
        return None, LoginFailure.UNKNOWN_USERNAME
    stored = moderator.password_hash
    if not check_password(stored.removeprefix(USED), password):
        return moderator, LoginFailure.WRONG_PASSWORD
    if stored.startswith(USED):
        return moderator, LoginFailure.ONE_TIME_PASSWORD_USED
    if not moderator.active:
        return moderator, LoginFailure.INACTIVE
    return moderator, None


def authenticate(session: Session, username: str, password: str) -> Moderator | None:
    """The active moderator with these credentials, or None."""
    moderator, failure = verify(session, username, password)
    return None if failure else moderator


def use_one_time_password(moderator: Moderator) -> None:
    """After the login it opened, a one-time password matches nothing (not committed)."""
    if moderator.must_change_password and not moderator.password_hash.startswith(USED):
        moderator.password_hash = USED + moderator.password_hash


def change_password(
    session: Session,
    moderator: Moderator,
    new_password: str,
    keep_session: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set a new password, clear the must-change flag and end the moderator's sessions but
    `keep_session` (committed)."""
    if problem := password_problem(new_password, moderator.username):
        raise AccountError(problem)
    if check_password(moderator.password_hash.removeprefix(USED), new_password):
        raise AccountError("the new password must differ from the old one")
    moderator.password_hash = hash_password(new_password)
    moderator.must_change_password = False
    sessions.end_all(
        session, moderator.id, SessionEnd.PASSWORD_CHANGED, now or utcnow(), keep=keep_session
    )
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        "moderator.password_changed",
        "moderator",
        moderator.id,
    )
    session.commit()


def reset_password(session: Session, username: str, actor: str) -> str:
    """Give a moderator a new one-time password and end their sessions (committed)."""
    moderator = session.scalar(select(Moderator).where(Moderator.username == username))
    if moderator is None:
        raise AccountError(f"there is no moderator named {username!r}")
    one_time = new_one_time_password()
    moderator.password_hash = hash_password(one_time)
    moderator.must_change_password = True
    sessions.end_all(session, moderator.id, SessionEnd.PASSWORD_CHANGED, utcnow())
    audit.record(session, actor, "moderator.password_reset", "moderator", moderator.id)
    session.commit()
    return one_time


def new_one_time_password() -> str:
    """A random password for one login, after which it must be changed."""
    return secrets.token_urlsafe(12)


def ensure_first_moderator(
    session: Session, username: str, password: str
) -> tuple[str, str | None]:
    """Make sure someone can log in; returns (username, one-time password if one was generated).

    With `username` and `password` given, that account is created (as an admin) if missing.
    Otherwise, when no moderator exists, the admin `admin` is created with a random password
    that must be changed at first login.
    """
    if username and password:
        if not session.scalar(select(Moderator).where(Moderator.username == username)):
            create_moderator(session, username, password, role=Role.ADMIN)
        return username, None
    if session.scalar(select(func.count()).select_from(Moderator)):
        return "", None
    one_time = new_one_time_password()
    create_moderator(
        session, username or "admin", one_time, must_change_password=True, role=Role.ADMIN
    )
    return username or "admin", one_time
