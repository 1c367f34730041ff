"""Scoring pending comments and recording the policy's decision, exactly once per comment."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import claim, utcnow
from moderation.decisions.authors import count_outcome
from moderation.decisions.health import record_health
from moderation.decisions.pending import Pending, pending
from moderation.decisions.priority import queue_fields
from moderation.decisions.spotchecks import maybe_spot_check
from moderation.kinds import (
    STATUS_AFTER,
    Action,
    CommentStatus,
    ScorerName,
    SignalState,
)
from moderation.models import Comment, Decision, Signal
from moderation.policy.document import Policy
from moderation.policy.identity import swapped_variants
from moderation.policy.reasons import ABUSE_CODES
from moderation.policy.rules import decide
from moderation.policy.verdicts import Verdict
from moderation.signals.base import Scorer, SignalResult, TextRescorer, run_scorers
from moderation.webhooks import outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one comment in a scoring run."""

    comment_id: str
    action: str | None  # None: it was already decided (a duplicate delivery)


def score_and_decide(
    session: Session,
    comment_ids: Sequence[str],
    scorers: Sequence[Scorer],
    policy: Policy,
    rescorer: TextRescorer | None = None,
    lanes: int = 1,
) -> list[Outcome]:
    """Score the pending ones among `comment_ids` (`lanes` scorers side by side), decide, and
    store everything; `rescorer` re-scores a would-be abuse rejection with group names swapped
    (the identity guard)."""
    items = pending(session, comment_ids)
    session.rollback()  # do not hold a transaction open while models run
    results = run_scorers(scorers, [item.input for item in items], lanes) if items else []
    outcomes = []
    for item, signals in zip(items, results, strict=True):
        verdict = decide(signals, policy, item.context)
        signals, verdict = second_look(item, dict(signals), verdict, rescorer, policy)
        outcomes.append(
            record_decision(
                session,
                item.input.comment_id,
                item.author_id,
                signals,
                verdict,
                policy.spot_check_share,
            )
        )
    record_health(session, scorers)
    decided = {o.comment_id for o in outcomes}
    return outcomes + [Outcome(cid, None) for cid in comment_ids if cid not in decided]


def second_look(
    item: Pending,
    signals: dict[str, SignalResult],
    verdict: Verdict,
    rescorer: TextRescorer | None,
    policy: Policy,
) -> tuple[dict[str, SignalResult], Verdict]:
    """The identity-term guard: before an abuse rejection of a comment that names groups,
    score it again with the names swapped, and decide again with that signal."""
    abuse = {r.code for r in verdict.reasons if r.action is Action.REJECT} & ABUSE_CODES
    if (
        verdict.action is not Action.REJECT
        or not abuse
        or not policy.identity_guard
        or rescorer is None
    ):
        return signals, verdict
    variants, names = swapped_variants(item.input.text, policy.identity_terms)
    scored = rescorer.score_texts(variants) if variants else None
    if not scored:
        return signals, verdict
    lowest = {label: min(s[label] for s in scored) for label in scored[0]}
    signals[ScorerName.IDENTITY] = SignalResult(
        ScorerName.IDENTITY,
        "swap-1",
        SignalState.OK,
        lowest,
        {"names": names, "variants": len(variants)},
    )
    return signals, decide(signals, policy, item.context)


def record_decision(
    session: Session,
    comment_id: str,
    author_id: str,
    signals: Mapping[str, SignalResult],
    verdict: Verdict,
    spot_check_share: float = 0.0,
) -> Outcome:
    """Store signals and the policy's decision, unless another delivery decided first."""
    now = utcnow()
    reasons = [r.as_dict() for r in verdict.reasons]
    to_review = verdict.action is Action.REVIEW
    fields = queue_fields(session, comment_id, signals, [r["code"] for r in reasons], to_review)
    where = (Comment.id == comment_id, Comment.status == CommentStatus.PENDING)
    status = STATUS_AFTER[verdict.action]
    if not claim(session, Comment, *where, status=status, decided_at=now, **fields):
        session.rollback()
        return Outcome(comment_id, None)
    session.add_all(_signal_row(comment_id, s) for s in signals.values())
    session.add(
        Decision(
            comment_id=comment_id,
            action=verdict.action,
            reasons=reasons,
            policy_version=verdict.policy_version,
            created_at=now,
        )
    )
    count_outcome(session, author_id, STATUS_AFTER[verdict.action])
    comment = session.get(Comment, comment_id)
    assert comment is not None
    outbox.record_status(session, comment, STATUS_AFTER[verdict.action])
    spot = maybe_spot_check(session, comment_id, verdict.action, spot_check_share)
    audit.record(
        session,
        audit.POLICY,
        "comment.decided",
        "comment",
        comment_id,
        action=verdict.action.value,
        reasons=[r["code"] for r in reasons],
        policy=verdict.policy_version,
        spot_check=spot,
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
