"""The watched-word list, kept in the database, and the scorer that applies it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation import audit
from moderation.cache import RELOAD_SECONDS, Reloaded
from moderation.errors import NotFound
from moderation.kinds import MatchedWord, ScorerName, ScorerState, SignalState, WordsDetails
from moderation.models import WordListEntry
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult
from moderation.signals.words.matcher import ACTIONS, PatternError, WatchedWord, WordMatcher, needle


def add_word(
    session: Session, pattern: str, action: str, actor: str, note: str = ""
) -> WordListEntry:
    """Add an entry (committed), or raise PatternError saying what is wrong with it."""
    pattern = pattern.strip()
    if action not in ACTIONS:
        raise PatternError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    needle(pattern)  # refuses patterns that cannot match
    if session.scalar(select(WordListEntry).where(WordListEntry.pattern == pattern)):
        raise PatternError(f"{pattern!r} is already on the list")
    entry = WordListEntry(pattern=pattern, action=action, note=note, created_by=actor)
    session.add(entry)
    audit.record(session, actor, "word.added", "word", pattern, action=action, note=note)
    session.commit()
    return entry


def remove_word(session: Session, pattern: str, actor: str) -> None:
    """Remove an entry (committed), or raise NotFound."""
    entry = session.scalar(select(WordListEntry).where(WordListEntry.pattern == pattern.strip()))
    if entry is None:
        raise NotFound(f"{pattern!r} is not on the list")
    session.delete(entry)
    audit.record(session, actor, "word.removed", "word", entry.pattern, action=entry.action)
    session.commit()


def list_words(session: Session) -> list[WordListEntry]:
    """Every entry, by pattern."""
    return list(session.scalars(select(WordListEntry).order_by(WordListEntry.pattern)))


def current_matcher(session: Session) -> WordMatcher:
    """A matcher for the list as it is now."""
    return WordMatcher(_entries(session))


def _entries(session: Session) -> tuple[WatchedWord, ...]:
    return tuple(WatchedWord(e.pattern, e.action) for e in list_words(session))


def stored_matcher(
    sessions: sessionmaker[Session], clock: Callable[[], float] = time.monotonic
) -> Callable[[], WordMatcher]:
    """The database's list as a matcher, rebuilt when the list changed (checked at most every
    RELOAD_SECONDS). The whole list is compared, not a count or an id: SQLite reuses the id of
    a deleted newest row, so those could stay the same while an entry changed."""
    return Reloaded(sessions, _entries, WordMatcher, RELOAD_SECONDS, clock)


class WordListScorer:
    """Matches of the watched-word list, with their actions and where they are."""

    name = ScorerName.WORDS
    version = "wordlist-1"

    def __init__(self, matcher: Callable[[], WordMatcher]) -> None:
        self.matcher = matcher

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One signal per comment."""
        matcher = self.matcher()
        return [self._signal(matcher, item.text) for item in inputs]

    def _signal(self, matcher: WordMatcher, text: str) -> SignalResult:
        matches = matcher.find(text)
        scores = {action: float(sum(m.action == action for m in matches)) for action in ACTIONS}
        details = WordsDetails(
            matches=[
                MatchedWord(
                    pattern=m.pattern, action=m.action, start=m.start, end=m.end, text=m.text
                )
                for m in matches
            ]
        )
        return SignalResult(self.name, self.version, SignalState.OK, scores, dict(details))

    def warm_up(self) -> None:
        """Read the list now."""
        self.matcher()

    def health(self) -> ScorerHealth:
        """ok, with the number of entries."""
        return ScorerHealth(ScorerState.OK, self.version, f"{len(self.matcher().words)} entries")
