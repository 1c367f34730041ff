"""What a benchmark's worker is fed: articles, then comments in the order they are posted,
either sampled under one article or as gm-threads' readers posted them, in their threads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import datasets


@dataclass(frozen=True)
class Workload:
    """What the worker is fed: articles by id, then comments (key, article, parent key, text)
    in the order they are posted."""

    articles: dict[str, tuple[str, str]]
    comments: list[tuple[str, str, str | None, str]]


def sample_workload(texts: Sequence[str]) -> Workload:
    """Top-level comments under one short article (the default)."""
    return Workload(
        {"a1": ("Benchmark", "Body")}, [(f"c{i}", "a1", None, t) for i, t in enumerate(texts)]
    )


def threaded_workload(data: Path, count: int) -> Workload:
    """The earliest `count` comments of gm-threads in their threads and articles."""
    articles = datasets.articles(data)
    comments = sorted(datasets.news_comments(data), key=lambda c: c.timestamp)[:count]
    return Workload(
        {
            c.article_id: (articles[c.article_id].title, articles[c.article_id].body)
            for c in comments
        },
        [(c.comment_id, c.article_id, c.parent_id, c.text) for c in comments],
    )
