"""The queues moderators work through: which comments each holds, in which order, filtered.

The review queue comes in two parts, each one index walk (see decisions/priority.py): first
the comments waiting longer than the rise-after limit, oldest first; then the others by their
stored priority. `QueueOrder.OLDEST` is the plain oldest-first order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import QueryableAttribute, Session, joinedload

from moderation.db import utcnow
from moderation.decisions import waves
from moderation.kinds import CommentStatus, Queue, QueueOrder
from moderation.learning.models import SpotCheck
from moderation.models import Article, Comment, Decision
from moderation.readers.models import Report

PAGE_SIZE = 50
STATUS_OF = {
    Queue.REVIEW: CommentStatus.REVIEW,
    Queue.PENDING: CommentStatus.PENDING,
    Queue.PUBLISHED: CommentStatus.PUBLISHED,
    Queue.REJECTED: CommentStatus.REJECTED,
}


# The one order in which a transaction locks several comments (a worker's batch, the requeue
# sweep, a moderator's bulk rejection), so that no two wait on each other in a cycle.
CLAIM_ORDER = (Comment.created_at, Comment.id)


@dataclass(frozen=True)
class Filters:
    """What a moderator narrowed a queue to; empty fields do not filter."""

    article: str = ""
    section: str = ""
    reason: str = ""
    label: str = ""
    above: float | None = None  # with `label`: the Detoxify score at least this
    author: str = ""
    language: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    text: str = ""

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any(getattr(self, f.name) not in ("", None) for f in fields(self))


@dataclass(frozen=True)
class View:
    """A queue, its filters and its order, at one moment."""

    queue: Queue = Queue.REVIEW
    filters: Filters = Filters()
    order: QueueOrder = QueueOrder.PRIORITY
    rise_after: timedelta = timedelta(hours=2)
    now: datetime = field(default_factory=utcnow)

    @property
    def cutoff(self) -> datetime:
        """Comments created before this have waited past the rise-after limit."""
        return self.now - self.rise_after


def conditions(session: Session, view: View) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a view: its queue and its filters."""
    where: list[ColumnElement[bool]] = []
    if view.queue in STATUS_OF:
        where.append(Comment.status == STATUS_OF[view.queue])
    if view.queue is Queue.REVIEW:
        where.append(waves.leads_only())
    elif view.queue is Queue.SPOT_CHECKS:
        where.append(
            exists().where(SpotCheck.comment_id == Comment.id, SpotCheck.verdict.is_(None))
        )
    elif view.queue is Queue.REPORTED:
        where.append(_has_open_reports())
    return where + _filters(session, view.filters)


def _filters(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.article or f.section:
        article = [Article.id == Comment.article_id]
        if f.article:
            article.append(Article.external_id == f.article)
        if f.section:
            article.append(func.lower(Article.section) == f.section.lower())
        where.append(exists().where(*article))
    if f.reason:
        where.append(Comment.reason_codes.contains(f" {f.reason} ", autoescape=True))
    if f.label and f.above is not None:
        where.append(_label_at_least(f.label, f.above))
    if f.author:
        where.append(or_(Comment.author_id == f.author, Comment.author_name == f.author))
    if f.language:
        where.append(Comment.language == f.language)
    if f.since:
        where.append(Comment.created_at >= f.since)
    if f.until:
        where.append(Comment.created_at < f.until)
    if f.text:
        where.append(text_search(session, f.text))
    return where


def _label_at_least(label: str, above: float) -> ColumnElement[bool]:
    at_least: ColumnElement[bool] = Comment.detoxify_scores[label].as_float() >= above
    return at_least


def text_search(session: Session, text: str) -> ColumnElement[bool]:
    """Words in the body: PostgreSQL's full-text search, or a substring on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        # Spelled as the index ix_comments_body_search is (a bound parameter would not match).
        simple: ColumnElement[str] = literal_column("'simple'")
        return func.to_tsvector(simple, Comment.body).op("@@")(func.plainto_tsquery(simple, text))
    return Comment.body.contains(text, autoescape=True)


def ordered(query: Select[Any], view: View) -> list[Select[Any]]:
    """The query in the view's order: one part, or the review queue's two."""
    if view.queue is not Queue.REVIEW:
        newest = Comment.decided_at if view.queue in (Queue.PUBLISHED, Queue.REJECTED) else None
        if view.queue is Queue.PENDING or view.order is QueueOrder.OLDEST:
            return [query.order_by(Comment.created_at, Comment.id)]
        return [query.order_by((newest or Comment.created_at).desc(), Comment.id)]
    if view.order is QueueOrder.OLDEST:
        return [query.order_by(Comment.created_at, Comment.id)]
    overdue = query.where(Comment.created_at < view.cutoff).order_by(Comment.created_at, Comment.id)
    rest = query.where(Comment.created_at >= view.cutoff).order_by(
        Comment.priority.desc(), Comment.id
    )
    return [overdue, rest]


def page(session: Session, view: View, offset: int = 0, limit: int = PAGE_SIZE) -> list[Comment]:
    """One page of a queue, with what the list rows show."""
    parts = ordered(select(Comment).where(*conditions(session, view)), view)
    found: list[Comment] = []
    for index, part in enumerate(parts):
        if offset and index < len(parts) - 1:
            before = _count(session, part)  # a later page may start past this whole part
            if offset >= before:
                offset -= before
                continue
        query = part.offset(offset).limit(limit - len(found))
        found += session.scalars(query.options(joinedload(Comment.article)))
        offset = 0
        if len(found) >= limit:
            break
    return found


def _count(session: Session, query: Select[Any]) -> int:
    counted = select(func.count()).select_from(
        query.order_by(None).with_only_columns(Comment.id).subquery()
    )
    return int(session.scalar(counted) or 0)


def size(session: Session, view: View) -> int:
    """How many comments the view holds."""
    query = select(func.count(Comment.id)).where(*conditions(session, view))
    return int(session.scalar(query) or 0)


def ids(session: Session, view: View, limit: int) -> list[str]:
    """The ids of the first `limit` comments of the view, in its order."""
    base = select(Comment.id).where(*conditions(session, view))
    found: list[str] = []
    for part in ordered(base, view):
        found += session.scalars(part.limit(limit - len(found)))
        if len(found) >= limit:
            break
    return found


WORK_QUEUES = (Queue.REVIEW, Queue.PENDING, Queue.SPOT_CHECKS, Queue.REPORTED)


def counts(session: Session, decided: dict[Queue, int] | None = None) -> dict[Queue, int]:
    """How many comments each queue holds (unfiltered), for the navigation. The queues that
    wait for work are counted exactly; `decided` may give the others from a recent count,
    which on a large site means reading every comment ever posted."""
    found = {queue: _status_count(session, STATUS_OF[queue]) for queue in WORK_QUEUES[:2]}
    if decided is None:
        decided = decided_counts(session)
    found |= {q: n for q, n in decided.items() if q not in WORK_QUEUES}
    open_checks = select(func.count()).select_from(SpotCheck).where(SpotCheck.verdict.is_(None))
    found[Queue.SPOT_CHECKS] = int(session.scalar(open_checks) or 0)
    reported = select(func.count(func.distinct(Report.comment_id))).where(
        Report.resolved_at.is_(None)
    )
    found[Queue.REPORTED] = int(session.scalar(reported) or 0)
    return found


def _has_open_reports() -> ColumnElement[bool]:
    return exists().where(Report.comment_id == Comment.id, Report.resolved_at.is_(None))


def _status_count(session: Session, status: str) -> int:
    query = select(func.count()).select_from(Comment).where(Comment.status == status)
    return int(session.scalar(query) or 0)


def decided_counts(session: Session) -> dict[Queue, int]:
    """Published, rejected and all comments: one pass over the whole table."""
    by_status = dict(
        session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all()
    )
    return {
        Queue.PUBLISHED: int(by_status.get(CommentStatus.PUBLISHED, 0)),
        Queue.REJECTED: int(by_status.get(CommentStatus.REJECTED, 0)),
        Queue.ALL: sum(int(n) for n in by_status.values()),
    }


def oldest_waiting(session: Session) -> datetime | None:
    """When the comment waiting longest for review was posted."""
    query = select(func.min(Comment.created_at)).where(Comment.status == CommentStatus.REVIEW)
    return session.scalar(query)


def last_policy_reasons(comment: Comment) -> list[dict[str, str]]:
    """The reasons of the policy's decision on a comment (what sent it to review)."""
    policy: Decision | None = next(
        (d for d in reversed(comment.decisions) if d.moderator_id is None), None
    )
    return policy.reasons if policy else []


def in_review(comment_id: str | QueryableAttribute[str]) -> ColumnElement[bool]:
    """The comment with this id, while it waits for review."""
    return and_(Comment.id == comment_id, Comment.status == CommentStatus.REVIEW)


def by_ids(session: Session, comment_ids: list[str]) -> list[Comment]:
    """These comments, in this order."""
    found = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
    return [found[i] for i in comment_ids if i in found]
