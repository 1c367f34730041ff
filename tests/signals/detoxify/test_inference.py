"""Batched, length-sorted, windowed inference gives Detoxify's answers, and more for long texts."""

import pytest
from detoxify import Detoxify

from moderation.signals.detoxify.inference import (
    CPU_BATCH_TOKENS,
    CPU_PADDING_SHARE,
    Window,
    length_sorted_batches,
    predict,
    windows_of,
)
from moderation.signals.detoxify.model import (
    DetoxifyOptions,
    LoadedDetoxify,
    half_precision_embeddings,
    load_detoxify,
)
from tests.support.detoxify_checkpoint import UNBIASED_LABELS, TinyDetoxify
from tests.support.training_text import sentences

CIVIL = "Good reporting on the trade talks between both governments."
ABUSIVE = "You are a stupid idiot and a pathetic fool."


@pytest.fixture(scope="module")
def loaded(tiny_detoxify: TinyDetoxify) -> LoadedDetoxify:
    return load_detoxify(
        DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config)
    )


def test_windows_overlap_and_cover_everything() -> None:
    ids = list(range(1000))
    cut = windows_of(ids, width=510, overlap=64)
    assert [len(w) for w in cut] == [510, 510, 108]
    assert cut[1][0] == 446 and cut[-1][-1] == 999
    assert windows_of(ids[:10], width=510, overlap=64) == [ids[:10]]


def test_batches_are_sorted_by_length() -> None:
    windows = [Window(i, [0] * n) for i, n in enumerate([50, 3, 400, 7, 9, 300])]
    batches = length_sorted_batches(windows, batch_size=2, max_tokens=2048)
    assert [[len(w.ids) for w in b] for b in batches] == [[3, 7], [9, 50], [300, 400]]


def test_on_a_cpu_a_long_window_goes_alone_and_short_ones_together() -> None:
    windows = [Window(i, [0] * n) for i, n in enumerate([510, 60, 62, 300, 61, 200, 59])]
    batches = length_sorted_batches(windows, batch_size=8, max_tokens=CPU_BATCH_TOKENS)
    assert [[len(w.ids) for w in b] for b in batches] == [[59, 60, 61, 62], [200], [300], [510]]
    assert all(len(b) * (max(len(w.ids) for w in b) + 2) <= CPU_BATCH_TOKENS for b in batches)


def test_on_a_cpu_a_pass_pads_little() -> None:
    windows = [Window(i, [0] * n) for i, n in enumerate([60, 62, 120, 130, 3, 9])]
    padded = length_sorted_batches(windows, 8, max_tokens=4096)
    assert [[len(w.ids) for w in b] for b in padded] == [[3, 9, 60, 62, 120, 130]]
    batches = length_sorted_batches(windows, 8, 4096, padding=CPU_PADDING_SHARE)
    # 3 and 9 pad by 6 tokens (under the slack), 60 to 130 would pad by 44%.
    assert [[len(w.ids) for w in b] for b in batches] == [[3, 9], [60, 62], [120, 130]]


def test_scores_equal_detoxify_predict(loaded: LoadedDetoxify, tiny_detoxify: TinyDetoxify) -> None:
    texts = [CIVIL, ABUSIVE, *sentences(10, False, seed=9), *sentences(5, True, seed=10)]
    reference = Detoxify(
        checkpoint=str(tiny_detoxify.local_layout),
        huggingface_config_path=str(tiny_detoxify.hf_config),
    )
    half_precision_embeddings(reference.model)  # as ours: the batching is what is compared
    expected = reference.predict(texts)
    ours = predict(loaded, texts, batch_size=4)
    for label in UNBIASED_LABELS:
        assert [t.scores[label] for t in ours] == pytest.approx(expected[label], abs=1e-4)


def test_a_score_does_not_depend_on_its_batch_neighbours(loaded: LoadedDetoxify) -> None:
    alone = predict(loaded, [ABUSIVE])[0].scores
    among = predict(loaded, [CIVIL * 20, ABUSIVE, "ok"], batch_size=3)[1].scores
    assert among == pytest.approx(alone, abs=1e-4)


def test_abuse_at_the_end_of_a_long_comment_is_found(
    loaded: LoadedDetoxify, tiny_detoxify: TinyDetoxify
) -> None:
    long_text = " ".join(sentences(80, False, seed=11)) + " And you are a stupid idiot."
    [ours] = predict(loaded, [long_text])
    truncated = Detoxify(
        checkpoint=str(tiny_detoxify.local_layout),
        huggingface_config_path=str(tiny_detoxify.hf_config),
    ).predict(long_text)
    assert ours.windows > 1
    assert ours.scores["toxicity"] > 0.9
    assert truncated["toxicity"] < 0.5, "Detoxify alone cuts at 512 tokens and misses it"
