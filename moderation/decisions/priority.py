"""Where a comment waiting for review stands: expected harm x exposure x age.

The score is harm x exposure x 2^(age / AGE_DOUBLING). Its logarithm is
log2(harm x exposure) + (now - created) / AGE_DOUBLING, so sorting by the score is sorting by
log2(harm x exposure) - created / AGE_DOUBLING: a number that does not change while the
comment waits. It is stored (`comments.priority`) and indexed with the status, so the queue is
one index walk however long it is. Comments waiting longer than the rise-after limit
(MODQ_REVIEW_RISE_AFTER_MINUTES) come before all others, oldest first (decisions/queues.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from moderation.decisions import waves
from moderation.kinds import ScorerName
from moderation.models import Comment
from moderation.signals.base import SignalResult

AGE_DOUBLING = timedelta(hours=1)  # a waiting comment's weight doubles every hour
UNKNOWN_HARM = 0.5  # the abuse check did not run: as likely harmful as not
MIN_HARM = 0.05  # a clean-looking comment still waits its turn
BUSY_WINDOW = timedelta(hours=1)
BUSY_THREAD_REPLIES = 5  # replies to one comment within the window that make a thread busy
BUSY_THREAD_WEIGHT = 0.5


@dataclass(frozen=True)
class Placement:
    """The stored priority of a comment in review and the sentence that explains it."""

    priority: float
    why: str


def harm(signals: Mapping[str, SignalResult]) -> tuple[float, str]:
    """The highest Detoxify score, and which label it is."""
    detoxify = signals.get(ScorerName.DETOXIFY)
    if detoxify is None or not detoxify.ok or not detoxify.scores:
        return UNKNOWN_HARM, "abuse check did not run"
    label, score = max(detoxify.scores.items(), key=lambda kv: kv[1])
    return max(score, MIN_HARM), f"{label} {score:.2f}"


def exposure(session: Session, comment: Comment, now: datetime) -> tuple[float, str]:
    """How many people the comment reaches: 1, more on a busy article and in a busy thread."""
    since = now - BUSY_WINDOW
    on_article = _count(session, Comment.article_id == comment.article_id, since)
    value = 1 + math.log2(1 + on_article) / 2
    parts = [f"{on_article} comment{'s' * (on_article != 1)} on the article in the last hour"]
    if comment.parent_id is not None:
        replies = _count(session, Comment.parent_id == comment.parent_id, since)
        if replies >= BUSY_THREAD_REPLIES:
            value += BUSY_THREAD_WEIGHT
            parts.append(f"a reply in a busy thread ({replies} replies)")
    return value, " · ".join(parts)


def _count(session: Session, where: ColumnElement[bool], since: datetime) -> int:
    query = select(func.count()).select_from(Comment).where(where, Comment.created_at >= since)
    return int(session.scalar(query) or 0)


def priority_value(created_at: datetime, weight: float) -> float:
    """The stored, time-independent form of weight x 2^(age / AGE_DOUBLING)."""
    return math.log2(weight) - created_at.timestamp() / AGE_DOUBLING.total_seconds()


def place(
    session: Session, comment: Comment, signals: Mapping[str, SignalResult], now: datetime
) -> Placement:
    """Where a comment that is going to review belongs in the queue, and why."""
    harm_value, harm_why = harm(signals)
    exposure_value, exposure_why = exposure(session, comment, now)
    return Placement(
        priority_value(comment.created_at, harm_value * exposure_value),
        f"{harm_why} · {exposure_why}",
    )


def reason_codes(codes: Sequence[str]) -> str:
    """The policy's reason codes as the queue's filter reads them: ` code code `."""
    return f" {' '.join(sorted(set(codes)))} "


def language(signals: Mapping[str, SignalResult]) -> str | None:
    """The language the on-topic check read, for the queue's filter."""
    relevance = signals.get(ScorerName.RELEVANCE)
    if relevance is None or not relevance.ok:
        return None
    spoken = relevance.details.get("language")
    return str(spoken)[:16] if spoken else None


def queue_fields(signals: Mapping[str, SignalResult], codes: Sequence[str]) -> dict[str, object]:
    """The columns the queues read, set with the policy's decision: reasons, language and
    Detoxify's scores (filters read them without opening the signals)."""
    detoxify = signals.get(ScorerName.DETOXIFY)
    return {
        "reason_codes": reason_codes(codes),
        "language": language(signals),
        "detoxify_scores": dict(detoxify.scores) if detoxify and detoxify.ok else None,
    }


def review_fields(
    session: Session, comment: Comment, signals: Mapping[str, SignalResult]
) -> dict[str, object]:
    """The columns of a comment just sent to review: its priority, and the wave it joins
    (whose other members are updated, not committed)."""
    placement = place(session, comment, signals, comment.created_at)
    return {
        "priority": placement.priority,
        "priority_why": placement.why,
        "wave_id": waves.join(session, comment, signals),
    }
