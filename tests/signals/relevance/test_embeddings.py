"""How the embedding model runs: forward passes that carry little padding, bfloat16 where the
CPU computes it natively; the vectors stay float32 rows of unit length."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from moderation.config import load_settings
from moderation.signals.relevance.article_vectors import MemoryStore
from moderation.signals.relevance.comment_vectors import MemoryComments
from moderation.signals.relevance.embeddings import load_embedder, native_bf16
from moderation.signals.relevance.passes import MAX_PASS_TEXTS, PASS_COST_TOKENS, passes
from moderation.wiring import relevance_scorer

LONG = " ".join(["The pipeline decision will shape energy prices in Alberta for years."] * 12)
SHORT = "Agreed, the pipeline is a good idea."


@pytest.fixture(scope="module")
def fp32() -> Any:
    """The bundled model in float32."""
    return load_embedder(bf16=False)


@pytest.fixture
def forwards(embedder: Any) -> Iterator[list[Any]]:
    """The attention mask of every forward pass of the transformer, as it runs."""
    seen: list[Any] = []

    def record(module: Any, args: Any) -> None:
        seen.append(args[0]["attention_mask"])

    hook = embedder.model[0].register_forward_pre_hook(record)
    yield seen
    hook.remove()


def test_long_comments_do_not_pad_a_batch_of_short_ones(embedder: Any, forwards: list[Any]) -> None:
    # A worker's batch: a few comments cut at 128 tokens among many short ones.
    embedder.encode([LONG] * 4 + [f"{SHORT} ({n})" for n in range(28)])
    real = sum(int(mask.sum()) for mask in forwards)
    padded = sum(mask.numel() for mask in forwards)
    assert padded < 2 * real, f"{padded} tokens through the model for {real}"


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no native bfloat16")
def dtypes(embedder: Any) -> set[torch.dtype]:
    """What a layer of the model computes in."""
    found: set[torch.dtype] = set()
    layer = embedder.model[0].auto_model.encoder.layer[0].intermediate.dense
    hook = layer.register_forward_hook(lambda module, args, out: found.add(out.dtype))
    try:
        embedder.encode([SHORT])
    finally:
        hook.remove()
    return found


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no native bfloat16")
def test_on_a_cpu_with_native_bfloat16_the_model_runs_in_it(embedder: Any, fp32: Any) -> None:
    assert dtypes(embedder) == {torch.bfloat16}
    assert dtypes(fp32) == {torch.float32}


def test_vectors_are_float32_unit_rows_close_to_the_float32_model(embedder: Any, fp32: Any) -> None:
    texts = [LONG, SHORT, "Banana bread needs walnuts.", "Football club sacks its manager."]
    found, exact = embedder.encode(texts), fp32.encode(texts)
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


def test_passes_put_a_few_long_texts_apart_from_many_short_ones() -> None:
    lengths = [128, 12, 14, 128, 10] + [12] * 27
    found = passes(lengths)
    assert sorted(i for chosen in found for i in chosen) == list(range(len(lengths)))
    assert found[0] == [0, 3]
    assert len(found) == 2


def test_texts_of_similar_lengths_share_one_pass() -> None:
    assert passes([60, 64, 58, 61]) == [[1, 3, 0, 2]]
    assert passes([]) == []


def test_a_pass_holds_at_most_max_pass_texts() -> None:
    found = passes([20] * (MAX_PASS_TEXTS * 2 + 1))
    assert [len(chosen) for chosen in found] == [1, MAX_PASS_TEXTS, MAX_PASS_TEXTS]


def test_a_pass_is_split_only_when_it_saves_more_than_a_pass_costs() -> None:
    saved = PASS_COST_TOKENS // 100  # splitting [100, 1, 1, ...] saves ~99 tokens per short text
    assert len(passes([100] + [1] * saved)) == 1
    assert len(passes([100] + [1] * (saved + 1))) == 2
