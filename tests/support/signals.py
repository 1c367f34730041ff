"""Signals and policies for the policy tests."""

from typing import Any

from moderation.kinds import SignalState
from moderation.policy.reader import load
from moderation.signals.base import SignalResult
from tests.support.detoxify_checkpoint import UNBIASED_LABELS

POLICY = load()  # the built-in policy
LABELS = tuple(UNBIASED_LABELS)  # the default variant's labels


def ok(scorer: str, scores: dict[str, float], **details: Any) -> SignalResult:
    return SignalResult(scorer, "v", SignalState.OK, scores, details)


def abuse(**scores: float) -> SignalResult:
    return ok("detoxify", {label: 0.01 for label in LABELS} | scores)


def relevance(
    score: float = 0.6, confidence: float = 1.0, parent: bool = False, **details: Any
) -> SignalResult:
    scores = {"article": score, "on_topic": score} | ({"parent": score} if parent else {})
    return ok("relevance", scores, confidence=confidence, language="en", **details)


def signals(*results: SignalResult) -> dict[str, SignalResult]:
    return {r.scorer: r for r in results}


def clean(*extra: SignalResult) -> dict[str, SignalResult]:
    return signals(abuse(), relevance(), *extra)


def codes(verdict: Any) -> list[str]:
    return [r.code for r in verdict.reasons]


def policy(yaml: str) -> Any:
    return load(yaml)
