"""What the policy works with and hands back: the author's standing and the comment's
context in; reasons and the verdict out. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from moderation.kinds import Action
from moderation.policy.document import Policy
from moderation.policy.reasons import public_sentence
from moderation.policy.topic_line import LearnedLine

SEVERITY = {Action.PUBLISH: 0, Action.REVIEW: 1, Action.REJECT: 2}


@dataclass(frozen=True)
class AuthorStanding:
    """What the author's earlier comments came to."""

    published: int = 0
    rejected: int = 0
    recent_published: int = 0  # in the last 30 days
    recent_rejected: int = 0
    premoderated: bool = False  # a moderator asked to see all their comments
    banned_for: str | None = None  # the reason of a ban in force
    suspended_until: datetime | None = None  # the end of a suspension in force

    @property
    def recent_rejection_rate(self) -> float:
        """Rejected share of the recent decisions (0 without any)."""
        decided = self.recent_published + self.recent_rejected
        return self.recent_rejected / decided if decided else 0.0

    def trusted(self, policy: Policy) -> bool:
        """Enough published comments and few rejections."""
        rules = policy.trust
        decided = self.published + self.rejected
        rate = self.rejected / decided if decided else 1.0
        return self.published >= rules.published_at_least and rate < rules.rejection_rate_below


@dataclass(frozen=True)
class Context:
    """Where the comment was posted and by whom."""

    article_id: str = ""
    section: str | None = None
    author: AuthorStanding = field(default_factory=AuthorStanding)
    held: bool = False  # the stricter mode: no moderator on duty, or the queue too old
    topic_line: LearnedLine | None = None  # the on-topic line learned for the section


@dataclass(frozen=True)
class Reason:
    """Why: a code from the vocabulary, a detail for moderators, the action it calls for."""

    code: str
    message: str
    action: Action = Action.REVIEW

    def as_dict(self) -> dict[str, str]:
        """The stored and published form, with the sentence for the commenter."""
        return {"code": self.code, "message": self.message, "public": public_sentence(self.code)}


@dataclass(frozen=True)
class Verdict:
    """The policy's decision and the policy version that made it."""

    action: Action
    reasons: tuple[Reason, ...]
    policy_version: str = ""
