"""The policy's checks, one signal at a time: on-topic, languages, failed checks, watched
words, links, repeats and rates, copies."""

import pytest

from moderation.kinds import Action, SignalState
from moderation.policy.rules import decide
from moderation.policy.topic_line import LearnedLine
from moderation.policy.verdicts import Context
from moderation.signals.base import SignalResult
from tests.support.signals import (
    POLICY,
    abuse,
    clean,
    codes,
    ok,
    policy,
    relevance,
    signals,
)

ON_TOPIC = policy("on_topic: {min: 0.25, min_lexical: 0.05}")  # the lines the cases below use


@pytest.mark.parametrize(
    ("score", "confidence", "parent", "action"),
    [
        (0.10, 1.0, False, Action.REVIEW),
        (0.25, 1.0, False, Action.PUBLISH),
        (0.10, 0.4, False, Action.PUBLISH),  # "Agreed." is too short to call off-topic
        (0.10, 1.0, True, Action.REVIEW),
    ],
)
def test_off_topic_goes_to_review_never_reject(
    score: float, confidence: float, parent: bool, action: Action
) -> None:
    verdict = decide(signals(abuse(), relevance(score, confidence, parent)), ON_TOPIC)
    assert verdict.action is action


def test_the_off_topic_reason_names_what_was_compared() -> None:
    article = decide(signals(abuse(), relevance(0.0)), POLICY)
    reply = decide(signals(abuse(), relevance(0.0, parent=True)), POLICY)
    assert "Not related to the article (" in article.reasons[0].message
    assert "the article or the comment it replies to" in reply.reasons[0].message


@pytest.mark.parametrize(
    ("method", "action"), [("semantic", Action.REVIEW), ("lexical", Action.PUBLISH)]
)
def test_the_lexical_fallback_has_its_own_threshold(method: str, action: Action) -> None:
    verdict = decide(signals(abuse(), relevance(0.1, method=method)), ON_TOPIC)
    assert verdict.action is action


def learned(value: float, version: str = "v", section: str = "") -> LearnedLine:
    return LearnedLine(value, 0.03, 250, section, version)


@pytest.mark.parametrize(
    ("score", "line", "action"),
    [
        (0.2, learned(0.1), Action.PUBLISH),  # above the learned line, below the built-in one
        (0.2, learned(0.3), Action.REVIEW),
        (0.3, learned(0.4, version="semantic-old"), Action.PUBLISH),  # another scorer's line
        (0.2, None, Action.REVIEW),
    ],
)
def test_the_line_learned_from_the_site_replaces_the_built_in_one(
    score: float, line: LearnedLine | None, action: Action
) -> None:
    verdict = decide(signals(abuse(), relevance(score)), ON_TOPIC, Context(topic_line=line))
    assert verdict.action is action


def test_the_reason_names_the_learned_line() -> None:
    line = learned(0.3, section="Politics")
    verdict = decide(signals(abuse(), relevance(0.2)), ON_TOPIC, Context(topic_line=line))
    assert "below 0.30, the line learned from 250 published comments in Politics" in (
        verdict.reasons[0].message
    )


@pytest.mark.parametrize(
    ("language", "languages", "action"),
    [
        ("es", "[en]", Action.REVIEW),
        ("es", "[en, es]", Action.PUBLISH),
        ("es", "['*']", Action.PUBLISH),
        ("unknown", "[en]", Action.PUBLISH),
    ],
)
def test_languages_the_check_does_not_read_go_to_review(
    language: str, languages: str, action: Action
) -> None:
    topic = relevance()
    topic.details["language"] = language
    verdict = decide(signals(abuse(), topic), policy(f"on_topic: {{languages: {languages}}}"))
    assert verdict.action is action


@pytest.mark.parametrize("missing", ["detoxify", "relevance"])
def test_a_missing_closed_check_sends_to_review(missing: str) -> None:
    present = {k: v for k, v in clean().items() if k != missing}
    assert codes(decide(present, POLICY)) == ["check_failed"]


def test_a_failed_check_can_be_declared_open() -> None:
    broken = SignalResult("detoxify", "", SignalState.FAILED, error="weights missing")
    assert decide(signals(broken, relevance()), POLICY).action is Action.REVIEW
    lenient = policy("failure: {detoxify: open}")
    assert decide(signals(broken, relevance()), lenient).action is Action.PUBLISH


@pytest.mark.parametrize("scorer", ["words", "links", "lexical", "activity", "brigading"])
def test_cheap_checks_fail_open_by_default(scorer: str) -> None:
    broken = SignalResult(scorer, "v", SignalState.TIMEOUT, error="Redis timed out")
    assert decide(clean(broken), POLICY).action is Action.PUBLISH


def words(*matches: tuple[str, str]) -> SignalResult:
    return ok("words", {}, matches=[{"pattern": p, "action": a} for p, a in matches])


@pytest.mark.parametrize(
    ("matches", "yaml", "action", "code"),
    [
        ([("idiot", "reject")], "", Action.REJECT, "banned_word"),
        ([("moron*", "review")], "", Action.REVIEW, "suspect_word"),
        ([("darn", "flag")], "", Action.PUBLISH, "clean"),
        ([("idiot", "reject")], "words: {reject: review}", Action.REVIEW, "banned_word"),
        ([("darn", "flag")], "words: {flag: review}", Action.REVIEW, "suspect_word"),
        ([("idiot", "reject")], "words: {reject: ignore}", Action.PUBLISH, "clean"),
    ],
)
def test_word_list_actions(
    matches: list[tuple[str, str]], yaml: str, action: Action, code: str
) -> None:
    verdict = decide(clean(words(*matches)), policy(yaml))
    assert (verdict.action, codes(verdict)[0]) == (action, code)


def links(*domains: str) -> SignalResult:
    return ok("links", {"links": float(len(domains))}, domains=list(domains))


@pytest.mark.parametrize(
    ("domains", "yaml", "action", "code"),
    [
        (["spam.example"], "links: {deny: [spam.example]}", Action.REVIEW, "links"),
        (
            ["a.spam.example"],
            "links: {deny: [spam.example], denied: reject}",
            Action.REJECT,
            "links",
        ),
        (["news.example"], "links: {premoderate: true}", Action.REVIEW, "links"),
        (
            ["news.example"],
            "links: {premoderate: true, allow: [news.example]}",
            Action.PUBLISH,
            "clean",
        ),
        (["a.example", "b.example"], "links: {max_links: 1}", Action.REVIEW, "spam"),
        (["a.example"], "", Action.PUBLISH, "clean"),
    ],
)
def test_link_rules(domains: list[str], yaml: str, action: Action, code: str) -> None:
    verdict = decide(clean(links(*domains)), policy(yaml))
    assert (verdict.action, codes(verdict)[0]) == (action, code)


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ({"repeat": 0.8, "per_hour": 0.0, "per_hour_same_ip": 0.0}, "repeat"),
        ({"repeat": 0.0, "per_hour": 11.0, "per_hour_same_ip": 0.0}, "rate_limit"),
        ({"repeat": 0.0, "per_hour": 0.0, "per_hour_same_ip": 21.0}, "rate_limit"),
    ],
)
def test_repeat_and_rate_rules(scores: dict[str, float], code: str) -> None:
    verdict = decide(clean(ok("activity", scores)), POLICY)
    assert (verdict.action, codes(verdict)) == (Action.REVIEW, [code])


def test_rules_can_be_turned_off() -> None:
    off = policy("activity: {repeat_above: null, per_hour_above: null}")
    busy = ok("activity", {"repeat": 1.0, "per_hour": 50.0, "per_hour_same_ip": 0.0})
    assert decide(clean(busy), off).action is Action.PUBLISH


def test_copies_by_other_authors_are_spam() -> None:
    assert codes(decide(clean(ok("brigading", {"other_authors": 3.0})), POLICY)) == ["spam"]
    assert decide(clean(ok("brigading", {"other_authors": 2.0})), POLICY).action is Action.PUBLISH
