"""The abuse scorer: Detoxify's labels for every comment, loaded lazily once per process."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from moderation.kinds import DetoxifyDetails, ScorerName, ScorerState, SignalState, Span
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult, failed
from moderation.signals.detoxify.explain import explain_all
from moderation.signals.detoxify.inference import TextScores, predict
from moderation.signals.detoxify.model import DetoxifyOptions, LoadedDetoxify, load_detoxify
from moderation.signals.loading import LazyModel

log = logging.getLogger(__name__)
WARM_UP_LENGTHS = (4, 16, 32, 64, 128, 256, 400, 500)  # words
# A signal's `explanation` until the explain task has added its spans.
EXPLANATION_PENDING = "pending"
EXPLANATION_SKIPPED = "skipped: the time budget was spent"


class DetoxifyScorer:
    """The abuse scorer: Detoxify, loaded on first use (see `LazyModel` for retries)."""

    name = ScorerName.DETOXIFY
    divisible = True  # each text is scored alone: lanes may share a batch (signals/base.py)

    def __init__(
        self,
        options: DetoxifyOptions,
        retry_seconds: float = 300,
        clock: Callable[[], float] = time.monotonic,
        explain_above: float | Callable[[], float] = 1.0,
        explain_budget_ms: int = 2000,
    ) -> None:
        self.options = options
        watched = [Path(p) for p in (options.checkpoint, options.hf_config) if p]
        self.model = LazyModel(
            lambda: load_detoxify(options),
            what=f"Detoxify ({options.variant})",
            watched=watched,
            max_retry_seconds=retry_seconds,
            clock=clock,
        )
        # A callable follows the active policy's lowest publish line as it changes.
        self._explain_above = explain_above if callable(explain_above) else lambda: explain_above
        self.explain_budget_ms = explain_budget_ms

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """Detoxify's labels for each comment, or a failed signal saying why there are none."""
        loaded = self.model.get()
        if loaded is None:
            what = self.model.problem or "not loaded"
            return [failed(self.name, f"model unavailable: {what}") for _ in inputs]
        predictions = predict(loaded, [item.text for item in inputs], self.options.batch_size)
        signals = [self._signal(loaded, p) for p in predictions]
        self._mark_for_explanation(signals)
        return signals

    def _signal(self, loaded: LoadedDetoxify, prediction: TextScores) -> SignalResult:
        scores = prediction.scores
        details: DetoxifyDetails = {
            "top_label": max(scores, key=scores.__getitem__),
            "windows": prediction.windows,
            "batch_size": self.options.batch_size,
        }
        return SignalResult(self.name, loaded.version, SignalState.OK, scores, dict(details))

    def _mark_for_explanation(self, signals: list[SignalResult]) -> None:
        """Mark every score at or above `explain_above` as waiting for its spans: occlusion
        runs later, in the explain task, so it never delays a decision."""
        if self.explain_budget_ms <= 0:
            return
        line = self._explain_above()
        for signal in signals:
            if signal.scores[signal.details["top_label"]] >= line:
                signal.details["explanation"] = EXPLANATION_PENDING

    def explain(self, items: Sequence[tuple[str, str, float]]) -> list[list[Span] | None] | None:
        """The spans behind each (text, label, score), None for those the budget did not
        reach; None in all without a model."""
        loaded = self.model.get()
        if loaded is None:
            return None
        found = explain_all(
            loaded, list(items), self.explain_budget_ms / 1000, self.options.batch_size
        )
        return [
            [cast(Span, s.as_dict(text)) for s in spans] if spans is not None else None
            for (text, _, _), spans in zip(items, found, strict=True)
        ]

    def score_texts(self, texts: Sequence[str]) -> list[dict[str, float]] | None:
        """Labels for bare texts (the identity guard's variants), or None without a model."""
        loaded = self.model.get()
        if loaded is None:
            return None
        return [p.scores for p in predict(loaded, texts, self.options.batch_size)]

    def warm_up(self) -> None:
        """Load the model and run it once on a few lengths (a failure is remembered, not
        raised): the first forward passes of a process are slow, and they should not be a
        reader's comments."""
        loaded = self.model.get()
        if loaded is not None:
            predict(
                loaded, [" ".join(["warm"] * n) for n in WARM_UP_LENGTHS], self.options.batch_size
            )

    def health(self) -> ScorerHealth:
        """ok with the model version, unavailable with the reason, or not_loaded yet."""
        loaded = self.model.model
        if loaded is not None:
            return ScorerHealth(ScorerState.OK, loaded.version, ", ".join(loaded.labels))
        if self.model.problem is not None:
            return ScorerHealth(ScorerState.UNAVAILABLE, "", self.model.problem)
        return ScorerHealth(ScorerState.NOT_LOADED, "", "it loads when the first comment is scored")
