"""The stored records of logins: server-side sessions and failure counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db import Base, UTCDateTime, utcnow
from moderation.models import Moderator


class ModeratorSession(Base):
    """One login of a moderator; the browser holds a random token whose hash is the id."""

    __tablename__ = "moderator_sessions"
    __table_args__ = (
        Index("ix_moderator_sessions_moderator_created", "moderator_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey(Moderator.id))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # The moderator's own address, shown to them at their next login so they can spot a
    # login that was not theirs (readers' addresses are only ever stored hashed).
    address: Mapped[str | None] = mapped_column(String(64))

    moderator: Mapped[Moderator] = relationship()


class LoginThrottle(Base):
    """Recent failed logins for one username or one address, and until when it must wait."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
