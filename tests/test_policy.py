from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.models import Action
from moderation.policy import Thresholds, decide
from moderation.scoring import SignalResult, SignalState

THRESHOLDS = Thresholds(abuse_publish_below=0.3, abuse_reject_above=0.9, on_topic_min=0.12)
LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)


def abuse(**scores: float) -> SignalResult:
    return SignalResult("detoxify", "v", SignalState.OK, {label: 0.01 for label in LABELS} | scores)


def relevance(score: float, confidence: float = 1.0, parent: bool = False) -> SignalResult:
    scores = {"article": score, "on_topic": score} | ({"parent": score} if parent else {})
    return SignalResult("relevance", "v", SignalState.OK, scores, {"confidence": confidence})


def signals(*results: SignalResult) -> dict[str, SignalResult]:
    return {r.scorer: r for r in results}


def codes(verdict: Any) -> list[str]:
    return [r.code for r in verdict.reasons]


def test_clean_and_on_topic_is_published() -> None:
    verdict = decide(signals(abuse(), relevance(0.5)), THRESHOLDS)
    assert verdict.action is Action.PUBLISH
    assert codes(verdict) == ["clean"]


@pytest.mark.parametrize(
    ("label", "score", "action", "code"),
    [
        ("insult", 0.2999, Action.PUBLISH, "clean"),
        ("insult", 0.30, Action.REVIEW, "insult"),
        ("insult", 0.8999, Action.REVIEW, "insult"),
        ("insult", 0.90, Action.REJECT, "insult"),
        ("threat", 0.95, Action.REJECT, "threat"),
        ("identity_attack", 0.5, Action.REVIEW, "hate_speech"),
        ("sexual_explicit", 0.99, Action.REJECT, "sexual_content"),
        ("obscene", 0.4, Action.REVIEW, "offensive"),
        ("toxicity", 0.91, Action.REJECT, "abusive"),
    ],
)
def test_abuse_bands(label: str, score: float, action: Action, code: str) -> None:
    verdict = decide(signals(abuse(**{label: score}), relevance(0.5)), THRESHOLDS)
    assert verdict.action is action
    assert codes(verdict)[0] == code


def test_a_reject_also_lists_the_review_reasons() -> None:
    verdict = decide(signals(abuse(threat=0.95, insult=0.5), relevance(0.0)), THRESHOLDS)
    assert verdict.action is Action.REJECT
    assert codes(verdict) == ["threat", "insult", "off_topic"]


@pytest.mark.parametrize(
    ("score", "confidence", "parent", "action"),
    [
        (0.05, 1.0, False, Action.REVIEW),
        (0.12, 1.0, False, Action.PUBLISH),
        (0.05, 0.4, False, Action.PUBLISH),  # "Agreed." is too short to call off-topic
        (0.05, 1.0, True, Action.REVIEW),
    ],
)
def test_off_topic_goes_to_review_never_reject(
    score: float, confidence: float, parent: bool, action: Action
) -> None:
    verdict = decide(signals(abuse(), relevance(score, confidence, parent)), THRESHOLDS)
    assert verdict.action is action


def test_the_off_topic_reason_names_what_was_compared() -> None:
    article_only = decide(signals(abuse(), relevance(0.0)), THRESHOLDS)
    reply = decide(signals(abuse(), relevance(0.0, parent=True)), THRESHOLDS)
    assert "Not related to the article" in article_only.reasons[0].message
    assert "the comment it replies to" in reply.reasons[0].message


@pytest.mark.parametrize("missing", ["detoxify", "relevance"])
def test_a_missing_check_fails_closed(missing: str) -> None:
    present = {k: v for k, v in signals(abuse(), relevance(0.9)).items() if k != missing}
    verdict = decide(present, THRESHOLDS)
    assert verdict.action is Action.REVIEW
    assert codes(verdict) == ["check_failed"]


def test_a_failed_model_sends_even_a_clean_comment_to_review_with_the_reason() -> None:
    broken = SignalResult("detoxify", "", SignalState.FAILED, error="weights missing: set X")
    verdict = decide(signals(broken, relevance(0.9)), THRESHOLDS)
    assert verdict.action is Action.REVIEW
    assert "weights missing: set X" in verdict.reasons[0].message


score = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
states = st.sampled_from(list(SignalState))


@given(st.dictionaries(st.sampled_from(LABELS), score), score, st.floats(0, 1), states, states)
def test_the_policy_is_total(
    scores: dict[str, float],
    topic: float,
    confidence: float,
    abuse_state: SignalState,
    topic_state: SignalState,
) -> None:
    abuse_signal = SignalResult("detoxify", "v", abuse_state, scores)
    topic_signal = SignalResult(
        "relevance", "v", topic_state, {"on_topic": topic}, {"confidence": confidence}
    )
    verdict = decide(signals(abuse_signal, topic_signal), THRESHOLDS)
    assert verdict.action in set(Action)
    assert verdict.reasons, "every decision carries at least one reason"
    if abuse_state is not SignalState.OK or topic_state is not SignalState.OK:
        assert verdict.action is not Action.PUBLISH


@given(st.sampled_from(LABELS), score, score, score)
def test_a_higher_score_never_moves_towards_publish(
    label: str, a: float, b: float, topic: float
) -> None:
    low, high = sorted((a, b))
    rank = {Action.PUBLISH: 0, Action.REVIEW: 1, Action.REJECT: 2}
    at_low = decide(signals(abuse(**{label: low}), relevance(topic)), THRESHOLDS)
    at_high = decide(signals(abuse(**{label: high}), relevance(topic)), THRESHOLDS)
    assert rank[at_high.action] >= rank[at_low.action]


def words(*matches: tuple[str, str]) -> SignalResult:
    found = [{"pattern": p, "action": a, "start": 0, "end": 1, "text": p} for p, a in matches]
    return SignalResult("words", "v", SignalState.OK, {}, {"matches": found})


@pytest.mark.parametrize(
    ("matches", "action", "code"),
    [
        ([("idiot", "reject")], Action.REJECT, "banned_word"),
        ([("moron*", "review")], Action.REVIEW, "suspect_word"),
        ([("darn", "flag")], Action.PUBLISH, "clean"),
        ([("moron*", "review"), ("idiot", "reject")], Action.REJECT, "banned_word"),
    ],
)
def test_word_list_actions(matches: list[tuple[str, str]], action: Action, code: str) -> None:
    verdict = decide(signals(abuse(), relevance(0.5), words(*matches)), THRESHOLDS)
    assert verdict.action is action
    assert codes(verdict)[0] == code


def test_denied_links_send_to_review() -> None:
    link = SignalResult(
        "links",
        "v",
        SignalState.OK,
        {"links": 1.0, "denied": 1.0},
        {"domains": ["spam.example"], "denied": ["spam.example"]},
    )
    verdict = decide(signals(abuse(), relevance(0.5), link), THRESHOLDS)
    assert verdict.action is Action.REVIEW
    assert "spam.example" in verdict.reasons[0].message


@pytest.mark.parametrize("scorer", ["words", "links", "lexical", "activity", "brigading"])
def test_cheap_signals_that_fail_do_not_block_publishing(scorer: str) -> None:
    broken = SignalResult(scorer, "v", SignalState.TIMEOUT, error="Redis timed out")
    verdict = decide(signals(abuse(), relevance(0.5), broken), THRESHOLDS)
    assert verdict.action is Action.PUBLISH


def test_an_unread_language_goes_to_review() -> None:
    topic = SignalResult(
        "relevance",
        "v",
        SignalState.OK,
        {"on_topic": 0.9},
        {"confidence": 0.0, "unsupported_language": "es"},
    )
    verdict = decide(signals(abuse(), topic), THRESHOLDS)
    assert verdict.action is Action.REVIEW
    assert codes(verdict) == ["language"]


@pytest.mark.parametrize(
    ("method", "action"), [("semantic", Action.REVIEW), ("lexical", Action.PUBLISH)]
)
def test_the_lexical_fallback_has_its_own_threshold(method: str, action: Action) -> None:
    thresholds = Thresholds(0.3, 0.9, on_topic_min=0.2, on_topic_min_lexical=0.05)
    topic = SignalResult(
        "relevance", "v", SignalState.OK, {"on_topic": 0.1}, {"confidence": 1.0, "method": method}
    )
    assert decide(signals(abuse(), topic), thresholds).action is action
