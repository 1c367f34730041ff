"""The policy document as typed rules: what each section of the YAML means once read
(policy/reader.py reads it, checking every key by its path)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from moderation.errors import Invalid
from moderation.kinds import FailureMode

LINK_ACTIONS = ("review", "reject", "ignore")
WORD_ACTIONS = ("reject", "review", "flag", "ignore")


class PolicyError(Invalid):
    """The document is not a valid policy; the message lists every problem with its path."""


@dataclass(frozen=True)
class Band:
    """Publish below the first line, reject at or above the second, review between."""

    publish_below: float
    reject_above: float


@dataclass(frozen=True)
class OnTopic:
    """When a comment counts as off-topic."""

    min: float  # the built-in line, until enough published comments teach the site's own
    min_lexical: float
    min_confidence: float
    languages: tuple[str, ...]
    max_flag_share: float = 0.03  # share of genuine comments the learned line may flag
    learn_after: int = 200  # published comments (in 30 days) needed to learn a line


@dataclass(frozen=True)
class Links:
    """Link rules."""

    allow: tuple[str, ...]
    deny: tuple[str, ...]
    denied: str
    premoderate: bool
    max_links: int


@dataclass(frozen=True)
class Activity:
    """Repeat and rate rules (None: the rule is off)."""

    repeat_above: float | None
    per_hour_above: int | None
    per_hour_same_ip_above: int | None


@dataclass(frozen=True)
class PreModeration:
    """Who and what goes to review whatever the scores."""

    articles: tuple[str, ...]
    sections: tuple[str, ...]
    new_authors_until_approved: int
    rejection_rate_above: float | None
    rejection_rate_min_decisions: int


@dataclass(frozen=True)
class Trust:
    """Which authors may skip review for borderline comments."""

    skip_review: bool
    published_at_least: int
    rejection_rate_below: float


@dataclass(frozen=True)
class Readers:
    """What readers meet: the warning before posting, and hiding after their reports."""

    warn_lexical_above: float | None
    warn_word_actions: tuple[str, ...]
    hide_after_reports: int | None


@dataclass(frozen=True)
class Policy:
    """Every rule of a policy, and the version it was read from."""

    labels: dict[str, Band]
    lexical_review_above: float | None
    on_topic: OnTopic
    words: dict[str, str]
    links: Links
    activity: Activity
    brigading_other_authors: int | None
    premoderation: PreModeration
    trust: Trust
    identity_guard: bool
    identity_terms: dict[str, tuple[str, ...]]
    failure: dict[str, FailureMode]
    spot_check_share: float
    readers: Readers = Readers(0.8, ("reject", "review"), 3)
    note: str = ""
    version: str = field(default="builtin", compare=False)

    def band(self, label: str) -> Band:
        """The band of a Detoxify label."""
        return self.labels.get(label, self.labels["default"])

    @property
    def lowest_publish_line(self) -> float:
        """Below this no label is in review: the score from which explanations help."""
        return min(b.publish_below for b in self.labels.values())


def as_json(policy: Policy) -> str:
    """The rules in a stable JSON form (for showing and comparing)."""
    from dataclasses import asdict

    return json.dumps(asdict(policy), sort_keys=True, default=list)
