"""Scorers' shared state when a scoring worker runs two batches at once, in threads of one
process (workers/roles.py): what one batch's scorer learns or reconfigures must not break the
other's."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moderation.signals.chartable import CharTable


@contextmanager
def switching_often() -> Iterator[None]:
    """Threads take turns every microsecond instead of every 5 ms, so races show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def side_by_side(work: Callable[[int], Any], threads: int) -> list[BaseException]:
    """Run work(n) for n in range(threads) at once; the exceptions they raised."""
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as error:  # reported to the test
            errors.append(error)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    with switching_often():
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
    return errors


def test_a_char_table_learning_in_two_threads_keeps_every_characters_mapping() -> None:
    # Two threads learning new characters at once lost a row of the table: a character then
    # mapped to another's result for the life of the process.
    table = CharTable(lambda c: c + c)  # every character maps to two
    found: dict[int, str] = {}

    def learn(n: int) -> None:
        for start in range(0x4E00 + 3000 * n, 0x4E00 + 3000 * (n + 1), 50):
            text = "".join(chr(code) for code in range(start, start + 50))
            found[start] = table.map(text)[0]

    assert side_by_side(learn, 4) == []
    wrong = {
        start: mapped
        for start, mapped in found.items()
        if mapped != "".join(chr(code) * 2 for code in range(start, start + 50))
    }
    assert not wrong, f"{len(wrong)} texts mapped wrong"


def test_the_embedder_counts_and_encodes_in_two_threads_at_once(embedder: Any) -> None:
    # Counting tokens (no padding) and encoding (padding) reconfigure one Rust tokenizer; one
    # changed while another thread encodes with it can fail with "Already borrowed"
    # (huggingface/tokenizers#537; not seen with tokenizers 0.23.3 here, so a guard).
    # Long texts: the tokenizer is borrowed while it reads them, the window for the other
    # thread to reconfigure it (the model reads only the first 96 tokens).
    sentence = "about the council's budget and the new bridge"
    texts = [f"comment {n} {sentence} " * (60 + n) for n in range(8)]

    def embed(n: int) -> None:
        for _ in range(4):
            embedder.lengths(texts[n::2])
            embedder.encode(texts[n::2])

    errors = side_by_side(embed, 2)
    assert errors == [], errors[:1]
