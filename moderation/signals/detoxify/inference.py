"""Detoxify inference built for throughput and for long comments.

Detoxify's own `predict` pads a list to its longest text and cuts every text at 512 tokens.
Here long texts are scored in overlapping windows (keeping each label's maximum, so abuse at
the end of a long comment counts), and windows are sorted by length before they are batched,
so a batch pads to similar lengths: in arrival order, one long comment makes a whole batch
slow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from moderation.signals.detoxify.model import BATCH_SIZE, LoadedDetoxify

MAX_TOKENS = 512
# Padded tokens per forward pass on a CPU (special tokens included): one long window, or eight
# of 64. Smaller passes lowered a BERT-base worker's peak memory (bench_detoxify's worker,
# fp32, two runs each: 1,232-1,241 MB at 2,048 tokens, 1,185-1,204 at 1,024, 1,147-1,193 at
# 512) and were no slower (6.0-6.5, 6.7-6.8 and 7.0 comments/s). A GPU takes `batch_size`
# windows per pass, however long (4,096 tokens at the default 8).
CPU_BATCH_TOKENS = 512
# On a CPU a window joins a pass only while the pass's padding stays under a quarter of its
# real tokens (or 16 tokens): batching saves little there (int8 BERT-base, one thread: 20.2
# comments/s one at a time, 20.6 in passes of eight), while padding costs in full (passes
# of up to eight without this limit: 14.7 comments/s in batches of three). A GPU pads freely.
CPU_PADDING_SHARE, CPU_PADDING_SLACK = 0.25, 16
OVERLAP_TOKENS = 64


@dataclass(frozen=True)
class Window:
    """Token ids (without special tokens) of one window of one text."""

    text_index: int
    ids: list[int]


@dataclass
class TextScores:
    """Each label's highest probability over a text's windows."""

    scores: dict[str, float] = field(default_factory=dict)
    windows: int = 0


def windows_of(ids: list[int], width: int, overlap: int) -> list[list[int]]:
    """`ids` cut into windows of at most `width` tokens, each overlapping the last."""
    if len(ids) <= width:
        return [ids]
    step = width - overlap
    return [ids[start : start + width] for start in range(0, len(ids) - overlap, step)]


def special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a single text ([CLS] ... [SEP], <s> ... </s>).

    Found by tokenizing a sample with and without them, which works for every tokenizer class
    (not all of them expose build_inputs_with_special_tokens in transformers 5).
    """
    sample = "special tokens probe"
    plain = tokenizer(sample, add_special_tokens=False)["input_ids"]
    full = tokenizer(sample)["input_ids"]
    start = next(i for i in range(len(full)) if full[i : i + len(plain)] == plain)
    return list(full[:start]), list(full[start + len(plain) :])


def text_windows(tokenizer: Any, texts: Sequence[str], overlap: int) -> list[Window]:
    """Every window of every text, in text order."""
    limit = min(getattr(tokenizer, "model_max_length", MAX_TOKENS), MAX_TOKENS)
    before, after = special_tokens(tokenizer)
    width = limit - len(before) - len(after)
    encoded = tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)
    return [
        Window(index, chunk)
        for index, ids in enumerate(encoded["input_ids"])
        for chunk in windows_of(ids, width, overlap)
    ]


def length_sorted_batches(
    windows: list[Window], batch_size: int, max_tokens: int, padding: float | None = None
) -> list[list[Window]]:
    """Windows shortest first, `batch_size` at a time but at most `max_tokens` per batch (so
    short comments go several at a time while long windows go fewer, which bounds the memory
    a forward pass takes) and, given `padding`, at most that share of a batch's real tokens
    (or CPU_PADDING_SLACK) in padding."""
    batches: list[list[Window]] = [[]]
    for window in sorted(windows, key=lambda w: len(w.ids)):
        current, longest = batches[-1], len(window.ids) + 2  # sorted: the batch's longest
        padded = (len(current) + 1) * longest
        real = sum(len(w.ids) + 2 for w in current) + longest
        if (
            len(current) < batch_size
            and padded <= max_tokens
            and _pads_little(padded, real, padding)
        ):
            current.append(window)
        else:
            batches.append([window])
    return [batch for batch in batches if batch]


def _pads_little(padded: int, real: int, padding: float | None) -> bool:
    """Whether a pass of `padded` tokens, `real` of them the windows', pads within the limit."""
    return padding is None or padded - real <= max(padding * real, CPU_PADDING_SLACK)


def forward(loaded: LoadedDetoxify, batch: list[Window]) -> Any:
    """Label probabilities (a tensor, one row per window) in one forward pass."""
    import torch

    before, after = special_tokens(loaded.tokenizer)
    rows = [before + w.ids + after for w in batch]
    width = max(len(row) for row in rows)
    pad = loaded.tokenizer.pad_token_id
    input_ids = torch.tensor([row + [pad] * (width - len(row)) for row in rows])
    attention = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in rows])
    with torch.inference_mode():
        logits = loaded.model(
            input_ids=input_ids.to(loaded.device), attention_mask=attention.to(loaded.device)
        )[0]
    # 'unbiased' has 16 outputs: its 7 labels, then identity columns Detoxify ignores.
    return torch.sigmoid(logits[:, : len(loaded.labels)]).cpu()


def predict(
    loaded: LoadedDetoxify,
    texts: Sequence[str],
    batch_size: int = BATCH_SIZE,
    overlap: int = OVERLAP_TOKENS,
) -> list[TextScores]:
    """Each text's label probabilities: the maximum over its windows."""
    results = [TextScores() for _ in texts]
    windows = text_windows(loaded.tokenizer, texts, overlap)
    on_cpu = loaded.device == "cpu"
    cap = CPU_BATCH_TOKENS if on_cpu else batch_size * MAX_TOKENS
    padding = CPU_PADDING_SHARE if on_cpu else None
    for batch in length_sorted_batches(windows, batch_size, cap, padding):
        for window, row in zip(batch, forward(loaded, batch).tolist(), strict=True):
            result = results[window.text_index]
            result.windows += 1
            for label, probability in zip(loaded.labels, row, strict=True):
                result.scores[label] = round(max(result.scores.get(label, 0.0), probability), 6)
    return results
