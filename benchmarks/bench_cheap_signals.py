"""Cost and quality of the cheap signals: the lexical scorer and the watched-word matcher.

    python -m benchmarks.bench_cheap_signals DATA_DIR [--json FILE]

1. Cost per comment (p50, p99, max) on 5,000-character comments built from real news
   comments, on 5,000-character runs of offensive tweets (dense with matches and symbols),
   and on hostile inputs (letter floods, spaced letters, thousands of leet symbols, scripts
   that fold, emoji, look-alike alphabets, thousands of matches). Target: p99 under 1 ms.
   The word list is built at run time from the data (the 300 words most typical of Davidson's
   offensive tweets, some as wildcards), so no abusive vocabulary is stored in the repository.
2. ROC AUC of the lexical scorer on Davidson (hate speech or offensive vs neither) and on the
   OLID test set (OFF vs NOT). alt-profanity-check was trained on Davidson's tweets among
   others, so its Davidson figure is in-sample; OLID is the honest one.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import datasets
from benchmarks.results import show
from moderation.learning.evaluation import roc_auc
from moderation.signals.lexical import load_model
from moderation.signals.text import words
from moderation.signals.words.matcher import WatchedWord, WordMatcher

LENGTH = 5000


def long_comments(pool: Sequence[str], count: int) -> list[str]:
    """Texts of `pool` joined into texts of exactly LENGTH characters."""
    rng = random.Random(1)
    built = []
    for _ in range(count):
        text = ""
        while len(text) < LENGTH:
            text += rng.choice(pool) + " "
        built.append(text[:LENGTH])
    return built


def hostile_inputs() -> dict[str, str]:
    """Inputs written to be slow or to evade, each LENGTH characters."""
    pieces = {
        "one letter": "a",
        "spaced letters": "a ",
        "spaced evasions": "i d i o t ",
        "leet symbols": "!@$|+",
        "leet words": "sh!t @ss a$$ ",
        "accents": "é",
        "ligatures": "ﬁ",
        "cyrillic": "Привет мир, как дела? ",
        "emoji": "😀 ",
        "math alphabet": "𝐢𝐝𝐢𝐨𝐭 ",  # noqa: RUF001  (the evasion being measured)
        "stretched": "stuuuuuupid ",
        "many matches": "idiot ",
        "one long word": "x" * 97 + " ",
        "digits": "1234567890",
        "punctuation": ".,;:-_*",
    }
    return {name: (piece * (LENGTH // len(piece) + 1))[:LENGTH] for name, piece in pieces.items()}


def typical_offensive_words(data: Path, count: int = 300) -> list[WatchedWord]:
    """The words most over-represented in Davidson's offensive tweets: a realistic list size."""
    tweets = datasets.davidson(data)
    offensive = Counter(w for t, y in tweets if y for w in set(words(t)) if len(w) > 2)
    clean = Counter(w for t, y in tweets if not y for w in set(words(t)) if len(w) > 2)
    ranked = sorted(offensive, key=lambda w: -(offensive[w] + 1) / (clean[w] + 1))[:count]
    return [WatchedWord(f"{w}*" if i % 5 == 0 else w, "review") for i, w in enumerate(ranked)]


def percentiles(work: Callable[[str], object], texts: Sequence[str]) -> dict[str, float]:
    """p50, p99 and max milliseconds of `work` per text (each text run 3 times)."""
    times = []
    for text in texts:
        for _ in range(3):
            started = time.perf_counter()
            work(text)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(times[len(times) // 2], 3),
        "p99_ms": round(times[int(len(times) * 0.99)], 3),
        "max_ms": round(times[-1], 3),
    }


def auc(model: Any, labelled: list[tuple[str, int]]) -> float | None:
    """ROC AUC of the lexical probability against the labels."""
    return roc_auc([y for _, y in labelled], [model.probability(t) for t, _ in labelled])


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    model = load_model()
    matcher = WordMatcher(typical_offensive_words(args.data))
    news = long_comments([c.text for c in datasets.news_comments(args.data)], args.comments)
    tweets = long_comments([t for t, _ in datasets.davidson(args.data)], args.comments)
    hostile = hostile_inputs()
    for text in [*news, *tweets, *hostile.values()]:
        matcher.find(text)  # each process learns a character's folding once: not timed

    def both(text: str) -> None:
        model.probability(text)
        matcher.find(text)

    results: dict[str, Any] = {"word_list_entries": len(matcher.words)}
    sets = (
        ("news comments", news),
        ("offensive tweets (match-dense)", tweets),
        ("hostile", list(hostile.values())),
        ("all", news + tweets + list(hostile.values())),
    )
    for name, texts in sets:
        results[name] = {
            "lexical": percentiles(model.probability, texts),
            "words": percentiles(matcher.find, texts),
            "lexical+words": percentiles(both, texts),
        }
    results["hostile_each_p99_ms"] = {
        name: percentiles(both, [text])["p99_ms"] for name, text in hostile.items()
    }
    results["lexical_auc"] = {
        "davidson (in-sample)": auc(model, datasets.davidson(args.data)),
        "olid_test": auc(model, datasets.olid_test(args.data)),
    }
    show(results, args.json)


if __name__ == "__main__":
    main()
