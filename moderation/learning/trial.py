"""Trial runs: replay a policy over stored signals (no re-scoring) before anyone activates it.

The on-topic lines are learned afresh for the policy on trial (its max_flag_share may differ),
each site's from its own published comments, and each comment is replayed with its site's.

Authors' standing is taken as it is now, not as it was when each comment was decided, so
rules on author history are approximated; everything else is exactly what the new policy
would have done with the same signals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from moderation.decisions.authors import standings
from moderation.decisions.pending import policy_context
from moderation.kinds import SignalState
from moderation.learning.topic_lines import lines_for
from moderation.models import Comment, Decision, Signal
from moderation.policy.document import Policy
from moderation.policy.rules import decide
from moderation.policy.topic_line import line_for
from moderation.policy.verdicts import Verdict
from moderation.signals.base import SignalResult

PAGE = 500
EXAMPLES = 3


@dataclass
class TrialReport:
    """How the new policy's decisions differ from the stored ones."""

    compared: int = 0
    changed: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "compared": self.compared,
            "changed": self.changed,
            "transitions": {f"{a}->{b}": n for (a, b), n in self.transitions.most_common()},
            "examples": {f"{a}->{b}": e for (a, b), e in self.examples.items()},
        }


def count(session: Session, since: datetime | None) -> int:
    """How many policy decisions a trial would replay."""
    query = select(func.count()).select_from(Decision).where(Decision.moderator_id.is_(None))
    if since is not None:
        query = query.where(Decision.created_at >= since)
    return int(session.scalar(query) or 0)


def run(
    session: Session,
    policy: Policy,
    since: datetime | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> TrialReport:
    """Replay `policy` over the stored policy decisions made since `since`."""
    report, lines = TrialReport(), lines_for(session, policy)
    for page in _pages(session, since):
        standing = standings(session, [d.comment.author_id for d in page])
        for decision in page:
            comment = decision.comment
            line = line_for(lines.get(comment.site_id, {}), comment.article.section)
            context = policy_context(comment, standing[comment.author_id], topic_line=line)
            _compare(report, decision, decide(stored_signals(comment.signals), policy, context))
        progress(len(page))
    return report


def _pages(session: Session, since: datetime | None) -> Iterator[Sequence[Decision]]:
    last_id = 0
    while True:
        query = (
            select(Decision)
            .where(Decision.moderator_id.is_(None), Decision.id > last_id)
            .order_by(Decision.id)
            .limit(PAGE)
            .options(
                selectinload(Decision.comment).selectinload(Comment.signals),
                selectinload(Decision.comment).selectinload(Comment.article),
            )
        )
        if since is not None:
            query = query.where(Decision.created_at >= since)
        page = list(session.scalars(query))
        if not page:
            return
        yield page
        last_id = page[-1].id


def stored_signals(rows: Sequence[Signal]) -> dict[str, SignalResult]:
    """The signals as the policy saw them."""
    return {
        r.scorer: SignalResult(
            r.scorer, r.version, SignalState(r.state), r.scores or {}, r.details or {}, r.error
        )
        for r in rows
    }


def _compare(report: TrialReport, stored: Decision, verdict: Verdict) -> None:
    report.compared += 1
    before, after = str(stored.action), verdict.action.value
    if before == after:
        return
    report.changed += 1
    report.transitions[(before, after)] += 1
    shown = report.examples.setdefault((before, after), [])
    if len(shown) < EXAMPLES:
        shown.append(
            {
                "comment": stored.comment_id,
                "text": stored.comment.body[:120],
                "reason": verdict.reasons[0].message,
            }
        )
