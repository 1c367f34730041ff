"""What a review card and the queue's banner show: computed here, escaped by the templates."""

from __future__ import annotations

from typing import Any

from moderation.kinds import ScorerName, ScorerState, SignalState
from moderation.masking import mask_credentials
from moderation.models import Comment
from moderation.signals.base import ScorerHealth
from web.presenters.highlight import marked_spans, segments, signal_summary


def card(comment: Comment) -> dict[str, Any]:
    """What the review card shows of a comment."""
    policy = next((d for d in reversed(comment.decisions) if d.moderator_id is None), None)
    relevance = next(
        (s.details or {} for s in comment.signals if s.scorer == ScorerName.RELEVANCE), {}
    )
    return {
        "comment": comment,
        "reasons": policy.reasons if policy else [],
        "segments": segments(comment.body, marked_spans(comment.signals)),
        "passage": relevance.get("best_passage"),
        "discussion": relevance.get("discussion") or {},
        "signals": [
            {
                "scorer": s.scorer,
                "version": s.version,
                "state": s.state,
                "ok": s.state == SignalState.OK,
                "error": mask_credentials(s.error) if s.error else s.error,
                "scores": sorted(s.scores.items(), key=lambda kv: -kv[1]),
                "summary": signal_summary(s),
            }
            for s in comment.signals
        ],
    }


def scorer_problems(health: dict[str, ScorerHealth]) -> list[str]:
    """Sentences for the banner: which scorer cannot run and how to fix it."""
    if not health:
        return [
            "No worker has reported its scorers yet. Is a worker running "
            "(celery -A workers.app worker)?"
        ]
    return [
        mask_credentials(f"{name}: {h.state}. {h.detail}")
        for name, h in health.items()
        if h.state != ScorerState.OK
    ]
