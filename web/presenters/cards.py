"""What a review card and the queue's banner show: computed here, escaped by the templates."""

from __future__ import annotations

from typing import Any

from moderation.decisions.context import CardContext
from moderation.decisions.models import StrictPeriod
from moderation.decisions.review import REJECT_REASONS
from moderation.kinds import (
    Action,
    CommentStatus,
    SanctionKind,
    ScorerName,
    ScorerState,
    SecondThought,
    SignalState,
    StrictMode,
)
from moderation.masking import mask_credentials
from moderation.models import Comment
from moderation.policy.document import Policy
from moderation.policy.reasons import public_sentence
from moderation.signals.base import ScorerHealth
from web.presenters.highlight import marked_spans, segments, signal_summary

SECOND_THOUGHTS = {
    SecondThought.EDITED: "Warned before posting that it looked abusive, the reader edited it.",
    SecondThought.POSTED_ANYWAY: "Warned before posting that it looked abusive, the reader "
    "posted it anyway.",
}


def card(comment: Comment) -> dict[str, Any]:
    """What the review card shows of a comment."""
    policy = next((d for d in reversed(comment.decisions) if d.moderator_id is None), None)
    relevance = next(
        (s.details or {} for s in comment.signals if s.scorer == ScorerName.RELEVANCE), {}
    )
    return {
        "comment": comment,
        "second_thought": SECOND_THOUGHTS.get(SecondThought(comment.second_thought))
        if comment.second_thought
        else None,
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


OVERRIDE_TO = {CommentStatus.PUBLISHED: Action.REJECT, CommentStatus.REJECTED: Action.PUBLISH}


def full_card(context: CardContext, policy: Policy) -> dict[str, Any]:
    """The focused card: the comment with its thread, its author's history, every score as a
    bar against the policy's lines, sanctions and notes."""
    return card(context.comment) | {
        "context": context,
        "bars": score_bars(context.comment, policy),
        "reject_reasons": [
            (i + 1, code, public_sentence(code)) for i, code in enumerate(REJECT_REASONS)
        ],
        "sanction_kinds": list(SanctionKind),
        "in_review": context.comment.status == CommentStatus.REVIEW,
        "override_to": OVERRIDE_TO.get(CommentStatus(context.comment.status)),
        "reports": sorted(context.reports.items(), key=lambda kv: -kv[1]),
        "reporters": sum(context.reports.values()),
    }


def score_bars(comment: Comment, policy: Policy) -> list[dict[str, Any]]:
    """One bar per score; Detoxify's carry the label's publish and reject lines."""
    bars = []
    for signal in comment.signals:
        if signal.state != SignalState.OK:
            continue
        for label, score in sorted(signal.scores.items(), key=lambda kv: -kv[1]):
            band = policy.band(label) if signal.scorer == ScorerName.DETOXIFY else None
            bars.append(
                {
                    "scorer": signal.scorer,
                    "label": label,
                    "score": score,
                    "bounded": 0.0 <= score <= 1.0,
                    "low": band.publish_below if band else None,
                    "high": band.reject_above if band else None,
                }
            )
    return bars


def strict_banner(period: StrictPeriod | None) -> list[str]:
    """The banner of the stricter mode, while it applies."""
    if period is None:
        return []
    closed = period.mode == StrictMode.CLOSE
    return [
        f"Stricter mode since {period.started_at:%Y-%m-%d %H:%M} UTC: {period.why}. Comments "
        "that need review are held, and their authors told why"
        + ("; commenting on articles published since is closed" if closed else "")
        + ". It ends by itself."
    ]
