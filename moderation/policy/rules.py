"""The policy: signals and context in, one action and its reasons out. Pure; no I/O.

Every check (policy/checks.py) adds reasons; the most severe action among them wins (reject
over review over publish). The rules and their thresholds come from the policy document.
"""

from __future__ import annotations

from collections.abc import Mapping

from moderation.kinds import Action, ScorerName
from moderation.policy.checks import (
    abuse_reasons,
    activity_reasons,
    failed_checks,
    lexical_reasons,
    link_reasons,
    premoderation_reasons,
    relevance_reasons,
    word_reasons,
)
from moderation.policy.document import Policy
from moderation.policy.reasons import ABUSE_CODES
from moderation.policy.sanctions import sanction_reasons
from moderation.policy.verdicts import SEVERITY, Context, Reason, Verdict
from moderation.signals.base import SignalResult

HELD = "held"  # the reason the stricter mode adds to a comment that waits for review


def decide(
    signals: Mapping[str, SignalResult], policy: Policy, context: Context | None = None
) -> Verdict:
    """Publish clean on-topic comments, reject clear abuse, send the rest to review."""
    context = context or Context()
    reasons = [
        *failed_checks(signals, policy),
        *abuse_reasons(signals.get(ScorerName.DETOXIFY), signals.get(ScorerName.IDENTITY), policy),
        *lexical_reasons(signals.get(ScorerName.LEXICAL), policy),
        *relevance_reasons(signals.get(ScorerName.RELEVANCE), policy, context.topic_line),
        *word_reasons(signals.get(ScorerName.WORDS), policy),
        *link_reasons(signals.get(ScorerName.LINKS), policy),
        *activity_reasons(
            signals.get(ScorerName.ACTIVITY), signals.get(ScorerName.BRIGADING), policy
        ),
        *premoderation_reasons(context, policy),
        *sanction_reasons(context),
    ]
    if not reasons:
        return Verdict(
            Action.PUBLISH,
            (Reason("clean", "No check found a problem.", Action.PUBLISH),),
            policy.version,
        )
    if not context.held and _trusted_borderline(reasons, context, policy):
        return Verdict(
            Action.PUBLISH,
            (
                Reason(
                    "trusted", "Borderline scores, published for a trusted author.", Action.PUBLISH
                ),
                *reasons,
            ),
            policy.version,
        )
    action = max((r.action for r in reasons), key=SEVERITY.__getitem__)
    if action is Action.REVIEW and context.held:
        reasons.append(Reason(HELD, "Held: the stricter mode applies (no moderator on duty)."))
    ordered = tuple(sorted(reasons, key=lambda r: -SEVERITY[r.action]))
    return Verdict(action, ordered, policy.version)


def _trusted_borderline(reasons: list[Reason], context: Context, policy: Policy) -> bool:
    return (
        policy.trust.skip_review
        and context.author.trusted(policy)
        and all(r.code in ABUSE_CODES and r.action is Action.REVIEW for r in reasons)
    )
