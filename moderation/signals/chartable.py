"""Per-character text mapping at C speed for any script, filled lazily from a Python rule.

`str.translate` is fast only for ASCII: on other scripts it costs ~80 ns a character, too
slow for the budget of the cheap signals (1 ms for 5,000 characters, hostile input included).
A CharTable keeps a numpy lookup array over all code points, computes the rule once per new
character, and maps a whole text with one vectorised lookup. A rule may return several
characters (folding 'ß' gives 'ss', 'ﬁ' gives 'fi'); the table then also says where each
output character came from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

UNICODE_SIZE = 0x110000
MAX_PIECE = 8  # longer results of the rule are cut: a single character is never a word


class CharTable:
    """Maps text through `rule` (character -> string), one lookup per character."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        self.rule = rule
        self._single = np.arange(UNICODE_SIZE, dtype=np.uint32)  # the 1-character results
        self._piece = np.zeros(UNICODE_SIZE, dtype=np.uint16)  # row in _pieces, 0 if single
        self._known = np.zeros(UNICODE_SIZE, dtype=bool)
        self._pieces = np.zeros((1, MAX_PIECE), dtype=np.uint32)
        self._lengths = np.ones(1, dtype=np.int64)  # length of each row of _pieces
        # A scoring worker maps texts in two batches at once: two threads learning new
        # characters together would lose a row of _pieces (a character folded wrong for good).
        self._learning = threading.Lock()

    def map(self, text: str) -> tuple[str, np.ndarray | None]:
        """The mapped text, and where each of its characters came from if lengths changed."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        self._learn(codes)
        rows = self._piece[codes]
        if not rows.any():
            return self._single[codes].tobytes().decode("utf-32-le"), None
        lengths = self._lengths[rows]
        lengths[rows == 0] = 1
        origin = np.repeat(np.arange(len(codes)), lengths)
        offset = np.arange(len(origin)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        out = np.where(
            rows[origin] == 0,
            self._single[codes[origin]],
            self._pieces[rows[origin], np.minimum(offset, MAX_PIECE - 1)],
        )
        return out.astype(np.uint32).tobytes().decode("utf-32-le"), origin

    def _learn(self, codes: np.ndarray) -> None:
        if self._known[codes].all():  # the usual case: no lock taken
            return
        with self._learning:
            for code in np.unique(codes[~self._known[codes]]).tolist():
                result = self.rule(chr(code))[:MAX_PIECE]
                if len(result) == 1:
                    self._single[code] = ord(result)
                else:
                    self._add_piece(code, result)
                self._known[code] = True

    def _add_piece(self, code: int, result: str) -> None:
        # The row exists before any character points at it: a text being mapped meanwhile in
        # another thread never looks past the end of _pieces.
        row = np.zeros((1, MAX_PIECE), dtype=np.uint32)
        row[0, : len(result)] = [ord(c) for c in result]
        self._pieces = np.vstack([self._pieces, row])
        self._lengths = np.append(self._lengths, len(result))
        self._piece[code] = len(self._pieces) - 1
