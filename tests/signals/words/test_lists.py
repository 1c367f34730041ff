"""The stored word list: management, the CLI, the scorer and how fast changes reach workers."""

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from moderation.audit import history
from moderation.cache import RELOAD_SECONDS
from moderation.kinds import SignalState
from moderation.signals.base import ScoringInput
from moderation.signals.words.lists import (
    WordListScorer,
    add_word,
    list_words,
    remove_word,
    stored_matcher,
)
from moderation.signals.words.matcher import PatternError
from tests.support.recording import Clock


def test_entries_are_validated_stored_and_audited(any_session: Session) -> None:
    add_word(any_session, "idiot", "reject", "cli", note="insult")
    with pytest.raises(PatternError, match="already on the list"):
        add_word(any_session, "idiot", "review", "cli")
    with pytest.raises(PatternError, match="action must be one of"):
        add_word(any_session, "fool", "delete", "cli")
    with pytest.raises(PatternError, match="only at the start or end"):
        add_word(any_session, "f*ck", "reject", "cli")
    assert [(e.pattern, e.action) for e in list_words(any_session)] == [("idiot", "reject")]
    remove_word(any_session, "idiot", "cli")
    assert list_words(any_session) == []
    assert [e.action for e in history(any_session, "word", "idiot")] == [
        "word.added",
        "word.removed",
    ]


def test_workers_see_changes_after_the_reload_interval(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    clock = Clock()
    matcher = stored_matcher(session_factory, clock=clock)
    scorer = WordListScorer(matcher)
    item = ScoringInput("c", "you 1d10t", "T", "B")
    assert scorer.score_batch([item])[0].scores["reject"] == 0.0
    add_word(session, "idiot", "reject", "cli")
    assert scorer.score_batch([item])[0].scores["reject"] == 0.0, "cached until the interval"
    clock.now = RELOAD_SECONDS
    [signal] = scorer.score_batch([item])
    assert signal.state is SignalState.OK
    assert signal.scores == {"reject": 1.0, "review": 0.0, "flag": 0.0}
    assert signal.details["matches"] == [
        {"pattern": "idiot", "action": "reject", "start": 4, "end": 9, "text": "1d10t"}
    ]
    # Replace the newest entry: on SQLite the new row takes the old one's id.
    remove_word(session, "idiot", "cli")
    add_word(session, "you", "review", "cli")
    clock.now = 2 * RELOAD_SECONDS
    assert scorer.score_batch([item])[0].scores == {"reject": 0.0, "review": 1.0, "flag": 0.0}


def test_the_cli_manages_and_tests_the_list(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["words", "add", "moron*", "--action", "review"]).exit_code == 0
    bad = runner.invoke(args=["words", "add", "*", "--action", "review"])
    assert bad.exit_code != 0 and "use words" in bad.output
    assert "review  moron*" in runner.invoke(args=["words", "list"]).output
    tested = runner.invoke(args=["words", "test", "What a m0r0nic idea"])
    assert "'moron*' matched 'm0r0nic' at 7-14" in tested.output
    adhoc = runner.invoke(args=["words", "test", "i d i o t", "--pattern", "idiot"])
    assert "matched 'i d i o t'" in adhoc.output
    assert runner.invoke(args=["words", "remove", "moron*"]).exit_code == 0
    assert "the list is empty" in runner.invoke(args=["words", "list"]).output
