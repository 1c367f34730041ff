"""The abuse scorer: lazy loading, failure memory, one signal per comment."""

from pathlib import Path

from moderation.kinds import SignalState
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
    scorer = scorer_for(tiny_detoxify)
    assert scorer.health().state == "not_loaded"
    scorer.warm_up()
    assert scorer.health().state == "ok"
    assert "hub_layout.ckpt@" in scorer.health().version
