"""Links in a comment: how many, to which domains, and whether a domain is allowed or denied.

Text is split on white space and each piece checked on its own with anchored patterns, so a
hostile comment cannot make a regular expression backtrack across the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from moderation.kinds import LinksDetails, ScorerName, ScorerState, SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult

LINK_COUNT = "links"  # the score: how many links the comment has

MAX_PIECE = 300  # longer pieces of text are not links a reader could follow anyway
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?::\d+)?(?:/\S*)?")
# Bare domains count only with a top-level domain readers and spammers actually use, so that
# "e.g." or "U.S." are not links.
_TLD_TEXT = """
    com net org info biz io co me tv cc xyz top site online club shop store app dev ly gl
    ru cn de uk fr es it nl pl br in jp au ca us eu ch se no dk fi be at cz pt gr tr ir pk
"""
COMMON_TLDS = frozenset(_TLD_TEXT.split())
_TRIM = "()[]{}<>\"'.,;:!?"


def domains(text: str) -> list[str]:
    """The domain of every link in `text`, in order (www. removed, lower case)."""
    found = []
    for piece in text.split():
        candidate = piece.strip(_TRIM)[:MAX_PIECE]
        if _URL.fullmatch(candidate):
            host = urlsplit(candidate if "://" in candidate else f"http://{candidate}").hostname
        elif (bare := _DOMAIN.fullmatch(candidate.lower())) and bare.group(1) in COMMON_TLDS:
            host = urlsplit(f"http://{candidate.lower()}").hostname
        else:
            continue
        if host:
            found.append(host.removeprefix("www."))
    return found


def listed(domain: str, entries: Iterable[str]) -> bool:
    """True when `domain` is an entry or a subdomain of one."""
    return any(domain == e or domain.endswith(f".{e}") for e in entries)


class LinkScorer:
    """Counts links and names their domains; the policy applies the allow and deny lists."""

    name = ScorerName.LINKS
    version = "links-2"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One signal per comment."""
        return [self.score_one(item.text) for item in inputs]

    def score_one(self, text: str) -> SignalResult:
        """The links of one comment."""
        found = domains(text)
        return SignalResult(
            self.name,
            self.version,
            SignalState.OK,
            {LINK_COUNT: float(len(found))},
            dict(LinksDetails(domains=sorted(set(found)))),
        )

    def warm_up(self) -> None:
        """Nothing to load."""

    def health(self) -> ScorerHealth:
        """Always ready."""
        return ScorerHealth(ScorerState.OK, self.version)
