"""Is the on-topic line too strict? What moderators made of the comments it flagged.

A comment flagged off-topic goes to review; a moderator who publishes it says the flag was
wrong. When moderators publish most of the flagged comments they decide, the line flags more
genuine comments than it catches misplaced ones, and the site should accept a smaller share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from moderation.kinds import Action
from moderation.policy.document import Policy

if TYPE_CHECKING:  # calibration imports this module
    from moderation.learning.calibration import Case

MIN_SUPPORT = 5  # flagged comments decided by moderators before saying anything


def on_topic_report(found: Sequence[Case], policy: Policy) -> dict[str, Any]:
    """How many flagged comments moderators published, whether the line looks too strict,
    and the max_flag_share to try instead."""
    flagged = [c for c in found if c.flagged_off_topic and c.moderator is not None]
    published = sum(c.moderator == Action.PUBLISH for c in flagged)
    share = policy.on_topic.max_flag_share
    too_strict = len(flagged) >= MIN_SUPPORT and 2 * published > len(flagged)
    return {
        "max_flag_share": share,
        "flagged_decided": len(flagged),
        "moderators_published": published,
        "moderators_rejected": len(flagged) - published,
        "too_strict": too_strict,
        "suggested_share": suggest_share(found, flagged, policy) if too_strict else None,
    }


def suggest_share(found: Sequence[Case], flagged: Sequence[Case], policy: Policy) -> float:
    """The share whose line stops below the flagged comments moderators mostly publish: the
    highest line under which moderators rejected at least half of the flagged comments, as a
    share of the published comments; without such a line, the share scaled by the flags'
    precision."""
    rules = policy.on_topic
    ordered = sorted(
        (c.on_topic, c.moderator == Action.PUBLISH) for c in flagged if c.on_topic is not None
    )
    line = next(
        (
            ordered[i][0]
            for i in range(len(ordered) - 1, MIN_SUPPORT - 1, -1)
            if 2 * sum(p for _, p in ordered[:i]) <= i
        ),
        None,
    )
    pool = [c for c in found if c.published and c.on_topic is not None]
    if line is None or not pool:
        rejected = sum(c.moderator == Action.REJECT for c in flagged)
        return round(rules.max_flag_share * rejected / len(flagged), 4)
    below = sum(
        c.confidence >= rules.min_confidence and c.on_topic is not None and c.on_topic < line
        for c in pool
    )
    return round(min(rules.max_flag_share, below / len(pool)), 4)
