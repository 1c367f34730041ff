"""The real Detoxify package, loading and predicting with the test-built checkpoint."""

from pathlib import Path

import pytest
from detoxify import Detoxify

from moderation.abuse import (
    DetoxifyOptions,
    DetoxifyScorer,
    ModelUnavailable,
    load_detoxify,
    predict,
)
from moderation.scoring import ScoringInput, SignalState
from tests.detoxify_checkpoint import UNBIASED_LABELS, TinyDetoxify

CIVIL = "Good reporting on the trade talks between both governments."
ABUSIVE = "You are a stupid idiot and a pathetic fool."


def item(text: str) -> ScoringInput:
    return ScoringInput("c1", text, "Title", "Body")


def local(tiny: TinyDetoxify, checkpoint: Path | None = None) -> DetoxifyOptions:
    return DetoxifyOptions("unbiased", checkpoint or tiny.hub_layout, tiny.hf_config, "cpu")


def test_released_layout_does_not_load_offline_through_detoxify_alone(
    tiny_detoxify: TinyDetoxify,
) -> None:
    # detoxify 0.5.4 asks the hub for model_type's config even with huggingface_config_path.
    # If this starts passing, Detoxify fixed the gap and our work-around can go.
    with pytest.raises(OSError):
        Detoxify(
            checkpoint=str(tiny_detoxify.hub_layout),
            huggingface_config_path=str(tiny_detoxify.hf_config),
        )


def test_released_layout_loads_offline_through_our_loader(tiny_detoxify: TinyDetoxify) -> None:
    loaded = load_detoxify(local(tiny_detoxify))
    assert loaded.labels == tuple(UNBIASED_LABELS)
    assert loaded.version.startswith("detoxify-0.5.4/hub_layout.ckpt@")


def test_our_scores_equal_detoxify_predict(tiny_detoxify: TinyDetoxify) -> None:
    reference = Detoxify(
        checkpoint=str(tiny_detoxify.local_layout),
        huggingface_config_path=str(tiny_detoxify.hf_config),
    )
    expected = reference.predict([CIVIL, ABUSIVE])
    ours = predict(load_detoxify(local(tiny_detoxify)), [CIVIL, ABUSIVE])
    for label in UNBIASED_LABELS:
        assert [row[label] for row in ours] == pytest.approx(expected[label], abs=1e-5)


def test_the_model_tells_abuse_from_civility(tiny_detoxify: TinyDetoxify) -> None:
    scorer = DetoxifyScorer(local(tiny_detoxify))
    civil, abusive = scorer.score_batch([item(CIVIL), item(ABUSIVE)])
    assert civil.state is abusive.state is SignalState.OK
    assert set(civil.scores) == set(UNBIASED_LABELS)
    assert max(civil.scores.values()) < 0.3
    assert abusive.scores["toxicity"] > 0.9
    assert abusive.details["top_label"] in ("toxicity", "insult")


def test_texts_longer_than_the_model_window_are_truncated_not_fatal(
    tiny_detoxify: TinyDetoxify,
) -> None:
    [result] = DetoxifyScorer(local(tiny_detoxify)).score_batch([item("word " * 3000)])
    assert result.state is SignalState.OK


def test_missing_weights_fail_with_what_is_missing_and_how_to_provide_it(tmp_path: Path) -> None:
    options = DetoxifyOptions("unbiased", tmp_path / "nope.ckpt", tmp_path, "cpu")
    with pytest.raises(ModelUnavailable) as raised:
        load_detoxify(options)
    message = str(raised.value)
    assert "MODQ_DETOXIFY_CHECKPOINT=" in message and "is not a file" in message
    assert "MODQ_DETOXIFY_HF_CONFIG" in message


def test_a_config_folder_without_config_json_is_named(
    tiny_detoxify: TinyDetoxify, tmp_path: Path
) -> None:
    options = DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tmp_path, "cpu")
    with pytest.raises(ModelUnavailable, match=r"has no config\.json"):
        load_detoxify(options)


def test_no_weights_offline_means_failed_signals_and_a_retry_later(tmp_path: Path) -> None:
    clock = [0.0]
    scorer = DetoxifyScorer(DetoxifyOptions("unbiased"), retry_seconds=60, clock=lambda: clock[0])
    [result] = scorer.score_batch([item(CIVIL)])
    assert result.state is SignalState.FAILED
    assert (result.error or "").startswith(
        "model unavailable: Detoxify weights from the 'unbiased' release could not be loaded"
    )
    assert scorer.health().state == "unavailable"
    assert "MODQ_DETOXIFY_CHECKPOINT" in scorer.health().detail
    first_failure = scorer._failed_at
    clock[0] = 30.0
    scorer.score_batch([item(CIVIL)])
    assert scorer._failed_at == first_failure, "no new attempt inside the retry window"
    clock[0] = 61.0
    scorer.score_batch([item(CIVIL)])
    assert scorer._failed_at == 61.0, "a new attempt after the window"


def test_health_reports_the_loaded_version(tiny_detoxify: TinyDetoxify) -> None:
    scorer = DetoxifyScorer(local(tiny_detoxify))
    assert scorer.health().state == "not_loaded"
    scorer.warm_up()
    assert scorer.health().state == "ok"
    assert "hub_layout.ckpt@" in scorer.health().version
