"""What every scorer receives and returns, and the loop that runs them all."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from moderation.kinds import ScorerName, ScorerState, SignalState
from moderation.signals.lanes import side_by_side

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthorContext:
    """What the author did before this comment."""

    recent_texts: tuple[str, ...] = ()  # their latest other comments, newest first
    last_hour: int = 0  # comments by the same author in the hour before this one
    last_hour_same_ip: int = 0  # comments from the same network address in that hour


@dataclass(frozen=True)
class ScoringInput:
    """A comment with the context a scorer may compare it against."""

    comment_id: str
    text: str
    article_title: str
    article_body: str
    article_section: str | None = None
    parent_text: str | None = None
    thread_text: str | None = None  # the comment that opened the thread, if not the parent
    author_id: str = ""
    author: AuthorContext = field(default_factory=AuthorContext)
    # Where the comment's discussion is found: the article's id, and the ids of the comments
    # it answers (their stored embeddings are reused instead of embedding their text again).
    article_id: str = ""
    parent_id: str | None = None
    thread_id: str | None = None
    discussion: tuple[str, ...] = ()  # other published comments' texts, when not stored


@dataclass(frozen=True)
class SignalResult:
    """One scorer's verdict on one comment."""

    scorer: str
    version: str
    state: SignalState
    scores: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the scores can be trusted."""
        return self.state is SignalState.OK


@dataclass(frozen=True)
class ScorerHealth:
    """What a scorer can say about itself, and why."""

    state: ScorerState
    version: str = ""
    detail: str = ""


class Scorer(Protocol):
    """Scores a batch of comments; never raises for one bad comment if it can avoid it."""

    name: ScorerName

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One result per input, in order."""
        ...

    def warm_up(self) -> None:
        """Load whatever the scorer needs now rather than at its first comment; never raises."""
        ...

    def health(self) -> ScorerHealth:
        """The scorer's current state, for /readyz and the review UI."""
        ...


class TextRescorer(Protocol):
    """Scores bare texts with the abuse model: the identity guard's swapped variants."""

    def score_texts(self, texts: Sequence[str]) -> list[dict[str, float]] | None:
        """Labels per text, or None when the model is not available."""
        ...


def failed(
    scorer: str,
    error: str,
    version: str = "",
    state: SignalState = SignalState.FAILED,
    **details: Any,
) -> SignalResult:
    """A result saying the check did not run, and why."""
    return SignalResult(scorer, version, state, error=error, details=details)


def run_scorers(
    scorers: Sequence[Scorer], inputs: Sequence[ScoringInput], lanes: int = 1
) -> list[dict[str, SignalResult]]:
    """Run every scorer on every input (no early exit), `lanes` scorers at a time (lanes.py);
    a crash becomes a failed signal."""
    results: list[dict[str, SignalResult]] = [{} for _ in inputs]
    timed = side_by_side(lambda scorer: _timed_batch(scorer, inputs), scorers, lanes)
    for scorer, (batch, elapsed) in zip(scorers, timed, strict=True):
        for slot, result in zip(results, batch, strict=True):
            slot[scorer.name] = dataclasses.replace(
                result, duration_ms=result.duration_ms or round(elapsed, 3)
            )
    return results


def _timed_batch(
    scorer: Scorer, inputs: Sequence[ScoringInput]
) -> tuple[list[SignalResult], float]:
    """One scorer's results and its milliseconds per input."""
    started = time.perf_counter()
    try:
        batch = scorer.score_batch(inputs)
    except Exception as exc:  # one broken scorer must not stop the others
        log.exception("scorer %s failed", scorer.name)
        batch = [failed(scorer.name, f"{type(exc).__name__}: {exc}") for _ in inputs]
    return batch, (time.perf_counter() - started) * 1000 / max(len(inputs), 1)
