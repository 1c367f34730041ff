"""Abuse scores from Detoxify: loaded lazily, once per process, online or from local files.

torch, transformers and detoxify are imported inside functions so that importing this module
(as the web process does, indirectly) costs nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.scoring import ScorerHealth, ScoringInput, SignalResult, SignalState, failed

log = logging.getLogger(__name__)

# Detoxify renames these labels when it loads a checkpoint; we do the same on our offline path.
_STANDARD_LABELS = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}
MAX_TOKENS = 512

HOW_TO_PROVIDE = (
    "On a machine with internet access the weights download on first use. Offline, set "
    "MODQ_DETOXIFY_CHECKPOINT to a Detoxify .ckpt file and MODQ_DETOXIFY_HF_CONFIG to a folder "
    "holding the matching Hugging Face config.json and tokenizer files (README: 'Offline models')."
)


class ModelUnavailable(RuntimeError):
    """The model could not be loaded: `what` is missing, and how to provide it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} {HOW_TO_PROVIDE}")
        self.what = what


@dataclass(frozen=True)
class DetoxifyOptions:
    """Which Detoxify model to load and where."""

    variant: str = "unbiased"
    checkpoint: Path | None = None
    hf_config: Path | None = None
    device: str = "cpu"


@dataclass(frozen=True)
class LoadedDetoxify:
    """A Detoxify model ready for inference."""

    model: Any
    tokenizer: Any
    labels: tuple[str, ...]
    version: str
    device: str


def load_detoxify(options: DetoxifyOptions) -> LoadedDetoxify:
    """Load the configured model, or raise ModelUnavailable explaining what is missing."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # log noise
    try:
        if options.checkpoint is not None and options.hf_config is not None:
            return _load_local(options.checkpoint, options.hf_config, options.device)
        return _load_with_detoxify(options)
    except ModelUnavailable:
        raise
    except Exception as exc:
        source = options.checkpoint or f"the '{options.variant}' release"
        raise ModelUnavailable(
            f"Detoxify weights from {source} could not be loaded "
            f"({type(exc).__name__}: {_first_line(exc)})."
        ) from exc


def _load_with_detoxify(options: DetoxifyOptions) -> LoadedDetoxify:
    from detoxify import Detoxify

    if options.checkpoint is not None:
        _require_file(options.checkpoint)
    detox = Detoxify(
        options.variant,
        checkpoint=options.checkpoint and str(options.checkpoint),
        device=options.device,
    )
    source = options.checkpoint.name if options.checkpoint else options.variant
    return LoadedDetoxify(
        detox.model.eval(),
        detox.tokenizer,
        tuple(detox.class_names),
        _version(source),
        options.device,
    )


def _load_local(checkpoint: Path, hf_config: Path, device: str) -> LoadedDetoxify:
    """Detoxify's own loader, fed a checkpoint whose model_type points at the local folder.

    detoxify 0.5.4 asks `from_pretrained(model_type)` for the config even when given
    `huggingface_config_path`, and real checkpoints store a hub name there ('roberta-base'),
    so they cannot load offline as shipped. Pointing model_type at the local folder makes
    every lookup local and keeps `num_labels` from the checkpoint.
    """
    import torch
    from detoxify.detoxify import get_model_and_tokenizer

    _require_file(checkpoint)
    if not (hf_config / "config.json").is_file():
        raise ModelUnavailable(f"MODQ_DETOXIFY_HF_CONFIG={hf_config} has no config.json.")
    loaded = torch.load(checkpoint, map_location=device, weights_only=False)
    arch = {**loaded["config"]["arch"]["args"], "model_type": str(hf_config)}
    model, tokenizer = get_model_and_tokenizer(**arch, state_dict=loaded["state_dict"])
    labels = [_STANDARD_LABELS.get(c, c) for c in loaded["config"]["dataset"]["args"]["classes"]]
    version = _version(f"{checkpoint.name}@{_sha256_prefix(checkpoint)}")
    return LoadedDetoxify(model.to(device).eval(), tokenizer, tuple(labels), version, device)


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise ModelUnavailable(f"MODQ_DETOXIFY_CHECKPOINT={path} is not a file.")


def _version(source: str) -> str:
    from importlib.metadata import version

    return f"detoxify-{version('detoxify')}/{source}"


def _sha256_prefix(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def predict(loaded: LoadedDetoxify, texts: Sequence[str]) -> list[dict[str, float]]:
    """Every label's probability for each text, in one forward pass (as Detoxify.predict does)."""
    import torch

    limit = min(getattr(loaded.tokenizer, "model_max_length", MAX_TOKENS), MAX_TOKENS)
    with torch.inference_mode():
        encoded = loaded.tokenizer(
            list(texts), return_tensors="pt", truncation=True, padding=True, max_length=limit
        ).to(loaded.device)
        probabilities = torch.sigmoid(loaded.model(**encoded)[0]).cpu()
    width = len(loaded.labels)  # 'unbiased' has 16 outputs; the first 7 are the labels
    return [
        {label: round(float(p), 6) for label, p in zip(loaded.labels, row[:width], strict=True)}
        for row in probabilities
    ]


class DetoxifyScorer:
    """The abuse scorer: loads its model on first use and remembers a failure for a while."""

    name = "detoxify"

    def __init__(
        self,
        options: DetoxifyOptions,
        retry_seconds: float = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options, self.retry_seconds, self.clock = options, retry_seconds, clock
        self._loaded: LoadedDetoxify | None = None
        self._failure: ModelUnavailable | None = None
        self._failed_at = 0.0

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """Detoxify's labels for each comment, or a failed signal saying why there are none."""
        loaded = self.ensure_loaded()
        if loaded is None:
            what = self._failure.what if self._failure else "not loaded"
            return [failed(self.name, f"model unavailable: {what}") for _ in inputs]
        rows = predict(loaded, [item.text for item in inputs])
        return [
            SignalResult(
                self.name,
                loaded.version,
                SignalState.OK,
                row,
                {"top_label": max(row, key=row.__getitem__)},
            )
            for row in rows
        ]

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
        """Load the model now (a failure is remembered, not raised)."""
        self.ensure_loaded()

    def _waiting_after_failure(self) -> bool:
        return self._failure is not None and self.clock() - self._failed_at < self.retry_seconds

    def health(self) -> ScorerHealth:
        """ok with the model version, unavailable with the reason, or not_loaded yet."""
        if self._loaded is not None:
            return ScorerHealth("ok", self._loaded.version, ", ".join(self._loaded.labels))
        if self._failure is not None:
            return ScorerHealth("unavailable", "", str(self._failure))
        return ScorerHealth("not_loaded", "", "the model loads when the first comment is scored")
