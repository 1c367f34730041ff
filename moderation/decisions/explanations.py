"""Explanations after the decision: the spans behind a high Detoxify score, added to the
stored signal once the comment is decided, so occlusion never delays a decision.

Idempotent: a signal that has its spans is left alone, and nothing here touches a comment's
status or decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.kinds import ScorerName, SignalState, Span
from moderation.models import Comment, Signal
from moderation.signals.detoxify.scorer import EXPLANATION_PENDING, EXPLANATION_SKIPPED


class Explainer(Protocol):
    """What finds the spans: the Detoxify scorer."""

    def explain(
        self, items: Sequence[tuple[str, str, float]]
    ) -> list[list[Span] | None] | None: ...


@dataclass(frozen=True)
class Awaiting:
    """A stored signal waiting for its spans, with what occlusion needs."""

    signal_id: int
    comment_id: str
    text: str
    label: str
    score: float


def awaiting(session: Session, comment_ids: Sequence[str]) -> list[Awaiting]:
    """The Detoxify signals of these comments that wait for their spans."""
    rows = session.execute(
        select(Signal, Comment.body)
        .join(Comment, Comment.id == Signal.comment_id)
        .where(
            Signal.comment_id.in_(comment_ids),
            Signal.scorer == ScorerName.DETOXIFY,
            Signal.state == SignalState.OK,
        )
    ).all()
    return [
        Awaiting(s.id, s.comment_id, body, s.details["top_label"], s.scores[s.details["top_label"]])
        for s, body in rows
        if _waits(s)
    ]


def stale(session: Session, older_than: timedelta, limit: int = 100) -> list[str]:
    """Comments whose spans have waited longer than `older_than`, oldest first.

    Their explain message was most likely lost (Redis restarted without its data) or is
    held by a worker that died: the requeue sweep queues them again, or their highlights
    would stay pending for ever."""
    query = (
        select(Signal.comment_id)
        .where(
            Signal.scorer == ScorerName.DETOXIFY,
            Signal.state == SignalState.OK,
            Signal.details["explanation"].as_string() == EXPLANATION_PENDING,
            Signal.created_at < utcnow() - older_than,
        )
        .order_by(Signal.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def add_spans(session: Session, comment_ids: Sequence[str], explainer: Explainer) -> int:
    """Find and store the spans of these comments' waiting signals; how many were stored."""
    items = awaiting(session, comment_ids)
    session.rollback()  # do not hold a transaction open while the model runs
    found = explainer.explain([(i.text, i.label, i.score) for i in items]) if items else None
    if found is None:  # nothing waits, or no model: the signals keep waiting
        return 0
    stored = sum(_store(session, i.signal_id, spans) for i, spans in zip(items, found, strict=True))
    session.commit()
    return stored


def _store(session: Session, signal_id: int, spans: list[Span] | None) -> bool:
    signal = session.get(Signal, signal_id, with_for_update=True)
    if signal is None or not _waits(signal):
        return False  # another delivery of the task stored them first
    explanation = {"explanation": EXPLANATION_SKIPPED} if spans is None else {}
    details = {k: v for k, v in signal.details.items() if k != "explanation"}
    signal.details = details | {"spans": spans} | explanation  # a new dict: JSON is compared
    return True


def _waits(signal: Signal) -> bool:
    return "spans" not in signal.details and (
        signal.details.get("explanation") == EXPLANATION_PENDING
    )
