"""The on-topic check on real news threads: the gm-threads swap test.

    python -m benchmarks.bench_relevance DATA_DIR [--out DIR] [--json FILE]

Builds three `modq eval` files from gm-threads (written to --out, so they can be rerun with
`modq eval`):
- article.jsonl: each published comment with its own article (on topic) and with another
  article picked at random (off topic); no parent, so the article alone decides;
- reply_easy.jsonl: each reply with its real parent (on topic) and with a comment from
  another article (off topic); no article;
- reply_hard.jsonl: the same, the stand-in parent coming from another thread of the same
  article;
- article_toplevel.jsonl: article.jsonl without the replies (which the service judges with
  their parent, not alone);
- real_in_context.jsonl: every real comment with its article and, for a reply, its parent, as
  the service sees it: the share flagged off-topic there is the cost of the threshold.
Runs them through the evaluation code of `modq eval` with the on-topic scorer and reports
ROC AUC, the threshold at which at most 5% of real pairs would be flagged off-topic (and what
that threshold catches), the share flagged at the configured threshold, the cost per comment
(p50, p99) and the peak memory of a process with the model loaded.
Targets: article AUC >= 0.95, reply (easy) AUC >= 0.9, <= 5% of real comments flagged.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import datasets
from benchmarks.results import show
from moderation.learning.evaluation import (
    Example,
    prepare_relevance,
    read_examples,
    report,
    score_examples,
)
from moderation.policy.document import Policy
from moderation.policy.reader import load
from moderation.signals.relevance.embeddings import load_embedder

MAX_FLAGGED = 0.05


def build_files(data: Path, out: Path) -> dict[str, Path]:
    """Write the three swap-test files; returns their paths."""
    articles, comments = datasets.articles(data), datasets.news_comments(data)
    rng = random.Random(0)
    by_id = {c.comment_id: c for c in comments}
    opener = {c.comment_id: _opener(c, by_id) for c in comments}
    files: dict[str, list[Any]] = {
        "article": [],
        "article_toplevel": [],
        "reply_easy": [],
        "reply_hard": [],
        "real_in_context": [],
    }
    for comment in comments:
        own = articles[comment.article_id]
        files["real_in_context"].append(
            {  # as the service sees it: article and parent
                "text": comment.text,
                "parent": comment.parent_text,
                "article": {"title": own.title, "body": own.body},
                "labels": {"on_topic": 1},
            }
        )
        other = rng.choice([a for a in articles if a != comment.article_id])
        for article_id, label in ((comment.article_id, 1), (other, 0)):
            article = articles[article_id]
            row = {
                "text": comment.text,
                "parent": None,
                "article": {"title": article.title, "body": article.body},
                "labels": {"on_topic": label},
            }
            files["article"].append(row)
            if comment.parent_text is None:
                files["article_toplevel"].append(row)
        if comment.parent_text is None:
            continue
        elsewhere = rng.choice([c for c in comments if c.article_id != comment.article_id])
        other_thread = rng.choice(
            [
                c
                for c in comments
                if c.article_id == comment.article_id
                and opener[c.comment_id] != opener[comment.comment_id]
            ]
        )
        for name, stand_in in (("reply_easy", elsewhere), ("reply_hard", other_thread)):
            files[name] += [
                {
                    "text": comment.text,
                    "parent": comment.parent_text,
                    "article": None,
                    "labels": {"on_topic": 1},
                },
                {
                    "text": comment.text,
                    "parent": stand_in.text,
                    "article": None,
                    "labels": {"on_topic": 0},
                },
            ]
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in files.items():
        paths[name] = out / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return paths


def _opener(comment: Any, by_id: dict[str, Any]) -> str:
    while comment.parent_id in by_id:
        comment = by_id[comment.parent_id]
    return str(comment.comment_id)


def scorer_with(embedder: Any) -> Any:
    """A relevance scorer on an already loaded model and a fresh memory store."""
    from moderation.signals.relevance.article_vectors import MemoryStore
    from moderation.signals.relevance.scorer import RelevanceScorer

    return RelevanceScorer(lambda: embedder, MemoryStore())


def measure(name: str, examples: list[Example], policy: Policy, embedder: Any) -> dict[str, Any]:
    """AUC, flagged shares and the threshold keeping real pairs flagged under 5%."""
    scorer = scorer_with(embedder)
    prepare_relevance(scorer, examples)
    signals = score_examples(examples, [scorer])
    figures = report(examples, signals, policy)
    scores = [
        (
            e.labels["on_topic"],
            s["relevance"].scores["on_topic"],
            s["relevance"].details.get("confidence", 1.0),
        )
        for e, s in zip(examples, signals, strict=True)
    ]
    confident = sorted(x for y, x, c in scores if y == 1 and c >= 0.5)
    threshold = confident[int(len(confident) * MAX_FLAGGED)] if confident else 0.0
    caught = [x < threshold for y, x, c in scores if y == 0 and c >= 0.5]
    return {
        "file": name,
        "examples": len(examples),
        "auc": figures["auc"].get("on_topic", {}).get("relevance"),
        "flagged_at_configured_threshold": figures["off_topic"]["on_topic_flagged"],
        "caught_at_configured_threshold": figures["off_topic"]["off_topic_caught"],
        "threshold_for_5_percent_flagged": round(threshold, 4),
        "caught_at_that_threshold": round(sum(caught) / max(len(caught), 1), 4),
        "method": signals[0]["relevance"].details.get("method"),
    }


def cost_per_comment(examples: list[Example], embedder: Any, count: int = 200) -> dict[str, float]:
    """Milliseconds to score one comment at a time (article vectors already cached)."""
    scorer = scorer_with(embedder)
    sample = examples[:count]
    scorer.prepare([(e.article_title, e.article_body) for e in sample], [])
    times = []
    for example in sample:
        started = time.perf_counter()
        score_examples([example], [scorer])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(times[len(times) // 2], 2),
        "p99_ms": round(times[int(len(times) * 0.99)], 2),
    }


def main() -> None:
    """Build the files, run them, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "modq-swap")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    paths = build_files(args.data, args.out)
    embedder = load_embedder()
    policy = load()  # the built-in policy: its on_topic.min is the configured threshold
    results: dict[str, Any] = {"files": {k: str(v) for k, v in paths.items()}}
    for name, path in paths.items():
        results[name] = measure(name, read_examples(path), policy, embedder)
    results["cost_per_comment"] = cost_per_comment(read_examples(paths["article"]), embedder)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    show(results, args.json)


if __name__ == "__main__":
    main()
