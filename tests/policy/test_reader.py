"""Reading policy documents: merging over the built-in one, and clear errors."""

import pytest

from moderation.policy.document import PolicyError
from moderation.policy.reader import load


def test_the_builtin_policy_loads() -> None:
    policy = load()
    assert policy.band("insult").reject_above == 0.90
    assert policy.band("threat").publish_below == 0.20
    assert policy.failure["detoxify"] == "closed"
    assert "islam" in policy.identity_terms["religion"]
    assert policy.version == "builtin"


def test_a_site_document_changes_only_what_it_states() -> None:
    policy = load(
        "labels: {obscene: {publish_below: 0.5, reject_above: 0.99}}\nspot_check_share: 0.1\n"
    )
    assert policy.band("obscene").reject_above == 0.99
    assert policy.band("insult").reject_above == 0.90  # still the built-in default
    assert policy.spot_check_share == 0.1
    assert policy.version.startswith("sha-")


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("labls: {}", "labls: unknown key (did you mean 'labels'?)"),
        ("links: {deny: spam.example}", "links.deny: must be a list of words"),
        ("links: {denied: delete}", "links.denied: must be one of review, reject, ignore"),
        (
            "labels: {insult: {publish_below: 0.9, reject_above: 0.5}}",
            "labels.insult: publish_below (0.9) must not exceed reject_above (0.5)",
        ),
        (
            "labels: {insult: {publish_below: 2, reject_above: 3}}",
            "labels.insult.publish_below: must be a number from 0 to 1",
        ),
        ("labels: {insult: 0.5}", "labels.insult: must have publish_below and reject_above"),
        ("failure: {detoxify: maybe}", "failure.detoxify: must be one of open, closed"),
        ("trust: {skip_review: yes please}", "trust.skip_review: must be true or false"),
        ("activity: {per_hour_above: 2.5}", "activity.per_hour_above: must be a whole number"),
        ("links: 5", "links: must be a section of keys, not 5"),
        ("identity_guard: {terms: [islam]}", "identity_guard.terms: must be a section of keys"),
        ("[1, 2]", "the document must be a mapping"),
        ("labels: {insult: [", "not valid YAML"),
    ],
)
def test_mistakes_are_named_by_their_path(yaml: str, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        load(yaml)
    assert message in str(raised.value)


def test_every_mistake_is_reported_at_once() -> None:
    with pytest.raises(PolicyError) as raised:
        load("spot_check_share: 5\nlinks: {denied: delete}\n")
    assert "spot_check_share" in str(raised.value) and "links.denied" in str(raised.value)


def test_readers_rules_are_read_and_checked() -> None:
    rules = load("reports: {hide_after: 5}\nsecond_thought: {lexical_above: null}").readers
    assert (rules.hide_after_reports, rules.warn_lexical_above) == (5, None)
    assert load().readers.hide_after_reports == 3
    with pytest.raises(PolicyError, match=r"reports\.hide_after"):
        load("reports: {hide_after: 0}")
    with pytest.raises(PolicyError, match=r"second_thought\.word_actions"):
        load("second_thought: {word_actions: [shout]}")
