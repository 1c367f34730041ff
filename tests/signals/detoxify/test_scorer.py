"""The abuse scorer: lazy loading, failure memory, one signal per comment."""

import shutil
from pathlib import Path

from moderation.kinds import ScorerState, SignalState
from moderation.signals.base import ScoringInput, length_parts, run_scorers
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


def test_two_lanes_sharing_a_batch_score_each_comment_as_its_part_alone_would(
    tiny_detoxify: TinyDetoxify,
) -> None:
    # The model is shared by the two lane threads at once; their parts must not mix rows.
    texts = [
        f"{CIVIL} {'again ' * (n % 6)}{CIVIL} {CIVIL}"
        if n % 3
        else f"{ABUSIVE} {'so ' * (n % 6)}{ABUSIVE} {ABUSIVE}"
        for n in range(40)
    ]
    batch = [ScoringInput(f"c{n}", text, "Title", "Body") for n, text in enumerate(texts)]
    scorer = scorer_for(tiny_detoxify)
    shared = run_scorers([scorer], batch, lanes=2)
    parts = length_parts([len(text) for text in texts], 4)
    assert len(parts) > 1
    # The same parts one after the other: padding differs from one call of all 40, and with
    # it the last digits.
    alone: dict[int, dict[str, float]] = {}
    for part in parts:
        scored = scorer.score_batch([batch[i] for i in part])
        alone |= {i: result.scores for i, result in zip(part, scored, strict=True)}
    assert [r["detoxify"].scores for r in shared] == [alone[i] for i in range(40)]
    # And each row is its own text's: scored alone, each text gets the same scores but for
    # the last digits (a mixed-up row would be another text's, civil for abusive).
    single = {text: scorer.score_batch([item(text)])[0].scores for text in set(texts)}
    for text, result in zip(texts, shared, strict=True):
        own = single[text]
        assert all(abs(result["detoxify"].scores[k] - own[k]) < 1e-3 for k in own)
