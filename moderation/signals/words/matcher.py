"""Watched-word matching that sees through common evasions, in time linear in the text.

The text is normalised as a whole: case and accents folded, leetspeak read as letters
(`1d10t`, `sh!t`, `@ss`), letter runs collapsed (`stuuupid` -> `stupid`) with their lengths
kept, so `ass` still needs two s's (`as` is not `ass`, `asss` is). Its words are joined into
one string with a space at each word boundary, and one Aho-Corasick automaton finds every
watched word at once: ` idiot ` for a whole word, ` idiot` for `idiot*`, `hole ` for `*hole`,
`shit` for `*shit*`. Letters spelled out one by one (`i d i o t`, `u.r.a.n.i.d.i.o.t`) are
joined and searched too. Everything runs in C-level regex and automaton passes; positions are
mapped back to the original text only for the (rare) matches. Nothing backtracks, so hostile
input costs what its length costs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from moderation.errors import Invalid
from moderation.signals.words.normalise import (
    Collapsed,
    collapse,
    fold_for_matching,
    normalise,
    read_leet,
    separate,
)

ACTIONS = ("reject", "review", "flag")
_WORD = re.compile(r"[^\W_]+")
# Three or more single letters, at most three separators apart: `i d i o t`, `i.d.i.o.t`;
# looked for in full only when three one-letter words stand in a row.
_THREE_LETTERS = re.compile(r" [a-z] [a-z] [a-z] ")
_THREE_LETTERS_ANY = re.compile(r"(?: [^\W\d_]){3} ")
SPELLED_OUT_MIN = 3  # this many one-letter words in a row are read as one word
SPELLED_OUT_GAP = 3  # ...when at most this many characters separate them
ANYWHERE_MIN = 4  # inside spelled-out letters, only entries this long are looked for
MAX_MATCHES = 50  # occurrences reported per text


class PatternError(Invalid):
    """A watched word that cannot be used; the message says why."""


@dataclass(frozen=True)
class WatchedWord:
    """An entry of the word list: `idiot`, `idiot*`, `*hole`, `*shit*` or a phrase."""

    pattern: str
    action: str


@dataclass(frozen=True)
class WordMatch:
    """Where a watched word occurs in the original text."""

    pattern: str
    action: str
    start: int
    end: int
    text: str


def needle(pattern: str) -> Collapsed:
    """What the automaton looks for, with spaces where the pattern has word bounds."""
    stripped = pattern.strip()
    if not stripped.strip("*") or "*" in stripped.strip("*"):
        raise PatternError(f"{pattern!r}: use words, with * only at the start or end")
    words = " ".join(_WORD.findall(normalise(stripped.strip("*"))))
    if not words:
        raise PatternError(f"{pattern!r}: has no letters or digits")
    before = "" if stripped.startswith("*") else " "
    after = "" if stripped.endswith("*") else " "
    return collapse(f"{before}{words}{after}")


class WordMatcher:
    """Finds every watched word in a text, whole-word or wildcard, evasions included."""

    def __init__(self, words: Iterable[WatchedWord]) -> None:
        self.words = list(words)
        needles = [(needle(w.pattern), w) for w in self.words]
        self._bounded = _automaton(needles)
        # Inside letters spelled out one by one ("u r a n i d i o t") word bounds are lost,
        # so there every long enough single-word entry is looked for anywhere.
        cores = [(collapse(n.text.strip()), w) for n, w in needles]
        self._anywhere = _automaton(
            [(c, w) for c, w in cores if " " not in c.text and len(c.text) >= ANYWHERE_MIN]
        )

    def find(self, text: str) -> list[WordMatch]:
        """The occurrences (up to MAX_MATCHES of them), in text order."""
        if not self.words:
            return []
        folded, origin = fold_for_matching(text)
        spaced = separate(read_leet(folded))
        stream = collapse(f" {spaced} ")  # runs of spaces collapse too: one between words
        hits = _hits(self._bounded, stream)
        letters = _THREE_LETTERS if stream.text.isascii() else _THREE_LETTERS_ANY
        spelled = letters.search(stream.text)
        if not hits and not spelled:
            return []
        starts, ends = _word_spans(spaced)
        spans = _located(hits, stream, starts, ends)
        if spelled:
            spans += _spelled_out_hits(self, spaced, starts, ends)
        if origin is not None and spans:
            spans = [(w, int(origin[a]), int(origin[b - 1]) + 1) for w, a, b in spans]
        matches = {WordMatch(w.pattern, w.action, a, b, text[a:b]) for w, a, b in spans}
        return sorted(matches, key=lambda m: (m.start, m.end, m.pattern))


def _word_spans(spaced: str) -> tuple[Any, Any]:
    """Start and end of every word of `spaced` (words are runs of non-spaces)."""
    import numpy as np

    in_word = np.frombuffer(spaced.encode("utf-32-le"), dtype=np.uint32) != ord(" ")
    edges = np.diff(np.concatenate(([0], in_word.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _located(
    hits: list[tuple[int, Collapsed, WatchedWord]], stream: Collapsed, starts: Any, ends: Any
) -> list[tuple[WatchedWord, int, int]]:
    """The hits in the stream as spans of whole words of the text (the stream is the text with
    a space in front, collapsed)."""
    import numpy as np

    if not hits:
        return []
    last = [b + len(k.text) - 1 - (k.text[-1] == " ") for b, k, _ in hits]
    raw = stream.uncollapse([b + (k.text[0] == " ") for b, k, _ in hits] + last) - 1
    words = np.searchsorted(starts, raw, side="right") - 1
    return [
        (word, int(starts[a]), int(ends[b]))
        for (_, _, word), a, b in zip(hits, words[: len(hits)], words[len(hits) :], strict=True)
    ]


def _spelled_out_hits(
    matcher: WordMatcher, spaced: str, starts: Any, ends: Any
) -> list[tuple[WatchedWord, int, int]]:
    """Matches in letters spelled out one by one (three or more one-letter words, at most
    SPELLED_OUT_GAP characters apart), as spans of the text."""
    import numpy as np

    single = (ends - starts) == 1
    single[single] = [spaced[i].isalpha() for i in starts[single].tolist()]
    linked = single[:-1] & single[1:] & ((starts[1:] - ends[:-1]) <= SPELLED_OUT_GAP)
    edges = np.diff(np.concatenate(([0], linked.astype(np.int8), [0])))
    found = []
    for first, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if stop - first < SPELLED_OUT_MIN - 1:  # `stop - first` links join one letter more
            continue
        joined = collapse("".join(spaced[i] for i in starts[first : stop + 1].tolist()))
        as_word = joined.shifted(f" {joined.text} ", 1)
        hits = _hits(matcher._bounded, as_word) + _hits(matcher._anywhere, joined)
        found += [(word, int(starts[first]), int(ends[stop])) for _, _, word in hits]
    return found


def _automaton(keyed: list[tuple[Collapsed, WatchedWord]]) -> Any:
    """An Aho-Corasick automaton from collapsed keys to their (key, word) pairs."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for key, word in keyed:
        automaton.add_word(key.text, [*automaton.get(key.text, []), (key, word)])
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _hits(automaton: Any, haystack: Collapsed) -> list[tuple[int, Collapsed, WatchedWord]]:
    """(start, key, word) of the first MAX_MATCHES keys whose doubled letters the haystack
    covers: a text repeating a banned word a thousand times needs no thousand highlights."""
    if not len(automaton):
        return []
    found = (
        (end - len(key.text) + 1, key, word)
        for end, entries in automaton.iter(haystack.text)
        for key, word in entries
        if not len(key.positions) or haystack.covers(key, end - len(key.text) + 1)
    )
    return list(islice(found, MAX_MATCHES))
