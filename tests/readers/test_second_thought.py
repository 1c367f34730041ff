"""The second thought: the cheap checks warn about abusive comments by the policy's lines."""

from __future__ import annotations

import dataclasses

import pytest

from moderation.policy.reader import load
from moderation.readers.second_thought import WARNING, CheapCheck
from moderation.signals.words.matcher import WatchedWord, WordMatcher

RULES = load().readers


@pytest.fixture(scope="module")
def checker() -> CheapCheck:
    words = WordMatcher((WatchedWord("idiot", "reject"), WatchedWord("summit", "flag")))
    value = CheapCheck(lambda: words)
    value.warm_up()  # the real lexical model (alt-profanity-check), loaded once
    return value


@pytest.mark.parametrize(
    ("text", "abusive"),
    [
        ("Good that the ministers are talking about energy again.", False),
        ("What an 1d10t the minister is.", True),  # a watched word, seen through leetspeak
        ("You are a stupid fucking piece of shit.", True),  # the lexical model
        ("The summit was postponed again.", False),  # a `flag` entry does not warn
    ],
)
def test_abusive_comments_are_flagged_before_posting(
    checker: CheapCheck, text: str, abusive: bool
) -> None:
    result = checker.check(text, RULES)
    assert result.abusive is abusive
    assert result.message == (WARNING if abusive else None)


def test_the_policy_can_turn_the_lexical_line_off(checker: CheapCheck) -> None:
    rules = dataclasses.replace(RULES, warn_lexical_above=None)
    assert not checker.check("You are a stupid fucking piece of shit.", rules).abusive


def test_until_the_model_has_loaded_the_words_alone_are_used() -> None:
    cold = CheapCheck(lambda: WordMatcher((WatchedWord("idiot", "reject"),)))
    cold.lexical.model.get = lambda: None  # type: ignore[method-assign]  # never loads
    assert cold.check("What an idiot.", RULES).abusive
    assert not cold.check("You are a stupid fucking piece of shit.", RULES).abusive
