"""The embedded lexical scorer equals alt-profanity-check and loads with the pinned sklearn."""

import pytest
from profanity_check import predict_prob

from moderation.kinds import SignalState
from moderation.signals.base import ScoringInput
from moderation.signals.lexical import LexicalAbuseScorer, load_model

TEXTS = [
    "You are an idiot and a fool.",
    "Thanks for a balanced article about the energy talks.",
    "what the f*** is this sh1t",
    "",
    "   ",
    "a",
    "Ümlauts, ÇÉdilles and émigrés",
    "snake_case words",
    "Привет, это комментарий",
    "🙂 emoji only 🙂",
    "word " * 1000,
    "UPPER CASE SHOUTING IDIOTS",
]


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_model()


@pytest.mark.parametrize("text", TEXTS)
def test_the_fast_path_equals_predict_prob(model, text: str) -> None:  # type: ignore[no-untyped-def]
    assert model.probability(text) == pytest.approx(float(predict_prob([text])[0]), abs=1e-9)


def test_the_scorer_separates_insults_from_civil_text() -> None:
    insult, civil = LexicalAbuseScorer().score_batch(
        [
            ScoringInput("a", "You are a stupid idiot.", "T", "B"),
            ScoringInput("b", "A balanced article about trade talks.", "T", "B"),
        ]
    )
    assert insult.state is civil.state is SignalState.OK
    assert insult.scores["profanity"] > 0.8 > 0.2 > civil.scores["profanity"]
    assert insult.version.startswith("alt-profanity-check-")
