"""Occlusion finds the part of a comment that drives its Detoxify score."""

import pytest

from moderation.signals.base import ScoringInput
from moderation.signals.detoxify.explain import explain, units
from moderation.signals.detoxify.model import DetoxifyOptions, LoadedDetoxify, load_detoxify
from moderation.signals.detoxify.scorer import DetoxifyScorer
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


def test_the_scorer_stores_spans_for_high_scores_only(tiny_detoxify: TinyDetoxify) -> None:
    options = DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config)
    scorer = DetoxifyScorer(options, explain_above=0.5)
    civil, abusive = scorer.score_batch(
        [ScoringInput("a", "Good talks on energy.", "T", "B"), ScoringInput("b", MIXED, "T", "B")]
    )
    assert "spans" not in civil.details
    assert "stupid idiot" in abusive.details["spans"][0]["text"]


def test_an_exhausted_budget_is_recorded(tiny_detoxify: TinyDetoxify) -> None:
    options = DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config)
    scorer = DetoxifyScorer(options, explain_above=0.5, explain_budget_ms=0)
    [signal] = scorer.score_batch([ScoringInput("b", MIXED, "T", "B")])
    assert signal.details["spans"] is None
    assert signal.details["explanation"] == "skipped: the time budget was spent"
