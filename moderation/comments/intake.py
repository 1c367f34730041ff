"""Taking in articles and comments: store first, then queue for scoring."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation import audit
from moderation.breaker import CircuitOpen
from moderation.comments.validation import ArticleData, CommentSubmission, ValidationError
from moderation.db import utcnow
from moderation.kinds import CommentStatus
from moderation.models import Article, Comment

log = logging.getLogger(__name__)

Enqueue = Callable[[str], None]


class IdempotencyConflict(ValueError):
    """An Idempotency-Key was reused for a different comment."""


def upsert_article(
    session: Session, external_id: str, data: ArticleData, actor: str = "api"
) -> tuple[Article, bool]:
    """Create or update an article by the site's id (committed); True when it was created."""
    article = find_article(session, external_id)
    created = article is None
    if article is None:
        article = Article(external_id=external_id)
        session.add(article)
    changed = {k: v for k, v in asdict(data).items() if getattr(article, k, None) != v}
    for field, value in changed.items():
        setattr(article, field, value)
    session.flush()
    if changed:
        audit.record(
            session,
            actor,
            "article.created" if created else "article.updated",
            "article",
            external_id,
            fields=sorted(changed),
        )
    session.commit()
    return article, created


def find_article(session: Session, external_id: str) -> Article | None:
    """The article with the site's id, or None."""
    return session.scalar(select(Article).where(Article.external_id == external_id))


def submit_comment(
    session: Session,
    submission: CommentSubmission,
    enqueue: Enqueue,
    idempotency_key: str | None = None,
    ip_key: str = "",
) -> tuple[Comment, bool]:
    """Store a comment (committed), then queue it; returns (comment, created).

    A retry with the same Idempotency-Key returns the first comment and queues nothing. The
    reader's address is kept only as a hash keyed with `ip_key`.
    """
    fingerprint = _fingerprint(submission)
    if idempotency_key and (earlier := _by_key(session, idempotency_key, fingerprint)):
        return earlier, False
    article, parent_id = _resolve_targets(session, submission)
    comment = Comment(
        article_id=article.id,
        parent_id=parent_id,
        author_id=submission.author_id,
        author_name=submission.author_name,
        body=submission.body,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        client_ip_hash=hash_address(submission.client_ip, ip_key),
        queued_at=utcnow(),
    )
    session.add(comment)
    try:
        session.flush()
    except IntegrityError:  # the same key committed by a concurrent request
        session.rollback()
        if idempotency_key and (earlier := _by_key(session, idempotency_key, fingerprint)):
            return earlier, False
        raise
    audit.record(
        session,
        "api",
        "comment.created",
        "comment",
        comment.id,
        author_id=submission.author_id,
        article_id=submission.article_id,
    )
    session.commit()
    publish(comment.id, enqueue)
    return comment, True


def hash_address(address: str | None, key: str) -> str | None:
    """A keyed hash of a network address: equal addresses compare equal, nothing more."""
    if not address:
        return None
    canonical = str(ipaddress.ip_address(address.strip()))
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()[:32]


def _fingerprint(submission: CommentSubmission) -> str:
    canonical = json.dumps(asdict(submission), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _by_key(session: Session, key: str, fingerprint: str) -> Comment | None:
    earlier = session.scalar(select(Comment).where(Comment.idempotency_key == key))
    if earlier is not None and earlier.request_fingerprint != fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was already used for a different comment")
    return earlier


def _resolve_targets(session: Session, submission: CommentSubmission) -> tuple[Article, str | None]:
    article = find_article(session, submission.article_id)
    if article is None:
        raise ValidationError(
            {
                "article_id": "no article with this id; create it first with "
                "PUT /api/v1/articles/<article_id>"
            }
        )
    if submission.parent_id is None:
        return article, None
    parent = session.get(Comment, submission.parent_id)
    if parent is None:
        raise ValidationError({"parent_id": "no comment with this id"})
    if parent.article_id != article.id:
        raise ValidationError({"parent_id": "the parent comment belongs to another article"})
    return article, parent.id


def publish(comment_id: str, enqueue: Enqueue) -> bool:
    """Hand the comment to the queue; on failure it stays pending for the requeue sweep."""
    try:
        enqueue(comment_id)
    except CircuitOpen:  # the outage was logged once, where it began
        log.debug("comment %s stays pending until the requeue sweep", comment_id)
        return False
    except Exception as exc:  # the broker is down: the row is safe, the sweep will retry
        log.warning(
            "could not queue comment %s (%s); it will be requeued",
            comment_id,
            exc,
            extra={"comment_id": comment_id},
        )
        return False
    return True


def requeue_stale(
    session: Session, older_than: timedelta, enqueue: Enqueue, limit: int = 500
) -> int:
    """Queue again the pending comments last queued before `older_than` ago; returns how many.

    Each comment is claimed by moving its queued_at forward in a conditional update, so two
    sweeps never both requeue it; a duplicate delivery is harmless anyway (scoring skips
    comments that are no longer pending).
    """
    cutoff = utcnow() - older_than
    stale = list(
        session.scalars(
            select(Comment.id)
            .where(Comment.status == CommentStatus.PENDING, Comment.queued_at < cutoff)
            .order_by(Comment.queued_at)
            .limit(limit)
        )
    )
    claimed = [comment_id for comment_id in stale if _claim(session, comment_id, cutoff)]
    session.commit()
    published = sum(publish(comment_id, enqueue) for comment_id in claimed)
    if claimed:
        log.info(
            "requeued %d of %d stale pending comments",
            published,
            len(claimed),
            extra={"comment_ids": claimed},
        )
    return published


def _claim(session: Session, comment_id: str, cutoff: datetime) -> bool:
    result = session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id,
            Comment.status == CommentStatus.PENDING,
            Comment.queued_at < cutoff,
        )
        .values(queued_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))
