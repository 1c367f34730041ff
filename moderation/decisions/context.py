"""Everything a review card shows around one comment: its thread, its author's history,
sanctions and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from moderation.decisions import notes, sanctions, waves
from moderation.decisions.authors import standings
from moderation.decisions.models import Note, Sanction
from moderation.decisions.pending import opener
from moderation.decisions.waves import Wave
from moderation.kinds import CommentStatus
from moderation.models import Comment, Decision
from moderation.policy.verdicts import AuthorStanding

SIBLINGS_SHOWN = 5
HISTORY_SHOWN = 5


@dataclass(frozen=True)
class CardContext:
    """One comment and what surrounds it."""

    comment: Comment
    opener: Comment | None  # the comment that opened the thread, when not the parent
    siblings: list[Comment]  # other replies to the same parent, nearest in time first
    standing: AuthorStanding
    history: list[Comment]  # the author's latest decided comments
    sanctions: list[Sanction]
    comment_notes: list[Note]
    author_notes: list[Note]
    wave: Wave | None  # the near-copies or burst this card decides with it


def load(session: Session, comment_id: str, now: datetime) -> CardContext | None:
    """The card of one comment, or None if it does not exist."""
    comment = session.scalar(
        select(Comment)
        .where(Comment.id == comment_id)
        .options(
            joinedload(Comment.article),  # one row each: joined, not a query each
            joinedload(Comment.parent),
            selectinload(Comment.signals),
            selectinload(Comment.decisions).selectinload(Decision.moderator),
        )
    )
    if comment is None:
        return None
    author = comment.author_id
    comment_notes, author_notes = notes.on_card(session, comment.id, author)
    return CardContext(
        comment=comment,
        opener=opener(comment),
        siblings=_siblings(session, comment),
        standing=standings(session, [author])[author],
        history=_history(session, comment),
        sanctions=sanctions.active(session, [author], now),
        comment_notes=comment_notes,
        author_notes=author_notes,
        wave=waves.describe(session, comment),
    )


def _siblings(session: Session, comment: Comment) -> list[Comment]:
    if comment.parent_id is None:
        return []
    query = (
        select(Comment)
        .where(Comment.parent_id == comment.parent_id, Comment.id != comment.id)
        .order_by(Comment.created_at.desc())
        .limit(SIBLINGS_SHOWN)
    )
    return list(session.scalars(query))


def _history(session: Session, comment: Comment) -> list[Comment]:
    query = (
        select(Comment)
        .where(
            Comment.author_id == comment.author_id,
            Comment.id != comment.id,
            Comment.status.in_([CommentStatus.PUBLISHED, CommentStatus.REJECTED]),
        )
        .order_by(Comment.decided_at.desc())
        .limit(HISTORY_SHOWN)
    )
    return list(session.scalars(query))
