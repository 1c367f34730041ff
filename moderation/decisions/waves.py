"""Waves: near-copies of one comment (what the brigading signal finds) and bursts of comments
from new accounts on one article are reviewed as one card, the wave's first comment, and one
decision applies to all of them (decisions/review.py).

A comment joins a wave when the pipeline sends it to review: with the waiting comments it
nearly copies, or, from a new author, with the other new authors' comments on the article in
the last BURST_WINDOW once there are BURST_MIN of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from moderation.kinds import CommentStatus, ScorerName
from moderation.models import Author, Comment
from moderation.signals.base import SignalResult

BURST_MIN = 5  # comments from new authors on one article that make a burst
BURST_WINDOW = timedelta(minutes=10)
SAMPLE = 5


@dataclass(frozen=True)
class Wave:
    """What a wave's card shows: how many, from whom, a sample."""

    lead: str
    size: int
    authors: int
    author_names: list[str]
    sample: list[Comment]


@dataclass(frozen=True)
class Kin:
    """The waiting comments a comment sent to review may join in a wave: those matching
    `where`, once there are at least `least` of them."""

    where: tuple[ColumnElement[bool], ...]
    least: int = 1


def join(session: Session, comment: Comment, signals: Mapping[str, SignalResult]) -> str | None:
    """The wave a comment sent to review belongs to (members updated, not committed); the
    comment itself may already be in review: it is never its own member."""
    # Its waiting near-copies if it has any, else a burst it is part of.
    for kin in _kin(session, comment, signals):
        where = (Comment.status == CommentStatus.REVIEW, Comment.id != comment.id, *kin.where)
        # Counted by wave and updated in the database, never read row by row: a burst on a
        # busy article can hold thousands of waiting comments, and each new one read them all.
        by_wave = select(Comment.wave_id, func.count()).where(*where).group_by(Comment.wave_id)
        counts = {wave: int(n) for wave, n in session.execute(by_wave)}
        if sum(counts.values()) >= kin.least:
            return _gather(session, where, counts)
    return None


def _kin(session: Session, comment: Comment, signals: Mapping[str, SignalResult]) -> Iterator[Kin]:
    brigading = signals.get(ScorerName.BRIGADING)
    similar = brigading.details.get("similar_comments", []) if brigading and brigading.ok else []
    if similar:
        yield Kin((Comment.id.in_(list(similar)),))
    if _new(session, comment.author_id):
        newcomers = select(Author.author_id).where(Author.published > 0)
        where = (
            Comment.article_id == comment.article_id,
            Comment.created_at >= comment.created_at - BURST_WINDOW,
            Comment.author_id.not_in(newcomers),
        )
        yield Kin(where, least=BURST_MIN - 1)


def _gather(
    session: Session, where: tuple[ColumnElement[bool], ...], counts: Mapping[str | None, int]
) -> str | None:
    """The wave of the comments matching `where` (counted by wave in `counts`), all of them
    moved into it: the earliest of their live waves, or a new one led by the oldest of them.
    None if they were all decided meanwhile."""
    live = _live({wave for wave in counts if wave}, session)
    oldest = select(Comment.id).where(*where).order_by(Comment.created_at, Comment.id).limit(1)
    lead = min(live) if live else session.scalar(oldest)
    if lead is None:
        return None
    if any(wave != lead for wave in counts):
        # Loaded objects are not matched against it (a scoring run has its whole batch
        # loaded: matching each one cost more than the update); waves are read by query.
        loose = update(Comment).where(*where, Comment.wave_id.is_distinct_from(lead))
        session.execute(loose.values(wave_id=lead).execution_options(synchronize_session=False))
    return str(lead)


def _live(leads: set[str], session: Session) -> set[str]:
    """The waves whose lead still waits (a decided lead's wave is over)."""
    if not leads:
        return set()
    query = select(Comment.id).where(Comment.id.in_(leads), Comment.status == CommentStatus.REVIEW)
    return set(session.scalars(query))


def _new(session: Session, author_id: str) -> bool:
    author = session.get(Author, author_id)
    return author is None or author.published == 0


def members(session: Session, lead: str) -> list[Comment]:
    """The other comments of a wave still waiting, oldest first."""
    query = (
        select(Comment)
        .where(Comment.wave_id == lead, Comment.id != lead, Comment.status == CommentStatus.REVIEW)
        .order_by(Comment.created_at, Comment.id)
    )
    return list(session.scalars(query))


def describe(session: Session, lead: Comment) -> Wave | None:
    """The wave a card leads, if it leads one with others still waiting."""
    if lead.wave_id != lead.id:
        return None
    others = members(session, lead.id)
    if not others:
        return None
    everyone = [lead, *others]
    names = list(dict.fromkeys(c.author_name for c in everyone))
    return Wave(
        lead.id, len(everyone), len({c.author_id for c in everyone}), names[:10], others[:SAMPLE]
    )


def leads_only() -> ColumnElement[bool]:
    """The review queue shows a wave once, as its lead (or each member, should the lead have
    been decided on its own)."""
    lead = aliased(Comment)
    lead_waits = exists().where(lead.id == Comment.wave_id, lead.status == CommentStatus.REVIEW)
    return or_(Comment.wave_id.is_(None), Comment.wave_id == Comment.id, ~lead_waits)


def sizes(session: Session, leads: Sequence[str]) -> dict[str, int]:
    """How many comments wait in each of these waves."""
    if not leads:
        return {}
    query = (
        select(Comment.wave_id, func.count())
        .where(Comment.wave_id.in_(list(leads)), Comment.status == CommentStatus.REVIEW)
        .group_by(Comment.wave_id)
    )
    return {str(lead): int(n) for lead, n in session.execute(query)}
