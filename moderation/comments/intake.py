"""Taking in articles and comments: store first, then queue for scoring."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation import audit
from moderation.breaker import CircuitOpen
from moderation.comments.validation import ArticleData, CommentSubmission, ValidationError
from moderation.db import utcnow
from moderation.decisions import duty
from moderation.errors import Conflict
from moderation.models import Article, Comment
from moderation.sites import check_owner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueEntry:
    """What the scoring queue carries for one comment."""

    comment_id: str
    author_id: str  # workers share each batch fairly between authors
    deferred: bool = False  # scored after every other author's comments


Enqueue = Callable[[QueueEntry], None]


class IdempotencyConflict(Conflict):
    """An Idempotency-Key was reused for a different comment."""

    code = "idempotency_conflict"


def upsert_article(
    session: Session, site_id: int, external_id: str, data: ArticleData, actor: str = "api"
) -> tuple[Article, bool]:
    """Create or update a site's article by its id (committed); True when it was created.

    An article another site created is refused (WrongSite)."""
    article = find_article(session, external_id)
    created = article is None
    if article is None:
        article = Article(site_id=site_id, external_id=external_id)
        session.add(article)
    else:
        check_owner(site_id, article.site_id, f"article {external_id!r}")
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
    site_id: int,
    submission: CommentSubmission,
    enqueue: Enqueue,
    idempotency_key: str | None = None,
    ip_key: str = "",
    deferred: bool = False,
) -> tuple[Comment, bool]:
    """Store a site's comment (committed), then queue it; returns (comment, created).

    A retry with the same Idempotency-Key returns the first comment and queues nothing. The
    reader's address is kept only as a hash keyed with `ip_key`. A deferred comment is
    scored after other authors' comments. An article of another site is refused (WrongSite).
    """
    fingerprint = _fingerprint(submission)
    if idempotency_key and (earlier := _by_key(session, idempotency_key, fingerprint)):
        return earlier, False
    article, parent_id = _resolve_targets(session, submission)
    check_owner(site_id, article.site_id, f"article {submission.article_id!r}")
    duty.check_open(session, article)
    comment = Comment(
        site_id=site_id,
        article_id=article.id,
        parent_id=parent_id,
        author_id=submission.author_id,
        author_name=submission.author_name,
        body=submission.body,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        client_ip_hash=hash_address(submission.client_ip, ip_key),
        queued_at=utcnow(),
        deferred=deferred,
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
    publish(QueueEntry(comment.id, comment.author_id, deferred), enqueue)
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


def publish(entry: QueueEntry, enqueue: Enqueue) -> bool:
    """Hand the comment to the queue; on failure it stays pending for the requeue sweep."""
    try:
        enqueue(entry)
    except CircuitOpen:  # the outage was logged once, where it began
        log.debug("comment %s stays pending until the requeue sweep", entry.comment_id)
        return False
    except Exception as exc:  # the broker is down: the row is safe, the sweep will retry
        log.warning(
            "could not queue comment %s (%s); it will be requeued",
            entry.comment_id,
            exc,
            extra={"comment_id": entry.comment_id},
        )
        return False
    return True
