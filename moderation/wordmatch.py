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

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Any

from moderation.chartable import CharTable

ACTIONS = ("reject", "review", "flag")
_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}
# Digits read as letters everywhere (a number never matches a word anyway).
_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})
_WORD = re.compile(r"[^\W_]+")
_NOT_SPACE = re.compile(r"\S+")
# Three or more single letters, at most three separators apart: `i d i o t`, `i.d.i.o.t`;
# looked for in full only when three one-letter words stand in a row.
_SPELLED_OUT = re.compile(r"(?<![^\W_])[^\W\d_](?:[\W_]{1,3}[^\W\d_]){2,}(?![^\W_])")
_THREE_LETTERS = re.compile(r" [a-z] [a-z] [a-z] ")
_THREE_LETTERS_ANY = re.compile(r"(?: [^\W\d_]){3} ")
ANYWHERE_MIN = 4  # inside spelled-out letters, only entries this long are looked for
MAX_MATCHES = 50  # occurrences reported per text
FEW_SYMBOLS = 32  # up to this many leet symbols are read one by one, more all at once


class PatternError(ValueError):
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


@dataclass(frozen=True)
class Collapsed:
    """Text with letter runs collapsed; `runs` maps a position to its run length when > 1."""

    text: str
    runs: dict[int, int]

    def covers(self, key: Collapsed, at: int) -> bool:
        """True when each doubled letter of `key` meets at least as long a run here."""
        return all(self.runs.get(at + i, 1) >= n for i, n in key.runs.items())

    def uncollapser(self) -> Callable[[int], int]:
        """A function from a collapsed position to where it was before collapsing."""
        positions = sorted(self.runs)
        removed = list(accumulate(self.runs[p] - 1 for p in positions))

        def raw(position: int) -> int:
            before = bisect.bisect_left(positions, position)
            return position + (removed[before - 1] if before else 0)

        return raw


def collapse(text: str) -> Collapsed:
    """'stuuupid' -> 'stupid' with runs {2: 3} (vectorised: this runs on every comment)."""
    import numpy as np

    if len(text) < 2:
        return Collapsed(text, {})
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    lengths = np.diff(np.append(starts, len(codes)))
    long_runs = np.flatnonzero(lengths > 1)
    collapsed = codes[starts].tobytes().decode("utf-32-le")
    return Collapsed(
        collapsed, dict(zip(long_runs.tolist(), lengths[long_runs].tolist(), strict=True))
    )


def fold_char(char: str) -> str:
    """One character lower-cased, accents removed, digits read as letters (maybe 0-n chars)."""
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_DIGITS)


def _separator(char: str) -> str:
    """Everything but letters and digits separates words (underscore too: s_t_u_p_i_d)."""
    return char if char.isalnum() else " "


_SEPARATE_ASCII = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


@functools.cache
def _tables() -> tuple[CharTable, CharTable]:
    """The fold and separator tables, built on first use (about 8 MB each)."""
    return CharTable(fold_char), CharTable(_separator)


def fold(text: str) -> tuple[str, Any]:
    """The folded text and, when folding changed its length, each position's original index."""
    if text.isascii():
        return text.lower().translate(_DIGITS), None
    return _tables()[0].map(text)


def separate(text: str) -> str:
    """`text` with every character that is not a letter or digit turned into a space."""
    if text.isascii():
        return text.translate(_SEPARATE_ASCII)
    return _tables()[1].map(text)[0]


def normalise(text: str) -> str:
    """Folded, with leetspeak read as letters; positions unchanged from `fold`'s output."""
    return _read_leet(fold(text)[0])


def _read_leet(folded: str) -> str:
    """Symbols read as letters inside a word (sh!t), before one (@ss), and dollars after one
    (a$$); elsewhere (`Really!`, `$5`) they stay."""
    count = sum(map(folded.count, _LEET_SYMBOLS))
    if not count:
        return folded
    return _read_few_leet(folded) if count <= FEW_SYMBOLS else _read_many_leet(folded)


def _read_few_leet(folded: str) -> str:
    """The usual case (a `!` or two): look at each symbol."""
    positions = sorted(i for symbol in _LEET_SYMBOLS for i in _positions(folded, symbol))
    runs: list[list[int]] = []
    for position in positions:
        if runs and runs[-1][-1] == position - 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    chars = list(folded)
    for run in runs:
        before = run[0] > 0 and folded[run[0] - 1].isalnum()
        after = run[-1] + 1 < len(folded) and folded[run[-1] + 1].isalnum()
        symbols = {folded[i] for i in run}
        if (
            (before and after)
            or (after and len(run) == 1 and symbols <= {"@", "$"})
            or (before and not after and symbols == {"$"})
        ):
            for i in run:
                chars[i] = _LEET_SYMBOLS[folded[i]]
    return "".join(chars)


def _positions(text: str, symbol: str) -> list[int]:
    found, at = [], text.find(symbol)
    while at != -1:
        found.append(at)
        at = text.find(symbol, at + 1)
    return found


def _read_many_leet(folded: str) -> str:
    """A text full of symbols (hostile, or ASCII art): the same rules, vectorised."""
    import numpy as np

    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).copy()
    word = np.frombuffer(separate(folded).encode("utf-32-le"), dtype=np.uint32) != ord(" ")
    symbol = _leet_tables()[0][np.minimum(codes, 127)]
    edges = np.diff(np.concatenate(([0], symbol.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs [start, end)
    padded = np.concatenate(([False], word, [False]))
    before, after = padded[starts], padded[ends + 1]
    lengths = ends - starts
    dollars = np.add.reduceat((codes == ord("$")).astype(np.int64), starts) == lengths
    leading = (lengths == 1) & ((codes[starts] == ord("@")) | (codes[starts] == ord("$")))
    read = (before & after) | (~before & after & leading) | (before & ~after & dollars)
    positions = np.flatnonzero(symbol)[np.repeat(read, lengths)]  # symbols come run by run
    codes[positions] = _leet_tables()[1][codes[positions]]
    return codes.tobytes().decode("utf-32-le")


@functools.cache
def _leet_tables() -> tuple[Any, Any]:
    """Over ASCII: which characters are leet symbols, and the letter each one reads as."""
    import numpy as np

    is_symbol, letters = np.zeros(128, dtype=bool), np.arange(128, dtype=np.uint32)
    for symbol, letter in _LEET_SYMBOLS.items():
        is_symbol[ord(symbol)], letters[ord(symbol)] = True, ord(letter)
    return is_symbol, letters


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
        folded, origin = fold(text)
        plain = _read_leet(folded)
        spaced = separate(plain)
        words = spaced.split()
        stream = collapse(" " + " ".join(words) + " ")
        spans = _located(_hits(self._bounded, stream), stream, spaced)
        if (_THREE_LETTERS if stream.text.isascii() else _THREE_LETTERS_ANY).search(stream.text):
            spans += _spelled_out_hits(self, plain)
        if origin is not None and spans:
            spans = [(w, int(origin[a]), int(origin[b - 1]) + 1) for w, a, b in spans]
        matches = {WordMatch(w.pattern, w.action, a, b, text[a:b]) for w, a, b in spans}
        return sorted(matches, key=lambda m: (m.start, m.end, m.pattern))


def _located(
    hits: list[tuple[int, Collapsed, WatchedWord]], stream: Collapsed, spaced: str
) -> list[tuple[WatchedWord, int, int]]:
    """The hits in the word stream as spans of the text the words came from."""
    import numpy as np

    if not hits:
        return []
    in_word = np.frombuffer(spaced.encode("utf-32-le"), dtype=np.uint32) != ord(" ")
    edges = np.diff(np.concatenate(([0], in_word.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    # Where each word starts in the uncollapsed stream " w1 w2 ... ": after a space each.
    stream_starts = np.cumsum(np.concatenate(([1], ends[:-1] - starts[:-1] + 1)))
    raw = stream.uncollapser()
    firsts = [raw(b + (k.text[0] == " ")) for b, k, _ in hits]
    lasts = [raw(b + len(k.text) - 1 - (k.text[-1] == " ")) for b, k, _ in hits]
    first_words = np.searchsorted(stream_starts, firsts, side="right") - 1
    last_words = np.searchsorted(stream_starts, lasts, side="right") - 1
    return [
        (word, int(starts[a]), int(ends[b]))
        for (_, _, word), a, b in zip(hits, first_words, last_words, strict=True)
    ]


def _spelled_out_hits(matcher: WordMatcher, plain: str) -> list[tuple[WatchedWord, int, int]]:
    """Matches in letters spelled out one by one, as spans of `plain`."""
    found = []
    for run in _SPELLED_OUT.finditer(plain):
        joined = collapse("".join(separate(run.group()).split()))
        as_word = Collapsed(f" {joined.text} ", {p + 1: n for p, n in joined.runs.items()})
        hits = _hits(matcher._bounded, as_word) + _hits(matcher._anywhere, joined)
        found += [(word, run.start(), run.end()) for _, _, word in hits]
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
        if haystack.covers(key, end - len(key.text) + 1)
    )
    return list(islice(found, MAX_MATCHES))
