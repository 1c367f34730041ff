"""How the embedding model runs: passes that carry little padding, bfloat16 where the CPU
computes it natively; the vectors stay float32 rows of unit length."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from moderation.config import load_settings
from moderation.signals.relevance.article_vectors import MemoryStore
from moderation.signals.relevance.comment_vectors import MemoryComments
from moderation.signals.relevance.embeddings import Embedder, native_bf16
from moderation.wiring import relevance_scorer

LONG = " ".join(["The pipeline decision will shape energy prices in Alberta for years."] * 12)
SHORT = "Agreed, the pipeline is a good idea."


def fp32(embedder: Any) -> Embedder:
    """The session's model, in float32."""
    return Embedder(embedder.model, embedder.name, bf16=False)


@pytest.fixture
def passes(embedder: Any) -> Iterator[list[Any]]:
    """The attention mask of every forward pass of the transformer, as it runs."""
    seen: list[Any] = []

    def record(module: Any, args: Any) -> None:
        seen.append(args[0]["attention_mask"])

    hook = embedder.model[0].register_forward_pre_hook(record)
    yield seen
    hook.remove()


def test_long_comments_do_not_pad_a_batch_of_short_ones(embedder: Any, passes: list[Any]) -> None:
    # A worker's batch: a few comments cut at 128 tokens among many short ones.
    embedder.encode([LONG] * 4 + [f"{SHORT} ({n})" for n in range(28)])
    real = sum(int(mask.sum()) for mask in passes)
    padded = sum(mask.numel() for mask in passes)
    assert padded < 2 * real, f"{padded} tokens through the model for {real}"


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no native bfloat16")
def test_on_a_cpu_with_native_bfloat16_the_linear_layers_run_in_it(embedder: Any) -> None:
    dtypes: set[torch.dtype] = set()
    layer = embedder.model[0].auto_model.encoder.layer[0].intermediate.dense
    hook = layer.register_forward_hook(lambda module, args, out: dtypes.add(out.dtype))
    try:
        embedder.encode([SHORT])
        assert dtypes == {torch.bfloat16}
        dtypes.clear()
        fp32(embedder).encode([SHORT])
        assert dtypes == {torch.float32}
    finally:
        hook.remove()


def test_vectors_are_float32_unit_rows_close_to_the_float32_model(embedder: Any) -> None:
    texts = [LONG, SHORT, "Banana bread needs walnuts.", "Football club sacks its manager."]
    found, exact = embedder.encode(texts), fp32(embedder).encode(texts)
    assert found.dtype == np.float32
    assert np.allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-6)
    assert (found * exact).sum(axis=1).min() > 0.999
    assert np.abs(found @ found.T - exact @ exact.T).max() < 0.01


def test_the_setting_turns_bfloat16_off() -> None:
    settings = load_settings({"MODQ_EMBEDDING_BF16": "false"})
    scorer = relevance_scorer(settings, MemoryStore(), MemoryComments())
    scorer.warm_up()
    assert scorer.model is not None and scorer.model.model is not None
    assert scorer.model.model.bf16 is False
