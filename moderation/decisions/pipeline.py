"""Scoring pending comments and recording the policy's decision, exactly once per comment."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload

from moderation import audit
from moderation.db import claim, utcnow
from moderation.decisions.authors import count_outcomes
from moderation.decisions.health import record_health
from moderation.decisions.pending import Pending, pending
from moderation.decisions.priority import queue_fields, review_fields
from moderation.decisions.queues import CLAIM_ORDER
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
from moderation.signals.base import Scorer, SignalResult, TextRescorer, scored_as_ready
from moderation.webhooks import outbox
from moderation.webhooks.outbox import StatusChange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one comment in a scoring run."""

    comment_id: str
    # None: not decided by this run (another delivery decided it first, or it could not be
    # stored and stays pending)
    action: str | None


def score_and_decide(
    session: Session,
    comment_ids: Sequence[str],
    scorers: Sequence[Scorer],
    policy: Policy,
    rescorer: TextRescorer | None = None,
    lanes: int = 0,
) -> list[Outcome]:
    """Score the pending ones among `comment_ids` (on the process's `lanes`, 0: in this
    thread; signals/lanes.py), decide, and store everything; `rescorer` re-scores a would-be
    abuse rejection with group names swapped (the identity guard). Comments are decided and
    stored as their scores come in, while the lanes score the rest: a batch's short comments
    need not wait for its longest one, and in a burst most of the recording overlaps the
    scoring."""
    items = pending(session, comment_ids)
    session.rollback()  # do not hold a transaction open while models run
    outcomes: list[Outcome] = []
    with closing(scored_as_ready(scorers, [item.input for item in items], lanes)) as groups:
        for ready in groups:
            decided = [_decided(items[i], signals, policy, rescorer) for i, signals in ready]
            outcomes += _record(session, decided, policy.spot_check_share)
    record_health(session, scorers)
    scored = {o.comment_id for o in outcomes}
    return outcomes + [Outcome(cid, None) for cid in comment_ids if cid not in scored]


def _decided(
    item: Pending,
    signals: Mapping[str, SignalResult],
    policy: Policy,
    rescorer: TextRescorer | None,
) -> Decided:
    """The policy's verdict on one scored comment, after the identity guard's second look."""
    verdict = decide(signals, policy, item.context)
    checked, verdict = second_look(item, dict(signals), verdict, rescorer, policy)
    return Decided(item.input.comment_id, item.author_id, checked, verdict)


def _record(session: Session, decided: Sequence[Decided], spot_check_share: float) -> list[Outcome]:
    """The batch's decisions in one transaction; if that fails for a reason other than the
    database being away, one by one, so that one comment that cannot be stored does not hold
    back the others (it stays pending; the requeue sweep tries it again)."""
    try:
        return record_decisions(session, decided, spot_check_share)
    except OperationalError:
        raise
    except Exception:
        session.rollback()
        log.exception("could not store %d decisions together; storing each alone", len(decided))
    outcomes = []
    for one in decided:
        try:
            outcomes += record_decisions(session, [one], spot_check_share)
        except OperationalError:
            raise
        except Exception:
            session.rollback()
            log.exception(
                "could not store the decision on %s",
                one.comment_id,
                extra={"comment_id": one.comment_id},
            )
            outcomes.append(Outcome(one.comment_id, None))
    return outcomes


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


@dataclass(frozen=True)
class Decided:
    """The policy's verdict on one comment, with the signals behind it, to be stored."""

    comment_id: str
    author_id: str
    signals: Mapping[str, SignalResult]
    verdict: Verdict


def record_decision(
    session: Session,
    comment_id: str,
    author_id: str,
    signals: Mapping[str, SignalResult],
    verdict: Verdict,
    spot_check_share: float = 0.0,
) -> Outcome:
    """Store signals and the policy's decision, unless another delivery decided first."""
    decided = Decided(comment_id, author_id, signals, verdict)
    return record_decisions(session, [decided], spot_check_share)[0]


def record_decisions(
    session: Session, decided: Sequence[Decided], spot_check_share: float = 0.0
) -> list[Outcome]:
    """Store a batch's signals and decisions in one transaction (committed), each comment's
    unless another delivery decided it first. Comments are claimed oldest first, one order for
    every worker: two workers holding some of the same comments never wait on each other in a
    cycle, and a wave of near-copies in one batch is led by its oldest comment."""
    now = utcnow()
    by_id = {d.comment_id: d for d in decided}
    query = (
        select(Comment)
        .where(Comment.id.in_(by_id))
        .order_by(*CLAIM_ORDER)
        .options(joinedload(Comment.article))
    )
    comments = {c.id: c for c in session.scalars(query)}
    claimed = [by_id[i] for i, c in comments.items() if _claim(session, by_id[i], c, now)]
    if claimed:
        _store(session, claimed, comments, now, spot_check_share)
    session.commit()
    actions = {d.comment_id: d.verdict.action.value for d in claimed}
    return [Outcome(d.comment_id, actions.get(d.comment_id)) for d in decided]


def _claim(session: Session, decided: Decided, comment: Comment, now: datetime) -> bool:
    """Set the comment's status and queue columns if it is still pending; a comment sent to
    review then gets its priority and wave (only once claimed: joining a wave updates other
    comments, which a lost claim must not do)."""
    action = decided.verdict.action
    codes = [r.code for r in decided.verdict.reasons]
    fields = queue_fields(decided.signals, codes)
    values = {"status": STATUS_AFTER[action], "decided_at": now, **fields}
    where = (Comment.id == comment.id, Comment.status == CommentStatus.PENDING)
    if not claim(session, Comment, *where, synchronize=False, **values):
        return False
    placed = review_fields(session, comment, decided.signals) if action is Action.REVIEW else {}
    if placed:
        statement = update(Comment).where(Comment.id == comment.id).values(**placed)
        session.execute(statement.execution_options(synchronize_session=False))
    session.expire(comment, [*values, *placed])  # read again if anyone asks
    return True


def _store(
    session: Session,
    claimed: Sequence[Decided],
    comments: Mapping[str, Comment],
    now: datetime,
    spot_check_share: float,
) -> None:
    """Signals, decisions, audit entries, spot-checks, the authors' counts and the webhook
    events of the claimed comments (loaded, showing their new status), added to the session's
    transaction."""
    events = []
    for d in claimed:
        session.add_all(_signal_row(d.comment_id, s) for s in d.signals.values())
        decision = _decision_row(d, now)
        session.add(decision)
        change = StatusChange(comments[d.comment_id], STATUS_AFTER[d.verdict.action], None)
        events.append((change, decision))
        spot = maybe_spot_check(session, d.comment_id, d.verdict.action, spot_check_share)
        audit.record(
            session,
            audit.POLICY,
            "comment.decided",
            "comment",
            d.comment_id,
            action=d.verdict.action.value,
            reasons=[r.code for r in d.verdict.reasons],
            policy=d.verdict.policy_version,
            spot_check=spot,
        )
    count_outcomes(session, Counter((d.author_id, STATUS_AFTER[d.verdict.action]) for d in claimed))
    outbox.record_decided(session, events)


def _decision_row(decided: Decided, now: datetime) -> Decision:
    return Decision(
        comment_id=decided.comment_id,
        action=decided.verdict.action,
        reasons=[r.as_dict() for r in decided.verdict.reasons],
        policy_version=decided.verdict.policy_version,
        created_at=now,
    )


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
