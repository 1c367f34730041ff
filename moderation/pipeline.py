"""Scoring pending comments and recording the policy's decision, exactly once per comment."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.db import utcnow
from moderation.history import author_contexts
from moderation.models import STATUS_AFTER, Comment, CommentStatus, Decision, ScorerStatus, Signal
from moderation.policy import Thresholds, Verdict, decide
from moderation.scoring import (
    AuthorContext,
    Scorer,
    ScorerHealth,
    ScoringInput,
    SignalResult,
    run_scorers,
)

log = logging.getLogger(__name__)
MAX_THREAD_DEPTH = 50  # a safety bound on walking up a thread


@dataclass(frozen=True)
class Outcome:
    """What happened to one comment in a scoring run."""

    comment_id: str
    action: str | None  # None: it was already decided (a duplicate delivery)


def pending_inputs(session: Session, comment_ids: Sequence[str]) -> list[ScoringInput]:
    """Scoring inputs for those of `comment_ids` that are still pending."""
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.id.in_(comment_ids), Comment.status == CommentStatus.PENDING)
            .options(selectinload(Comment.article), selectinload(Comment.parent))
        )
    )
    contexts = author_contexts(session, comments)
    return [to_input(comment, contexts[comment.id]) for comment in comments]


def to_input(comment: Comment, author: AuthorContext | None = None) -> ScoringInput:
    """The comment with its article, parent text and author context."""
    return ScoringInput(
        comment_id=comment.id,
        text=comment.body,
        article_title=comment.article.title,
        article_body=comment.article.body,
        article_section=comment.article.section,
        parent_text=comment.parent.body if comment.parent else None,
        thread_text=thread_opener(comment),
        author_id=comment.author_id,
        author=author or AuthorContext(),
    )


def thread_opener(comment: Comment) -> str | None:
    """The text of the comment that opened a reply's thread, when it is not the parent."""
    opener, depth = comment.parent, 0
    while opener is not None and opener.parent is not None and depth < MAX_THREAD_DEPTH:
        opener, depth = opener.parent, depth + 1
    if opener is None or opener is comment.parent:
        return None
    return opener.body


def score_and_decide(
    session: Session, comment_ids: Sequence[str], scorers: Sequence[Scorer], thresholds: Thresholds
) -> list[Outcome]:
    """Score the pending ones among `comment_ids`, decide, and store everything."""
    inputs = pending_inputs(session, comment_ids)
    session.rollback()  # do not hold a transaction open while models run
    results = run_scorers(scorers, inputs) if inputs else []
    outcomes = [
        record_decision(session, item.comment_id, signals, decide(signals, thresholds))
        for item, signals in zip(inputs, results, strict=True)
    ]
    record_health(session, scorers)
    decided = {o.comment_id for o in outcomes}
    return outcomes + [Outcome(cid, None) for cid in comment_ids if cid not in decided]


def record_decision(
    session: Session, comment_id: str, signals: Mapping[str, SignalResult], verdict: Verdict
) -> Outcome:
    """Store signals and the policy's decision, unless another delivery decided first."""
    now = utcnow()
    claimed = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.PENDING)
        .values(status=STATUS_AFTER[verdict.action], decided_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        session.rollback()
        return Outcome(comment_id, None)
    session.add_all(_signal_row(comment_id, s) for s in signals.values())
    reasons = [r.as_dict() for r in verdict.reasons]
    session.add(
        Decision(comment_id=comment_id, action=verdict.action, reasons=reasons, created_at=now)
    )
    audit.record(
        session,
        audit.POLICY,
        "comment.decided",
        "comment",
        comment_id,
        action=verdict.action.value,
        reasons=[r["code"] for r in reasons],
    )
    session.commit()
    return Outcome(comment_id, verdict.action.value)


def _signal_row(comment_id: str, signal: SignalResult) -> Signal:
    return Signal(
        comment_id=comment_id,
        scorer=signal.scorer,
        version=signal.version,
        state=signal.state.value,
        scores=signal.scores,
        details=signal.details,
        error=signal.error,
        duration_ms=signal.duration_ms,
    )


def record_health(session: Session, scorers: Sequence[Scorer]) -> None:
    """Store each scorer's state where the web process can read it."""
    for scorer in scorers:
        health = scorer.health()
        row = session.get(ScorerStatus, scorer.name) or ScorerStatus(scorer=scorer.name)
        if (row.state, row.version, row.detail) != (health.state, health.version, health.detail):
            row.state, row.version, row.detail = health.state, health.version, health.detail
            row.updated_at = utcnow()
            session.add(row)
    try:
        session.commit()
    except IntegrityError:  # another worker inserted the same row first; its report stands
        session.rollback()


def scorer_health(session: Session) -> dict[str, ScorerHealth]:
    """What the workers last reported about each scorer."""
    return {
        row.scorer: ScorerHealth(row.state, row.version, row.detail)
        for row in session.scalars(select(ScorerStatus).order_by(ScorerStatus.scorer))
    }
