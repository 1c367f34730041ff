"""The abuse scorer: lazy loading, failure memory, one signal per comment."""

import shutil
from pathlib import Path

from moderation.kinds import ScorerState, SignalState
from moderation.signals.base import ScoringInput
from moderation.signals.detoxify.model import DetoxifyOptions
from moderation.signals.detoxify.scorer import DetoxifyScorer
from tests.support.detoxify_checkpoint import UNBIASED_LABELS, TinyDetoxify

CIVIL = "Good reporting on the trade talks between both governments."
ABUSIVE = "You are a stupid idiot and a pathetic fool."


def item(text: str) -> ScoringInput:
    return ScoringInput("c1", text, "Title", "Body")


def scorer_for(tiny: TinyDetoxify) -> DetoxifyScorer:
    return DetoxifyScorer(DetoxifyOptions("unbiased", tiny.hub_layout, tiny.hf_config))


def test_the_scorer_tells_abuse_from_civility(tiny_detoxify: TinyDetoxify) -> None:
    civil, abusive = scorer_for(tiny_detoxify).score_batch([item(CIVIL), item(ABUSIVE)])
    assert civil.state is abusive.state is SignalState.OK
    assert set(civil.scores) == set(UNBIASED_LABELS)
    assert max(civil.scores.values()) < 0.3
    assert abusive.scores["toxicity"] > 0.9
    assert abusive.details["top_label"] in ("toxicity", "insult")
    assert abusive.details["windows"] == 1


def test_no_weights_offline_means_failed_signals_saying_how_to_provide_them() -> None:
    scorer = DetoxifyScorer(DetoxifyOptions("unbiased"), retry_seconds=60)
    [result] = scorer.score_batch([item(CIVIL)])
    assert result.state is SignalState.FAILED
    assert (result.error or "").startswith(
        "model unavailable: Detoxify weights from the 'unbiased' release could not be loaded"
    )
    assert scorer.health().state is ScorerState.UNAVAILABLE
    assert "MODQ_DETOXIFY_CHECKPOINT" in scorer.health().detail


def test_a_restored_checkpoint_is_loaded_at_the_next_batch(
    tiny_detoxify: TinyDetoxify, tmp_path: Path
) -> None:
    """The files coming back ends the outage at once, not after the retry wait."""
    checkpoint = tmp_path / "restored.ckpt"
    options = DetoxifyOptions("unbiased", checkpoint, tiny_detoxify.hf_config)
    scorer = DetoxifyScorer(options, retry_seconds=3600, clock=lambda: 0.0)  # time stands still
    [missing] = scorer.score_batch([item(CIVIL)])
    assert missing.state is SignalState.FAILED
    shutil.copy(tiny_detoxify.hub_layout, checkpoint)
    [restored] = scorer.score_batch([item(CIVIL)])
    assert restored.state is SignalState.OK
    assert scorer.health().state is ScorerState.OK


def test_health_reports_the_loaded_version(tiny_detoxify: TinyDetoxify) -> None:
    scorer = scorer_for(tiny_detoxify)
    assert scorer.health().state is ScorerState.NOT_LOADED
    scorer.warm_up()
    assert scorer.health().state is ScorerState.OK
    assert "hub_layout.ckpt@" in scorer.health().version
