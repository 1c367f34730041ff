"""The policy: every rule and band edge, and properties that must hold for any signals."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.kinds import Action, SignalState
from moderation.policy.document import load
from moderation.policy.rules import AuthorStanding, Context, decide
from moderation.policy.topic_line import LearnedLine, learn, line_for
from moderation.signals.base import SignalResult
from tests.support.detoxify_checkpoint import UNBIASED_LABELS

POLICY = load()  # the built-in policy
ON_TOPIC = load("on_topic: {min: 0.25, min_lexical: 0.05}")  # the lines the cases below use
LABELS = tuple(UNBIASED_LABELS)  # the default variant's labels


def ok(scorer: str, scores: dict[str, float], **details: Any) -> SignalResult:
    return SignalResult(scorer, "v", SignalState.OK, scores, details)


def abuse(**scores: float) -> SignalResult:
    return ok("detoxify", {label: 0.01 for label in LABELS} | scores)


def relevance(
    score: float = 0.6, confidence: float = 1.0, parent: bool = False, **details: Any
) -> SignalResult:
    scores = {"article": score, "on_topic": score} | ({"parent": score} if parent else {})
    return ok("relevance", scores, confidence=confidence, language="en", **details)


def signals(*results: SignalResult) -> dict[str, SignalResult]:
    return {r.scorer: r for r in results}


def clean(*extra: SignalResult) -> dict[str, SignalResult]:
    return signals(abuse(), relevance(), *extra)


def codes(verdict: Any) -> list[str]:
    return [r.code for r in verdict.reasons]


def policy(yaml: str) -> Any:
    return load(yaml)


def test_clean_and_on_topic_is_published_with_the_policy_version() -> None:
    verdict = decide(clean(), POLICY)
    assert (verdict.action, codes(verdict), verdict.policy_version) == (
        Action.PUBLISH,
        ["clean"],
        "builtin",
    )
    assert verdict.reasons[0].as_dict()["public"] == "Your comment was published."


@pytest.mark.parametrize(
    ("label", "score", "action", "code"),
    [
        ("insult", 0.2999, Action.PUBLISH, "clean"),
        ("insult", 0.30, Action.REVIEW, "insult"),
        ("insult", 0.8999, Action.REVIEW, "insult"),
        ("insult", 0.90, Action.REJECT, "insult"),
        ("threat", 0.1999, Action.PUBLISH, "clean"),  # threat has its own, lower band
        ("threat", 0.20, Action.REVIEW, "threat"),
        ("threat", 0.85, Action.REJECT, "threat"),
        ("identity_attack", 0.5, Action.REVIEW, "hate_speech"),
        ("sexual_explicit", 0.99, Action.REJECT, "sexual_content"),
        ("obscene", 0.4, Action.REVIEW, "offensive"),
        ("toxicity", 0.91, Action.REJECT, "abusive"),
    ],
)
def test_abuse_bands(label: str, score: float, action: Action, code: str) -> None:
    verdict = decide(signals(abuse(**{label: score}), relevance()), POLICY)
    assert verdict.action is action
    assert codes(verdict)[0] == code


def test_a_site_policy_moves_a_band() -> None:
    strict = policy("labels: {insult: {publish_below: 0.1, reject_above: 0.5}}")
    assert decide(signals(abuse(insult=0.6), relevance()), strict).action is Action.REJECT
    assert decide(signals(abuse(insult=0.6), relevance()), POLICY).action is Action.REVIEW


def test_identity_guard_turns_an_unconfirmed_rejection_into_review() -> None:
    swapped = ok("identity", {"identity_attack": 0.2, "toxicity": 0.1})
    verdict = decide(signals(abuse(identity_attack=0.95), relevance(), swapped), POLICY)
    assert verdict.action is Action.REVIEW
    assert codes(verdict) == ["identity_bias"]


def test_identity_guard_keeps_a_confirmed_rejection() -> None:
    swapped = ok("identity", {"identity_attack": 0.93})
    verdict = decide(signals(abuse(identity_attack=0.95), relevance(), swapped), POLICY)
    assert verdict.action is Action.REJECT


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


def test_a_section_uses_its_own_line_else_the_sites() -> None:
    lines = {"": learned(0.1), "Sport": learned(0.2, section="Sport")}
    assert line_for(lines, "Sport") == lines["Sport"]
    assert line_for(lines, "Politics") == line_for(lines, None) == lines[""]
    assert line_for({}, "Sport") is None


def test_the_line_flags_the_share_of_published_comments_asked_for() -> None:
    scored = [(n / 100, 1.0) for n in range(100)]
    assert learn(scored, 0.03, 0.5) == 0.03  # three scores lie below it
    unsure = [(s, 0.1) for s, _ in scored[:10]] + scored[10:]
    assert learn(unsure, 0.03, 0.5) == 0.13  # the unsure ones are never flagged: none below 0.1


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


@pytest.mark.parametrize(
    ("yaml", "context"),
    [
        ("premoderation: {articles: [a-1]}", Context(article_id="a-1")),
        ("premoderation: {sections: [world]}", Context(section="World")),
        ("", Context(author=AuthorStanding(premoderated=True))),
        ("premoderation: {new_authors_until_approved: 3}", Context(author=AuthorStanding(2))),
        ("", Context(author=AuthorStanding(recent_published=1, recent_rejected=3))),
    ],
)
def test_premoderation_modes(yaml: str, context: Context) -> None:
    verdict = decide(clean(), policy(yaml), context)
    assert (verdict.action, codes(verdict)) == (Action.REVIEW, ["pre_moderated"])


def test_premoderation_thresholds_are_not_crossed_early() -> None:
    graduated = Context(author=AuthorStanding(3))
    few = Context(author=AuthorStanding(recent_published=1, recent_rejected=2))  # 3 decisions
    assert (
        decide(clean(), policy("premoderation: {new_authors_until_approved: 3}"), graduated).action
        is Action.PUBLISH
    )
    assert decide(clean(), POLICY, few).action is Action.PUBLISH


def test_trusted_authors_skip_review_for_borderline_comments_only() -> None:
    trusting = policy("trust: {skip_review: true, published_at_least: 5}")
    trusted = Context(author=AuthorStanding(published=10))
    newcomer = Context(author=AuthorStanding(published=1))
    borderline = signals(abuse(insult=0.5), relevance())
    assert codes(decide(borderline, trusting, trusted))[0] == "trusted"
    assert decide(borderline, trusting, newcomer).action is Action.REVIEW
    assert decide(borderline, POLICY, trusted).action is Action.REVIEW  # off by default
    off_topic = signals(abuse(insult=0.5), relevance(0.0))
    assert decide(off_topic, trusting, trusted).action is Action.REVIEW
    assert (
        decide(signals(abuse(insult=0.95), relevance()), trusting, trusted).action is Action.REJECT
    )


score = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
states = st.sampled_from(list(SignalState))
standing = st.builds(
    AuthorStanding,
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 20),
    st.integers(0, 20),
    st.booleans(),
)


@settings(max_examples=300)
@given(
    st.dictionaries(st.sampled_from(LABELS), score),
    score,
    st.floats(0, 1),
    states,
    states,
    standing,
    st.booleans(),
)
def test_the_policy_is_total(
    scores: dict[str, float],
    topic: float,
    confidence: float,
    abuse_state: SignalState,
    topic_state: SignalState,
    author: AuthorStanding,
    trusting: bool,
) -> None:
    rules = policy("trust: {skip_review: true}") if trusting else POLICY
    verdict = decide(
        signals(
            SignalResult("detoxify", "v", abuse_state, scores),
            SignalResult(
                "relevance",
                "v",
                topic_state,
                {"on_topic": topic},
                {"confidence": confidence, "language": "en"},
            ),
        ),
        rules,
        Context(author=author),
    )
    assert verdict.action in set(Action)
    assert verdict.reasons, "every decision carries at least one reason"
    if abuse_state is not SignalState.OK or topic_state is not SignalState.OK:
        assert verdict.action is not Action.PUBLISH, "closed checks never publish unchecked"


@settings(max_examples=300)
@given(st.sampled_from(LABELS), score, score, score, standing, st.booleans())
def test_a_higher_score_never_moves_towards_publish(
    label: str, a: float, b: float, topic: float, author: AuthorStanding, trusting: bool
) -> None:
    rules = policy("trust: {skip_review: true}") if trusting else POLICY
    low, high = sorted((a, b))
    rank = {Action.PUBLISH: 0, Action.REVIEW: 1, Action.REJECT: 2}
    context = Context(author=author)
    at_low = decide(signals(abuse(**{label: low}), relevance(topic)), rules, context)
    at_high = decide(signals(abuse(**{label: high}), relevance(topic)), rules, context)
    assert rank[at_high.action] >= rank[at_low.action]
