"""Occlusion finds the part of a comment that drives its Detoxify score."""

from typing import Any

import pytest

from moderation.signals.base import ScoringInput
from moderation.signals.detoxify import scorer as scorer_module
from moderation.signals.detoxify.explain import explain, units
from moderation.signals.detoxify.model import DetoxifyOptions, LoadedDetoxify, load_detoxify
from moderation.signals.detoxify.scorer import EXPLANATION_PENDING, DetoxifyScorer
from tests.support.detoxify_checkpoint import TinyDetoxify

MIXED = (
    "The talks on shipping went well this week. Both ministers want a deal on energy. "
    "Anyone who disagrees is a stupid idiot. The next meeting is in the spring."
)


@pytest.fixture(scope="module")
def loaded(tiny_detoxify: TinyDetoxify) -> LoadedDetoxify:
    return load_detoxify(
        DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config)
    )


def test_units_are_sentences_or_word_groups() -> None:
    assert [MIXED[a:b].strip() for a, b in units(MIXED)][
        2
    ] == "Anyone who disagrees is a stupid idiot."
    one = "you are a stupid idiot and a fool"
    assert [one[a:b] for a, b in units(one)] == ["you are a", "stupid idiot and", "a fool"]
    assert len(units(". ".join(["A sentence"] * 100))) <= 24


def test_the_insulting_sentence_is_found(loaded: LoadedDetoxify) -> None:
    spans = explain(loaded, MIXED, "toxicity", 0.99)
    assert [s["text"].strip() for s in (x.as_dict(MIXED) for x in spans)] == [
        "Anyone who disagrees is a stupid idiot."
    ]


def _scorer(tiny: TinyDetoxify, **options: Any) -> DetoxifyScorer:
    return DetoxifyScorer(
        DetoxifyOptions("unbiased", tiny.hub_layout, tiny.hf_config), explain_above=0.5, **options
    )


def test_scoring_a_batch_runs_no_occlusion(
    tiny_detoxify: TinyDetoxify, monkeypatch: pytest.MonkeyPatch
) -> None:
    def occlusion(*_: object, **__: object) -> None:
        raise AssertionError("occlusion ran on the decision path")

    monkeypatch.setattr(scorer_module, "explain_all", occlusion)
    civil, abusive = _scorer(tiny_detoxify).score_batch(
        [ScoringInput("a", "Good talks on energy.", "T", "B"), ScoringInput("b", MIXED, "T", "B")]
    )
    assert "explanation" not in civil.details
    assert "spans" not in abusive.details
    assert abusive.details["explanation"] == EXPLANATION_PENDING


def test_a_zero_budget_turns_explanations_off(tiny_detoxify: TinyDetoxify) -> None:
    [signal] = _scorer(tiny_detoxify, explain_budget_ms=0).score_batch(
        [ScoringInput("b", MIXED, "T", "B")]
    )
    assert "explanation" not in signal.details


def test_the_scorer_explains_on_demand(tiny_detoxify: TinyDetoxify) -> None:
    [spans] = _scorer(tiny_detoxify).explain([(MIXED, "toxicity", 0.99)]) or [None]
    assert spans is not None
    assert "stupid idiot" in spans[0]["text"]
