"""Authors' history: published and rejected counts, recent decisions, pre-moderation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import insert_ignoring_conflicts, utcnow
from moderation.decisions.models import Sanction
from moderation.kinds import CommentStatus, SanctionKind
from moderation.models import Author, Comment
from moderation.policy.verdicts import AuthorStanding

RECENT = timedelta(days=30)
COUNTED = {CommentStatus.PUBLISHED: "published", CommentStatus.REJECTED: "rejected"}


def standings(session: Session, author_ids: Sequence[str]) -> dict[str, AuthorStanding]:
    """Each author's standing, from two queries for the whole batch."""
    ids = sorted(set(author_ids))
    rows = {
        a.author_id: a for a in session.scalars(select(Author).where(Author.author_id.in_(ids)))
    }
    recent: dict[tuple[str, str], int] = {
        (author, status): count
        for author, status, count in session.execute(
            select(Comment.author_id, Comment.status, func.count())
            .where(
                Comment.author_id.in_(ids),
                Comment.decided_at >= utcnow() - RECENT,
                Comment.status.in_(list(COUNTED)),
            )
            .group_by(Comment.author_id, Comment.status)
        )
    }
    sanctioned = _sanctions(session, ids)
    return {
        author_id: AuthorStanding(
            published=rows[author_id].published if author_id in rows else 0,
            rejected=rows[author_id].rejected if author_id in rows else 0,
            recent_published=recent.get((author_id, CommentStatus.PUBLISHED), 0),
            recent_rejected=recent.get((author_id, CommentStatus.REJECTED), 0),
            premoderated=bool(author_id in rows and rows[author_id].premoderated),
            **sanctioned.get(author_id, {}),
        )
        for author_id in ids
    }


def _sanctions(session: Session, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Bans and suspensions in force, as standing fields (pre-moderation is the flag above)."""
    now = utcnow()
    query = select(Sanction).where(
        Sanction.author_id.in_(ids),
        Sanction.lifted_at.is_(None),
        or_(Sanction.until.is_(None), Sanction.until > now),
        Sanction.kind.in_([SanctionKind.BAN, SanctionKind.SUSPEND]),
    )
    found: dict[str, dict[str, Any]] = {}
    for sanction in session.scalars(query.order_by(Sanction.id)):
        fields = found.setdefault(sanction.author_id, {})
        if sanction.kind == SanctionKind.BAN:
            fields["banned_for"] = sanction.reason
        elif sanction.until is not None:  # the latest end of overlapping suspensions
            fields["suspended_until"] = max(sanction.until, fields.get("suspended_until", now))
    return found


def count_outcome(session: Session, author_id: str, status: str, change: int = 1) -> None:
    """Add (or, with change=-1, take back) one final outcome to the author's counts, inside
    the caller's transaction."""
    count_outcomes(session, {(author_id, status): change})


def count_outcomes(session: Session, changes: Mapping[tuple[str, str], int]) -> None:
    """Add each change to its (author, status) count, inside the caller's transaction: missing
    authors inserted in one statement, then one increment per count, in the database, so two
    workers counting the same author at once both count. Authors go in a fixed order, so two
    batches sharing authors never wait on each other in a cycle."""
    counted = {
        (author, COUNTED[CommentStatus(status)]): change
        for (author, status), change in sorted(changes.items())
        if CommentStatus(status) in COUNTED and change
    }
    if not counted:
        return
    authors = sorted({author for author, _ in counted})
    session.execute(
        insert_ignoring_conflicts(session, Author),
        [{"author_id": a, "published": 0, "rejected": 0, "premoderated": False} for a in authors],
    )
    for (author, column), change in counted.items():
        count = getattr(Author, column)
        session.execute(
            update(Author)
            .where(Author.author_id == author)
            .values({column: case((count + change < 0, 0), else_=count + change)})
            .execution_options(synchronize_session="fetch")  # loaded authors see it
        )


def set_premoderated(session: Session, author_id: str, on: bool, actor: str) -> None:
    """Pre-moderate an author's comments, or stop (committed, audited)."""
    _author(session, author_id).premoderated = on
    audit.record(
        session, actor, "author.premoderated" if on else "author.released", "author", author_id
    )
    session.commit()


def _author(session: Session, author_id: str) -> Author:
    author = session.get(Author, author_id)
    if author is None:
        try:
            # Added inside the savepoint, so that losing the race expunges it: added before,
            # it stayed pending and the commit tried the same insert again.
            with session.begin_nested():
                author = Author(author_id=author_id, published=0, rejected=0, premoderated=False)
                session.add(author)
        except IntegrityError:  # another worker or moderator created the row first
            author = session.get(Author, author_id, populate_existing=True)
            assert author is not None
    return author
