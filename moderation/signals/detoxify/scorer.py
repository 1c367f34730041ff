"""The abuse scorer: Detoxify's labels for every comment, loaded lazily once per process."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from moderation.kinds import SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult, failed
from moderation.signals.detoxify.explain import explain_all
from moderation.signals.detoxify.inference import TextScores, predict
from moderation.signals.detoxify.model import (
    DetoxifyOptions,
    LoadedDetoxify,
    ModelUnavailable,
    load_detoxify,
)

log = logging.getLogger(__name__)
WARM_UP_LENGTHS = (4, 16, 32, 64, 128, 256, 400, 500)  # words


class DetoxifyScorer:
    """The abuse scorer: loads its model on first use and remembers a failure for a while."""

    name = "detoxify"

    def __init__(
        self,
        options: DetoxifyOptions,
        retry_seconds: float = 300,
        clock: Callable[[], float] = time.monotonic,
        explain_above: float | Callable[[], float] = 1.0,
        explain_budget_ms: int = 2000,
    ) -> None:
        self.options, self.retry_seconds, self.clock = options, retry_seconds, clock
        # A callable follows the active policy's lowest publish line as it changes.
        self._explain_above = explain_above if callable(explain_above) else lambda: explain_above
        self.explain_budget_ms = explain_budget_ms
        self._loaded: LoadedDetoxify | None = None
        self._failure: ModelUnavailable | None = None
        self._failed_at = 0.0

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """Detoxify's labels for each comment, or a failed signal saying why there are none."""
        loaded = self.ensure_loaded()
        if loaded is None:
            what = self._failure.what if self._failure else "not loaded"
            return [failed(self.name, f"model unavailable: {what}") for _ in inputs]
        predictions = predict(loaded, [item.text for item in inputs], self.options.batch_size)
        signals = [self._signal(loaded, p) for p in predictions]
        self._explain(loaded, inputs, signals)
        return signals

    def _signal(self, loaded: LoadedDetoxify, prediction: TextScores) -> SignalResult:
        scores = prediction.scores
        details = {
            "top_label": max(scores, key=scores.__getitem__),
            "windows": prediction.windows,
            "batch_size": self.options.batch_size,
        }
        return SignalResult(self.name, loaded.version, SignalState.OK, scores, details)

    def _explain(
        self, loaded: LoadedDetoxify, inputs: Sequence[ScoringInput], signals: list[SignalResult]
    ) -> None:
        """Add the spans behind every score at or above `explain_above` (within the budget)."""
        line = self._explain_above()
        chosen = [i for i, s in enumerate(signals) if s.scores[s.details["top_label"]] >= line]
        items = [
            (
                inputs[i].text,
                signals[i].details["top_label"],
                signals[i].scores[signals[i].details["top_label"]],
            )
            for i in chosen
        ]
        found = explain_all(loaded, items, self.explain_budget_ms / 1000, self.options.batch_size)
        for i, spans in zip(chosen, found, strict=True):
            signals[i].details["spans"] = (
                [s.as_dict(inputs[i].text) for s in spans] if spans is not None else None
            )
            if spans is None:
                signals[i].details["explanation"] = "skipped: the time budget was spent"

    def score_texts(self, texts: Sequence[str]) -> list[dict[str, float]] | None:
        """Labels for bare texts (the identity guard's variants), or None without a model."""
        loaded = self.ensure_loaded()
        if loaded is None:
            return None
        return [p.scores for p in predict(loaded, texts, self.options.batch_size)]

    def ensure_loaded(self) -> LoadedDetoxify | None:
        """Load the model unless it is loaded, or failed less than `retry_seconds` ago."""
        if self._loaded is None and not self._waiting_after_failure():
            started = time.perf_counter()
            try:
                self._loaded = load_detoxify(self.options)
                self._failure = None
                log.info("loaded %s in %.1fs", self._loaded.version, time.perf_counter() - started)
            except ModelUnavailable as exc:
                self._failure, self._failed_at = exc, self.clock()
                log.error("%s", exc)
        return self._loaded

    def warm_up(self) -> None:
        """Load the model and run it once on a few lengths (a failure is remembered, not
        raised): the first forward passes of a process are slow, and they should not be a
        reader's comments."""
        loaded = self.ensure_loaded()
        if loaded is not None:
            predict(
                loaded, [" ".join(["warm"] * n) for n in WARM_UP_LENGTHS], self.options.batch_size
            )

    def _waiting_after_failure(self) -> bool:
        return self._failure is not None and self.clock() - self._failed_at < self.retry_seconds

    def health(self) -> ScorerHealth:
        """ok with the model version, unavailable with the reason, or not_loaded yet."""
        if self._loaded is not None:
            return ScorerHealth("ok", self._loaded.version, ", ".join(self._loaded.labels))
        if self._failure is not None:
            return ScorerHealth("unavailable", "", str(self._failure))
        return ScorerHealth("not_loaded", "", "the model loads when the first comment is scored")
