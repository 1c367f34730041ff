"""Two sites on one installation: on-topic lines learned per site, or from both sites pooled.

    python -m benchmarks.bench_topic_sites DATA_DIR [--out DIR] [--json FILE]

Builds bench_topic_site's files and treats its two variants of gm-threads' four commented
articles as two sites of one installation: `full` (articles as published) and `thin` (title
and first sentence). For each held-out article, each site's history (the other three
articles' comments in their real context) and its held-out comments (genuine and misplaced)
are scored once, as `modq eval --history` scores them. The site's comments are then decided
at the lines learned from its own history (per site, as beat learns them now) and at the lines
learned from both sites' histories together (one line for the installation, as before).
Reports, per site, the lines and the share of genuine comments flagged and of misplaced ones
caught, over the four held-out articles.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_relevance import scorer_with
from benchmarks.bench_topic_measure import pooled
from benchmarks.bench_topic_site import VARIANTS, build, write
from benchmarks.results import show
from moderation.learning.evaluation import (
    learned_lines,
    prepare_relevance,
    read_examples,
    report,
    score_examples,
)
from moderation.policy.reader import load

Scored = tuple[list[Any], list[Any], list[Any], list[Any]]  # history, its signals, site, its


def score_fold(paths: dict[str, Path], variant: str, article: str, embedder: Any) -> Scored:
    """One site's history and held-out comments for one held-out article, scored."""
    history = read_examples(paths[f"{variant}_history_{article}"])
    site = read_examples(paths[f"{variant}_site_{article}"])
    scorer = scorer_with(embedder)
    prepare_relevance(scorer, [*history, *site])
    return history, score_examples(history, [scorer]), site, score_examples(site, [scorer])


def measure(paths: dict[str, Path], embedder: Any) -> dict[str, Any]:
    """Per site: lines and rates when learned from its own history and from both pooled."""
    policy = load()
    articles = sorted(n.removeprefix("full_site_") for n in paths if n.startswith("full_site_"))
    own: dict[str, list[Any]] = {v: [] for v in VARIANTS}
    both: dict[str, list[Any]] = {v: [] for v in VARIANTS}
    for article in articles:
        folds = {v: score_fold(paths, v, article, embedder) for v in VARIANTS}
        all_history = [e for v in VARIANTS for e in folds[v][0]]
        all_signals = [s for v in VARIANTS for s in folds[v][1]]
        pooled_lines = learned_lines(all_history, all_signals, policy)
        for variant, (history, signals, site, found) in folds.items():
            lines = learned_lines(history, signals, policy)
            own[variant].append(report(site, found, policy, lines))
            both[variant].append(report(site, found, policy, pooled_lines))
    return {
        v: {
            "per_site": {**pooled(own[v]), "lines": [r["lines"] for r in own[v]]},
            "pooled": {**pooled(both[v]), "lines": [r["lines"] for r in both[v]]},
        }
        for v in VARIANTS
    }


def main() -> None:
    """Build the files, measure, print the figures."""
    from moderation.signals.relevance.embeddings import load_embedder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "modq-sites")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    embedder = load_embedder()
    results = measure(write(build(args.data, embedder), args.out), embedder)
    show(results, args.json)


if __name__ == "__main__":
    main()
