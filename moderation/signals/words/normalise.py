"""Text as the word matcher reads it: case and accents folded, digits and leetspeak read as
letters, letter runs collapsed with their lengths kept. Everything is vectorised or done by
C-level translation tables, because it runs on every comment."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

from moderation.signals.chartable import CharTable

_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}
# Digits read as letters everywhere (a number never matches a word anyway).
_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})
FEW_SYMBOLS = 32  # up to this many leet symbols are read one by one, more all at once


@dataclass(frozen=True)
class Collapsed:
    """Text with letter runs collapsed; where runs longer than one were, and how long."""

    text: str
    positions: Any  # numpy int64, sorted: collapsed positions of runs longer than one
    lengths: Any  # numpy int64: those runs' lengths

    def covers(self, key: Collapsed, at: int) -> bool:
        """True when each doubled letter of `key` meets at least as long a run here."""
        import numpy as np

        wanted = key.positions + at
        found = np.searchsorted(self.positions, wanted)
        inside = found < len(self.positions)
        here = np.zeros(len(wanted), dtype=bool)
        here[inside] = self.positions[found[inside]] == wanted[inside]
        return bool(np.all(here) and np.all(self.lengths[found] >= key.lengths))

    def uncollapse(self, positions: list[int]) -> Any:
        """Where collapsed positions were before collapsing (a numpy array)."""
        import numpy as np

        at = np.array(positions, dtype=np.int64)
        if not len(self.positions):
            return at
        removed = np.cumsum(self.lengths - 1)
        before = np.searchsorted(self.positions, at, side="left")
        return at + np.where(before > 0, removed[np.maximum(before - 1, 0)], 0)

    def shifted(self, text: str, by: int) -> Collapsed:
        """The same runs in a text with `by` characters put in front."""
        return Collapsed(text, self.positions + by, self.lengths)


def collapse(text: str) -> Collapsed:
    """'stuuupid' -> 'stupid' with a run of 3 at 2 (vectorised: this runs on every comment)."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if len(codes) < 2:
        return Collapsed(text, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    lengths = np.diff(np.append(starts, len(codes)))
    long_runs = np.flatnonzero(lengths > 1)
    return Collapsed(codes[starts].tobytes().decode("utf-32-le"), long_runs, lengths[long_runs])


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


def fold_for_matching(text: str) -> tuple[str, Any]:
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
    """Folded, with leetspeak read as letters; positions as in `fold_for_matching`'s output."""
    return read_leet(fold_for_matching(text)[0])


def read_leet(folded: str) -> str:
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
    pieces, done = [], 0
    for run in runs:
        start, end = run[0], run[-1] + 1
        before = start > 0 and folded[start - 1].isalnum()
        after = end < len(folded) and folded[end].isalnum()
        symbols = folded[start:end]
        if (
            (before and after)
            or (after and symbols in ("@", "$"))
            or (before and not after and set(symbols) == {"$"})
        ):
            pieces += [folded[done:start], "".join(_LEET_SYMBOLS[c] for c in symbols)]
            done = end
    return "".join([*pieces, folded[done:]])


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
