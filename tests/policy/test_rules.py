"""The policy: band edges, the identity guard, pre-moderation and trust, and properties that
must hold for any signals."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.kinds import Action, SignalState
from moderation.policy.rules import decide
from moderation.policy.verdicts import AuthorStanding, Context
from moderation.signals.base import SignalResult
from tests.support.signals import (
    LABELS,
    POLICY,
    abuse,
    clean,
    codes,
    ok,
    policy,
    relevance,
    signals,
)


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


def test_the_stricter_mode_holds_instead_of_trusting_and_says_so() -> None:
    trusting = policy("trust: {skip_review: true, published_at_least: 5}")
    held = Context(author=AuthorStanding(published=10), held=True)
    borderline = signals(abuse(insult=0.5), relevance())
    verdict = decide(borderline, trusting, held)
    assert verdict.action is Action.REVIEW and codes(verdict)[-1] == "held"
    assert "held" not in codes(decide(clean(), POLICY, held))  # clean comments still publish
    assert decide(signals(abuse(insult=0.95), relevance()), POLICY, held).action is Action.REJECT


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
