"""Moderator accounts: creation, password hashing and login checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation import audit
from moderation.errors import Invalid
from moderation.models import USERNAME_MAX_CHARS, Moderator

MIN_PASSWORD_CHARS = 10
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


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"the password must have at least {MIN_PASSWORD_CHARS} characters"
    return None


def create_moderator(
    session: Session,
    username: str,
    password: str,
    *,
    must_change_password: bool = False,
    actor: str = audit.SYSTEM,
) -> Moderator:
    """Add a moderator (committed), or raise AccountError."""
    username = username.strip()
    if not username or len(username) > USERNAME_MAX_CHARS:
        raise AccountError(f"the username must have 1 to {USERNAME_MAX_CHARS} characters")
    if problem := password_problem(password):
        raise AccountError(problem)
    if session.scalar(select(Moderator).where(Moderator.username == username)):
        raise AccountError(f"a moderator named {username!r} already exists")
    moderator = Moderator(
        username=username,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(moderator)
    session.flush()
    audit.record(session, actor, "moderator.created", "moderator", moderator.id, username=username)
    session.commit()
    return moderator


def authenticate(session: Session, username: str, password: str) -> Moderator | None:
    """The active moderator with these credentials, or None."""
    moderator = session.scalar(select(Moderator).where(Moderator.username == username.strip()))
    if moderator is None:
        check_password(_DUMMY_HASH, password)
        return None
    if not check_password(moderator.password_hash, password) or not moderator.active:
        return None
    return moderator


def change_password(session: Session, moderator: Moderator, new_password: str) -> None:
    """Set a new password (committed), clearing the must-change flag."""
    if problem := password_problem(new_password):
        raise AccountError(problem)
    moderator.password_hash = hash_password(new_password)
    moderator.must_change_password = False
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        "moderator.password_changed",
        "moderator",
        moderator.id,
    )
    session.commit()


def ensure_first_moderator(
    session: Session, username: str, password: str
) -> tuple[str, str | None]:
    """Make sure someone can log in; returns (username, one-time password if one was generated).

    With `username` and `password` given, that account is created if missing. Otherwise, when
    no moderator exists, `admin` is created with a random password that must be changed at
    first login.
    """
    if username and password:
        if not session.scalar(select(Moderator).where(Moderator.username == username)):
            create_moderator(session, username, password)
        return username, None
    if session.scalar(select(func.count()).select_from(Moderator)):
        return "", None
    one_time = secrets.token_urlsafe(12)
    create_moderator(session, username or "admin", one_time, must_change_password=True)
    return username or "admin", one_time
