"""The measures of bench_topic_site, taken exactly as `modq eval [--history]` takes them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_relevance import scorer_with
from moderation.learning.evaluation import Example, evaluate, read_examples, roc_auc
from moderation.policy.reader import load


def measure_variant(paths: dict[str, Path], variant: str, embedder: Any) -> dict[str, Any]:
    """AUC (and plain cosine's) on the swap file; flag and catch rates on the site file at
    the built-in line, and per article at the lines learned from the other articles."""
    policy = load()
    swap = read_examples(paths[f"{variant}_swap"])
    swapped = evaluate(swap, [], [scorer_with(embedder)], policy)
    site = evaluate(read_examples(paths[f"{variant}_site"]), [], [scorer_with(embedder)], policy)
    folds = [
        evaluate(
            read_examples(path),
            read_examples(paths[name.replace("_site_", "_history_")]),
            [scorer_with(embedder)],
            policy,
        )
        for name, path in sorted(paths.items())
        if name.startswith(f"{variant}_site_")
    ]
    return {
        "auc": swapped["auc"]["on_topic"]["relevance"],
        "auc_plain_cosine": plain_cosine_auc(swap, embedder),
        "builtin_line": {
            "flagged": site["off_topic"]["on_topic_flagged"],
            "flagged_top_level": site["off_topic"]["on_topic_flagged_top_level"],
            "caught": site["off_topic"]["off_topic_caught"],
            "flagged_without_parents": swapped["off_topic"]["on_topic_flagged"],
        },
        "learned_lines": pooled(folds),
        "lines": [f["lines"] for f in folds],
    }


def pooled(folds: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Flag and catch rates over every held-out article's examples together."""
    figures = [f["off_topic"] for f in folds]
    return {
        "flagged": _pooled(figures, "on_topic_flagged", "on_topic_examples"),
        "flagged_top_level": _pooled(
            figures, "on_topic_flagged_top_level", "on_topic_top_level_examples"
        ),
        "caught": _pooled(figures, "off_topic_caught", "off_topic_examples"),
    }


def _pooled(figures: Sequence[dict[str, Any]], share: str, count: str) -> float:
    total = sum(f[count] for f in figures)
    return round(sum(f[share] * f[count] for f in figures) / total, 4)


def plain_cosine_auc(examples: Sequence[Example], embedder: Any) -> float | None:
    """AUC of the cosine between the comment and the article's text, embedded whole."""
    labelled = [e for e in examples if "on_topic" in e.labels]
    texts = list(
        dict.fromkeys(t for e in labelled for t in (e.text, f"{e.article_title}\n{e.article_body}"))
    )
    vectors = dict(zip(texts, embedder.encode(texts), strict=True))
    scores = [
        float(vectors[e.text] @ vectors[f"{e.article_title}\n{e.article_body}"]) for e in labelled
    ]
    return roc_auc([int(e.labels["on_topic"]) for e in labelled], scores)
