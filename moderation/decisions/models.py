"""The stored records of the moderators' workspace: claims, notes, sanctions and the
periods of the stricter mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db import Base, UTCDateTime, utcnow
from moderation.models import Comment, Moderator

NOTE_MAX_CHARS = 1000
REASON_MAX_CHARS = 500


class ReviewClaim(Base):
    """A moderator working on one comment until `expires_at`; the primary key makes two
    claims on one comment impossible, whatever the database."""

    __tablename__ = "review_claims"

    comment_id: Mapped[str] = mapped_column(ForeignKey(Comment.id), primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey(Moderator.id), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    moderator: Mapped[Moderator] = relationship()


class Note(Base):
    """A moderator's note on a comment or on an author, shown on later cards."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    moderator_id: Mapped[int] = mapped_column(ForeignKey(Moderator.id))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator: Mapped[Moderator] = relationship()


class Sanction(Base):
    """A ban, a suspension until a date, or pre-moderation of an author, until an admin lifts
    it (a suspension also ends by itself)."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(REASON_MAX_CHARS))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey(Moderator.id))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(120))

    moderator: Mapped[Moderator | None] = relationship()


class StrictPeriod(Base):
    """A time the stricter mode applied (no moderator on duty, or the queue too old)."""

    __tablename__ = "strict_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    why: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
