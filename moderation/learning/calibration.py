"""Learning from moderators: how each Detoxify label's bands fare, and where they could move.

Every moderator decision on a comment the policy sent to review is a label; every spot-check
of an automatic decision measures that decision's error. Per label and band this reports how
many comments fell in it, what moderators made of the reviewed ones, how precise automatic
publishing and rejecting were on the spot-check sample, and which lines would automate more
while keeping the error on reviewed comments under a target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from moderation.db import utcnow
from moderation.kinds import Action, RelevanceMethod, ScorerName, SignalState, SpotCheckVerdict
from moderation.learning.models import SpotCheck
from moderation.learning.topic_calibration import on_topic_report
from moderation.models import Comment
from moderation.policy.document import Policy

MIN_SUPPORT = 5  # reviewed comments needed above (or below) a line before suggesting it


@dataclass(frozen=True)
class Case:
    """One decided comment as calibration sees it."""

    scores: dict[str, float]
    automatic: str  # what the policy did: publish, reject or review
    moderator: str | None  # for reviewed comments: publish or reject, once decided
    spot_check: str | None  # for automatic ones: confirmed or overturned, once checked
    on_topic: float | None = None  # semantic relevance, and how sure it was
    confidence: float = 0.0
    flagged_off_topic: bool = False  # the policy sent it to review as off-topic

    @property
    def published(self) -> bool:
        """Published in the end: automatically (and not overturned) or by a moderator."""
        automatic = (
            self.automatic == Action.PUBLISH and self.spot_check != SpotCheckVerdict.OVERTURNED
        )
        return automatic or self.moderator == Action.PUBLISH


def cases(session: Session, days: int) -> list[Case]:
    """Comments decided in the last `days` days, with their Detoxify scores and outcomes."""
    comments = session.scalars(
        select(Comment)
        .where(Comment.decided_at >= utcnow() - timedelta(days=days))
        .options(selectinload(Comment.signals), selectinload(Comment.decisions))
    )
    checks = {s.comment_id: s.verdict for s in session.scalars(select(SpotCheck))}
    return [
        case for comment in comments if (case := _case(comment, checks.get(comment.id))) is not None
    ]


def _case(comment: Comment, spot_check: str | None) -> Case | None:
    detoxify = next(
        (
            s
            for s in comment.signals
            if s.scorer == ScorerName.DETOXIFY and s.state == SignalState.OK
        ),
        None,
    )
    policy = next((d for d in comment.decisions if d.moderator_id is None), None)
    if detoxify is None or policy is None:
        return None
    human = _moderators_outcome(comment)
    relevance = next(
        (
            s
            for s in comment.signals
            if s.scorer == ScorerName.RELEVANCE
            and s.state == SignalState.OK
            and (s.details or {}).get("method") == RelevanceMethod.SEMANTIC
        ),
        None,
    )
    return Case(
        detoxify.scores,
        str(policy.action),
        human if policy.action == Action.REVIEW else None,
        spot_check,
        relevance.scores.get("on_topic") if relevance else None,
        float(relevance.details.get("confidence", 1.0)) if relevance else 0.0,
        any(r.get("code") == "off_topic" for r in policy.reasons),
    )


def _moderators_outcome(comment: Comment) -> str | None:
    """The latest moderator decision that stands (not undone, not back to review), if any."""
    last = next(
        (d for d in reversed(comment.decisions) if d.moderator_id and d.undone_at is None), None
    )
    return str(last.action) if last is not None and last.action != Action.REVIEW else None


def report(found: Sequence[Case], policy: Policy, target_error: float = 0.05) -> dict[str, Any]:
    """Per label: bands, outcomes, precision of automatic decisions, suggested lines."""
    labels = sorted({label for case in found for label in case.scores})
    return {
        "comments": len(found),
        "target_error": target_error,
        "labels": {label: _label(found, label, policy, target_error) for label in labels},
        "on_topic": on_topic_report(found, policy),
    }


def _label(
    found: Sequence[Case], label: str, policy: Policy, target_error: float
) -> dict[str, Any]:
    band = policy.band(label)
    scored = [(c.scores.get(label, 0.0), c) for c in found]
    reviewed = [(s, c.moderator == "reject") for s, c in scored if c.moderator is not None]
    return {
        "publish_below": band.publish_below,
        "reject_above": band.reject_above,
        "bands": {
            "publish": _band([c for s, c in scored if s < band.publish_below]),
            "review": _band([c for s, c in scored if band.publish_below <= s < band.reject_above]),
            "reject": _band([c for s, c in scored if s >= band.reject_above]),
        },
        "automatic_precision": {
            action: _precision(found, action) for action in ("publish", "reject")
        },
        "suggested": _suggest(reviewed, band.publish_below, band.reject_above, target_error),
    }


def _band(cases_in_band: Sequence[Case]) -> dict[str, int]:
    return {
        "comments": len(cases_in_band),
        "moderators_published": sum(c.moderator == "publish" for c in cases_in_band),
        "moderators_rejected": sum(c.moderator == "reject" for c in cases_in_band),
    }


def _precision(found: Sequence[Case], action: str) -> dict[str, Any]:
    checked = [c for c in found if c.automatic == action and c.spot_check is not None]
    confirmed = sum(c.spot_check == SpotCheckVerdict.CONFIRMED for c in checked)
    return {
        "spot_checked": len(checked),
        "precision": round(confirmed / len(checked), 4) if checked else None,
    }


def _suggest(
    reviewed: list[tuple[float, bool]],
    publish_below: float,
    reject_above: float,
    target_error: float,
) -> dict[str, Any]:
    """The lowest reject line and highest publish line that keep moderators' disagreement
    on reviewed comments within `target_error`, and how many more they would automate."""
    ordered = sorted(reviewed)
    scores = [score for score, _ in ordered]
    reject_line = next(
        (
            scores[i]
            for i in range(len(ordered))
            if len(ordered) - i >= MIN_SUPPORT
            and scores[i] < reject_above
            and _share_not(ordered[i:], rejected=True) <= target_error
        ),
        None,
    )
    publish_line = next(
        (
            (scores[i] if i < len(scores) else 1.0)
            for i in range(len(ordered), MIN_SUPPORT - 1, -1)
            if scores[i - 1] >= publish_below
            and _share_not(ordered[:i], rejected=False) <= target_error
        ),
        None,
    )
    return {
        "reject_above": reject_line,
        "publish_below": publish_line,
        "more_rejected": (
            sum(reject_line <= s < reject_above for s in scores) if reject_line is not None else 0
        ),
        "more_published": (
            sum(publish_below <= s < publish_line for s in scores)
            if publish_line is not None
            else 0
        ),
    }


def _share_not(group: Sequence[tuple[float, bool]], rejected: bool) -> float:
    """Share of the group whose moderator outcome differs from `rejected`."""
    return sum(r != rejected for _, r in group) / len(group)
