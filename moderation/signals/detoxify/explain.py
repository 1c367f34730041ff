"""Which parts of a comment drive its Detoxify score, found by occlusion within a time budget.

Each sentence (or, in a one-sentence comment, each run of a few words) is removed in turn and
the comment scored again; the parts whose removal lowers the top label's score most are the
ones a moderator should look at. All the variants of a comment go through the model as one
length-sorted batch.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from moderation.signals.detoxify.inference import predict
from moderation.signals.detoxify.model import BATCH_SIZE, LoadedDetoxify

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"\S+")
WORDS_PER_UNIT = 3
MAX_UNITS = 24  # more sentences than this are grouped, so a long comment costs no more
MIN_DROP = 0.1  # a part matters when removing it lowers the score by at least this much
MAX_SPANS = 5


@dataclass(frozen=True)
class Span:
    """A part of the comment and how much its removal lowered the score."""

    start: int
    end: int
    weight: float

    def as_dict(self, text: str) -> dict[str, object]:
        """The stored form, with the text of the span."""
        return {
            "start": self.start,
            "end": self.end,
            "weight": round(self.weight, 3),
            "text": text[self.start : self.end],
        }


def units(text: str) -> list[tuple[int, int]]:
    """The parts to remove one at a time: sentences, or word groups in a single sentence."""
    sentences = [m.span() for m in _SENTENCE.finditer(text) if m.group().strip()]
    if len(sentences) < 2:
        words = [m.span() for m in _WORD.finditer(text)]
        sentences = [
            (words[i][0], words[min(i + WORDS_PER_UNIT, len(words)) - 1][1])
            for i in range(0, len(words), WORDS_PER_UNIT)
        ]
    return _grouped(sentences, MAX_UNITS)


def _grouped(spans: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    size = -(-len(spans) // most) if spans else 1  # ceiling division
    return [
        (spans[i][0], spans[min(i + size, len(spans)) - 1][1]) for i in range(0, len(spans), size)
    ]


def explain(
    loaded: LoadedDetoxify, text: str, label: str, score: float, batch_size: int = BATCH_SIZE
) -> list[Span]:
    """The parts whose removal lowers `label`'s score most (at most MAX_SPANS)."""
    parts = units(text)
    if len(parts) < 2:
        return [Span(*parts[0], score)] if parts else []
    variants = [text[:a] + text[b:] for a, b in parts]
    without = predict(loaded, variants, batch_size)
    drops = [Span(a, b, score - w.scores[label]) for (a, b), w in zip(parts, without, strict=True)]
    kept = sorted((s for s in drops if s.weight >= MIN_DROP), key=lambda s: -s.weight)
    return sorted(kept[:MAX_SPANS], key=lambda s: s.start)


def explain_all(
    loaded: LoadedDetoxify,
    items: list[tuple[str, str, float]],
    budget_seconds: float,
    batch_size: int = 8,
) -> list[list[Span] | None]:
    """Explain each (text, label, score) in turn; None for those the budget did not reach."""
    deadline = time.monotonic() + budget_seconds
    results: list[list[Span] | None] = []
    for text, label, score in items:
        if time.monotonic() >= deadline:
            results.append(None)
            continue
        results.append(explain(loaded, text, label, score, batch_size))
    return results
