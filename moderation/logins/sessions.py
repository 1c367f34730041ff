"""Server-side moderator sessions: revocable at once, with idle and absolute time limits.

The browser's (signed) cookie holds only a random token; the database keeps its hash and
whether the session still lives. Logging out ends one session, changing or resetting a
password ends the others, and a copied cookie dies with its session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.kinds import SessionEnd
from moderation.logins.models import ModeratorSession
from moderation.models import Moderator

# How often a session's last use is written: idle limits are minutes, one write a minute is
# enough, and a write per request would be one per request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionRules:
    """How long a session may sit unused, and how long it may last at all."""

    idle: timedelta = timedelta(minutes=60)
    max_age: timedelta = timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionRules:
        """The limits MODQ_SESSION_IDLE_MINUTES and MODQ_SESSION_MAX_HOURS set."""
        return cls(
            timedelta(minutes=settings.session_idle_minutes),
            timedelta(hours=settings.session_max_hours),
        )


def session_id(token: str) -> str:
    """The stored id of the session a token opens (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, moderator: Moderator, address: str | None, now: datetime) -> str:
    """Open a session (not committed); returns the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    session.add(
        ModeratorSession(
            id=session_id(token),
            moderator_id=moderator.id,
            created_at=now,
            last_seen_at=now,
            address=address[:64] if address else None,
        )
    )
    return token


def resume(
    session: Session, token: str, rules: SessionRules, now: datetime
) -> ModeratorSession | SessionEnd:
    """The live session this token opens (its use recorded; committed), or why it ended."""
    row = session.get(ModeratorSession, session_id(token))
    if row is None:
        return SessionEnd.UNKNOWN
    if row.ended_at is not None:
        return SessionEnd(row.end_reason or SessionEnd.UNKNOWN)
    if reason := _expiry(row, rules, now):
        end(session, row, reason, now)
        session.commit()
        return reason
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return row


def _expiry(row: ModeratorSession, rules: SessionRules, now: datetime) -> SessionEnd | None:
    if not row.moderator.active:
        return SessionEnd.DEACTIVATED
    if now - row.created_at > rules.max_age:
        return SessionEnd.EXPIRED
    if now - row.last_seen_at > rules.idle:
        return SessionEnd.IDLE
    return None


def end(session: Session, row: ModeratorSession, reason: SessionEnd, now: datetime) -> None:
    """End one session (not committed)."""
    if row.ended_at is None:
        row.ended_at, row.end_reason = now, reason


def end_all(
    session: Session,
    moderator_id: int,
    reason: SessionEnd,
    now: datetime,
    keep: str | None = None,
) -> None:
    """End every live session of a moderator but the one with id `keep` (not committed)."""
    query = update(ModeratorSession).where(
        ModeratorSession.moderator_id == moderator_id, ModeratorSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(ModeratorSession.id != keep)
    session.execute(query.values(ended_at=now, end_reason=reason))
