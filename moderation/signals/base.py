"""What every scorer receives and returns, and the loop that runs them all."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Protocol

from moderation.kinds import ScorerName, ScorerState, SignalState
from moderation.signals.lanes import as_done

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
    """Scores a batch of comments; never raises for one bad comment if it can avoid it.

    A scorer whose class sets `divisible = True` scores each comment on its own, so that
    run_scorers may split its batch between lanes (Detoxify)."""

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


@dataclass(frozen=True)
class _Share:
    """What one lane runs at a time: a scorer on some of the batch's inputs."""

    scorer: Scorer
    indices: tuple[int, ...]


def run_scorers(
    scorers: Sequence[Scorer], inputs: Sequence[ScoringInput], lanes: int = 0
) -> list[dict[str, SignalResult]]:
    """Run every scorer on every input (no early exit), `lanes` at a time (lanes.py); a
    crash becomes a failed signal."""
    results: list[dict[str, SignalResult]] = [{} for _ in inputs]
    for ready in scored_as_ready(scorers, inputs, lanes):
        for index, signals in ready:
            results[index] = signals
    return results


Ready = list[tuple[int, dict[str, SignalResult]]]  # (an input's index, its signals by scorer)


def scored_as_ready(
    scorers: Sequence[Scorer], inputs: Sequence[ScoringInput], lanes: int = 0
) -> Generator[Ready, None, None]:
    """What run_scorers finds, a group of inputs at a time: each input as soon as every
    scorer is done with it, while the lanes go on with the rest. So a batch's short comments
    can be decided while a long one is still being scored."""
    if not inputs:  # a batch whose comments were all decided already: no scorer is asked
        return
    results: list[dict[str, SignalResult]] = [{} for _ in inputs]
    shares = _shares(scorers, inputs, lanes)
    unscored = Counter(index for share in shares for index in share.indices)
    if waiting_for_none := [i for i in range(len(inputs)) if not unscored[i]]:
        yield [(index, results[index]) for index in waiting_for_none]  # no scorers at all
    timed = as_done(
        lambda share: _timed_batch(share.scorer, [inputs[i] for i in share.indices]), shares, lanes
    )
    with closing(timed):  # a caller that stops early leaves no lane working for it
        for position, (batch, elapsed) in timed:
            share, ready = shares[position], []
            for index, result in zip(share.indices, batch, strict=True):
                results[index][share.scorer.name] = dataclasses.replace(
                    result, duration_ms=result.duration_ms or round(elapsed, 3)
                )
                unscored[index] -= 1
                if not unscored[index]:
                    ready.append(index)
            if ready:
                yield [(index, results[index]) for index in sorted(ready)]


def _shares(scorers: Sequence[Scorer], inputs: Sequence[ScoringInput], lanes: int) -> list[_Share]:
    """Each scorer on the whole batch, except that a divisible one's batch is cut in parts
    when there are lanes to share: one part starts first, the others come last, so a lane
    that is done with the other scorers takes one instead of idling while the longest model
    runs alone in the other."""
    whole = tuple(range(len(inputs)))
    first: list[_Share] = []
    last: list[_Share] = []
    for scorer in scorers:
        if lanes > 1 and getattr(scorer, "divisible", False):
            parts = length_parts([len(item.text) for item in inputs], 2 * lanes)
            # Longest texts first: they cost the most per character, and a part that ends
            # late leaves the other lane idle.
            head, *tail = [_Share(scorer, part) for part in reversed(parts)]
            first.append(head)
            last += tail
        else:
            first.append(_Share(scorer, whole))
    return first + last


def length_parts(lengths: Sequence[int], most: int) -> list[tuple[int, ...]]:
    """Indices of texts of these lengths cut into at most `most` parts of about the same total
    length, each a run of similar lengths (a model pads a pass to its longest text)."""
    # Small batches are cut too, down to a text per part: a steady trickle makes batches of a
    # few comments, and passes that pad little make a part of one comment cost no more than
    # its share of a bigger pass (int8 BERT-base, two lanes, batches of five: 15.2 comments/s
    # kept whole below 2,000 characters, 26.6 cut).
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    total = sum(length + 1 for length in lengths)
    count = max(1, min(most, len(order)))
    share = total / count
    parts: list[tuple[int, ...]] = []
    start, filled = 0, 0.0
    for position, index in enumerate(order[:-1]):
        filled += lengths[index] + 1
        if len(parts) < count - 1 and filled >= share * (len(parts) + 1):
            parts.append(tuple(order[start : position + 1]))
            start = position + 1
    return [*parts, tuple(order[start:])]


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
