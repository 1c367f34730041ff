"""On-topic lines learned from a site's own published comments. Pure; no I/O.

A score threshold means different things on different sites: where articles are a title and a
sentence, or all about the same subject, genuine comments score lower than where articles are
long and varied. So the policy states the share of genuine comments the site accepts to see
flagged (`on_topic.max_flag_share`), and the line is the score under which that share of its
recently published comments fall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SITE = ""  # the section name of the site-wide line


@dataclass(frozen=True)
class LearnedLine:
    """A line learned for a section (or the whole site), for one version of the scorer."""

    value: float
    share: float
    comments: int
    section: str
    version: str

    def applies_to(self, version: str) -> bool:
        """True for signals of the scorer version it was learned from."""
        return self.version == version


def learn(scored: Sequence[tuple[float, float]], share: float, min_confidence: float) -> float:
    """The score under which `share` of these published comments (on_topic, confidence) fall;
    a comment too unsure to be called off-topic counts as one the line never flags."""
    confident = sorted(score for score, sure in scored if sure >= min_confidence)
    if not confident:
        return float("-inf")
    return confident[min(int(share * len(scored)), len(confident) - 1)]


def line_for(lines: Mapping[str, LearnedLine], section: str | None) -> LearnedLine | None:
    """The section's own line when it has one, else the site's."""
    return lines.get(section or SITE) or lines.get(SITE)
