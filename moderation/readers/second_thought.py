"""A second thought before posting: the cheap checks (the lexical model and the watched
words, the same scorers the workers run) read a comment in the request, and the reader is
warned when they find it abusive. Nothing is decided here: the comment is still scored and
decided by the policy once posted.

The lexical model takes about a second to load, once per process. Until it has loaded (in a
background thread, started by the first check), checks use the watched words alone rather
than keep a reader waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from moderation.kinds import ScorerName
from moderation.policy.document import Readers
from moderation.signals.base import Scorer, ScoringInput, run_scorers
from moderation.signals.lexical import LexicalAbuseScorer
from moderation.signals.words.lists import WordListScorer
from moderation.signals.words.matcher import WordMatcher

WARNING = (
    "Your comment may come across as abusive to other readers: you can edit it, "
    "or post it as it is."
)


@dataclass(frozen=True)
class Precheck:
    """What the cheap checks found: abusive or not, and the sentence for the reader."""

    abusive: bool
    message: str | None = None


class CheapCheck:
    """The lexical model and the watched words, run on one text."""

    def __init__(self, matcher: Callable[[], WordMatcher], retry_seconds: float = 300) -> None:
        self.lexical = LexicalAbuseScorer(retry_seconds)
        self.words = WordListScorer(matcher)
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the lexical model now (blocking)."""
        self.lexical.warm_up()

    def check(self, text: str, rules: Readers) -> Precheck:
        """Whether the text looks abusive to the cheap checks, by the policy's lines."""
        scorers: list[Scorer] = [self.words]
        if self.lexical.model.model is not None:
            scorers.append(self.lexical)
        else:
            self._load_in_background()
        signals = run_scorers(scorers, [ScoringInput("second-thought", text, "", "")])[0]
        lexical = signals.get(ScorerName.LEXICAL)
        words = signals[ScorerName.WORDS]
        abusive = any(words.scores.get(action, 0) > 0 for action in rules.warn_word_actions) or (
            rules.warn_lexical_above is not None
            and lexical is not None
            and lexical.ok
            and lexical.scores["profanity"] > rules.warn_lexical_above
        )
        return Precheck(True, WARNING) if abusive else Precheck(False)

    def _load_in_background(self) -> None:
        with self._lock:
            if self._loading is None:
                self._loading = threading.Thread(target=self.warm_up, daemon=True)
                self._loading.start()
