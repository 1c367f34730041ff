"""How the embedding model runs: forward passes that carry little padding, bfloat16 where the
CPU computes it natively, on kernels a worker builds once per pass shape; the vectors stay
float32 rows of unit length."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from moderation.config import load_settings
from moderation.signals.relevance.article_vectors import MemoryStore
from moderation.signals.relevance.comment_vectors import MemoryComments
from moderation.signals.relevance.embeddings import (
    BF16_PAD_TOKENS,
    Embedder,
    load_embedder,
    native_bf16,
    pad_passes,
)
from moderation.signals.relevance.passes import MAX_PASS_TEXTS, PASS_COST_TOKENS, passes
from moderation.wiring import relevance_scorer
from tests.support.processes import REPO

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


def test_padded_passes_come_in_a_few_lengths_and_are_costed_as_padded(fp32: Any) -> None:
    model = load_embedder(bf16=False).model  # its own: padding changes the model's options
    pad_passes(model)
    padded = Embedder(model, "padded")
    texts = [SHORT, "Yes.", LONG, "The minister's answer on tolls was evasive at best."]
    seen: list[Any] = []
    hook = model[0].register_forward_pre_hook(lambda _, args: seen.append(args[0]["input_ids"]))
    try:
        found = padded.encode(texts)
    finally:
        hook.remove()
    assert {ids.shape[1] % BF16_PAD_TOKENS for ids in seen} == {0}
    assert all(length % BF16_PAD_TOKENS == 0 for length in padded.lengths(texts))
    exact = fp32.encode(texts)
    assert (found * exact).sum(axis=1).min() > 0.9999  # padding is masked out


# The worker's environment (workers/app.py), then two passes of one padded length.
KERNELS_OF_A_SECOND_PASS = """
import workers.app
from moderation.signals.relevance.embeddings import load_embedder
embedder = load_embedder()
embedder.encode(["A short comment about the pipeline."])
print("second pass", flush=True)
embedder.encode(["Another short one, on energy prices."])
"""


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no native bfloat16")
def test_in_a_worker_a_second_pass_of_the_same_shape_builds_no_kernels(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEDNN_", "MODQ_"))}
    env["ONEDNN_VERBOSE"] = "profile_create"  # a line per kernel built or found in the cache
    run = subprocess.run(
        [sys.executable, "-c", KERNELS_OF_A_SECOND_PASS],
        env=env | {"MODQ_VAR_DIR": str(tmp_path)},  # workers.app makes it
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    second = run.stdout.split("second pass", 1)[1].splitlines()
    assert any("create:cache_hit" in line for line in second), run.stdout[-2000:]
    assert not [line for line in second if "create:cache_miss" in line]


def test_passes_put_a_few_long_texts_apart_from_many_short_ones() -> None:
    # as many short texts as one pass takes, and two long ones
    lengths = [128, 12, 14, 128, 10] + [12] * (MAX_PASS_TEXTS - 3)
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
