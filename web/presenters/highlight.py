"""The parts of a comment to highlight on its review card: what drove the model's score and
which watched words matched. The template escapes every piece."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moderation.kinds import ScorerName
from moderation.models import Signal


def marked_spans(signals: Iterable[Signal]) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every span worth a highlight."""
    spans: list[tuple[int, int, str]] = []
    for signal in signals:
        if signal.scorer == ScorerName.DETOXIFY:
            spans += [(s["start"], s["end"], "model") for s in signal.details.get("spans") or []]
        elif signal.scorer == ScorerName.WORDS:
            spans += [
                (m["start"], m["end"], f"word-{m['action']}")
                for m in signal.details.get("matches", [])
            ]
    return sorted(spans)


def segments(text: str, spans: Iterable[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """The text cut into (piece, kind or None); overlapping spans merge, the first kind wins."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for start, end, kind in spans:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            pieces.append((text[position:start], None))
        pieces.append((text[start:end], kind))
        position = end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def signal_summary(signal: Signal) -> str:
    """One line of what a cheap signal found, beyond its scores."""
    details: dict[str, Any] = signal.details or {}
    if signal.scorer == ScorerName.LINKS and details.get("domains"):
        return "links to " + ", ".join(details["domains"])
    if signal.scorer == ScorerName.BRIGADING and details.get("similar_comments"):
        return f"{len(details['similar_comments'])} similar comments by other authors"
    if signal.scorer == ScorerName.WORDS and details.get("matches"):
        return "matched " + ", ".join(sorted({m["pattern"] for m in details["matches"]}))
    if signal.scorer == ScorerName.RELEVANCE and details.get("shared_terms"):
        return f"shares with the {details.get('compared_with')}: " + ", ".join(
            details["shared_terms"][:8]
        )
    return ""
