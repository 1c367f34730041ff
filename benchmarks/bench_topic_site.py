"""The on-topic check on a simulated hard site: thin articles on one subject, learned lines.

    python -m benchmarks.bench_topic_site DATA_DIR [--out DIR] [--json FILE]
    python -m benchmarks.bench_topic_site DATA_DIR --before   # with the code before issue 12

Simulates the sites where the on-topic check failed, from gm-threads: its four commented
articles are all about Canadian and US politics.
- Articles: `full` as published, or `thin`: the title and the first sentence of the body.
- Background: the 20 articles closest to the commented ones (full-text centroid), so the
  other articles a comment is compared with are on the same subject (the files carry the 16
  uncommented ones as unlabelled rows, so `modq eval` registers them too).
- Discussion: each comment comes with the 30 newest comments published before it on its
  article.
- Misplaced comments: each comment placed, as a top-level comment, under another commented
  article (with that article's discussion at the same point).
- Lines learned from history on other articles: for each commented article, the lines are
  learned from the other three articles' comments in their real context, then applied to its
  comments (leave one article out).

Writes, per variant, `{variant}_swap.jsonl` (each comment with its own article and with another
one, no parent: the AUC, against plain MiniLM cosine of comment and article text),
`{variant}_site.jsonl` (genuine comments in their real context, parent included, and the
misplaced ones: flag and catch rates), and per article `{variant}_site_{id}.jsonl` with its
history `{variant}_history_{id}.jsonl`, which `modq eval FILE --history HISTORY` reads.
Reports AUC, the share of genuine comments flagged and of misplaced ones caught, at the
built-in line and at the learned lines. Targets: flagged <= 5%, caught >= 50%, AUC above
plain cosine.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import datasets
from benchmarks.results import show

TOPIC_ARTICLES = 20
DISCUSSION = 30
SUFFIX = " - The Globe and Mail"
VARIANTS = ("full", "thin")


def thin(article: Any) -> tuple[str, str]:
    """The title and the first sentence of the body, as a standfirst-only site sends them."""
    body = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article.body)).split())
    first = re.match(r"(.+?[.!?])(\s|$)", body)
    return article.title.removesuffix(SUFFIX), first.group(1) if first else body


def same_topic(articles: dict[str, Any], commented: list[str], embedder: Any) -> list[str]:
    """The TOPIC_ARTICLES articles closest to the commented ones (commented ones included)."""
    from moderation.signals.relevance.article_vectors import embed_article

    centroids = {
        k: embed_article(embedder, a.title, None, a.body).centroid for k, a in articles.items()
    }
    core = sum(centroids[k] for k in commented)
    return sorted(articles, key=lambda k: -float(centroids[k] @ core))[:TOPIC_ARTICLES]


def build(data: Path, embedder: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Rows per variant and file name (see the module's docstring)."""
    articles, comments = datasets.articles(data), datasets.news_comments(data)
    by_article: dict[str, list[Any]] = {}
    for comment in sorted(comments, key=lambda c: c.timestamp):
        by_article.setdefault(comment.article_id, []).append(comment)
    commented = sorted(by_article)
    topic = same_topic(articles, commented, embedder)
    rng = random.Random(0)
    built: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for variant in VARIANTS:
        text = {k: _text(articles[k], variant) for k in topic}
        files: dict[str, list[dict[str, Any]]] = {"swap": [], "site": []}
        background = [
            _row(text[k][0], text[k], None, [], None) for k in topic if k not in by_article
        ]
        for article_id in commented:
            own = files.setdefault(f"site_{article_id}", [])
            history = files.setdefault(f"history_{article_id}", [])
            for rank, comment in enumerate(by_article[article_id]):
                other = rng.choice([k for k in commented if k != article_id])
                said = [c.text for c in by_article[article_id][:rank]][-DISCUSSION:]
                elsewhere = [c.text for c in by_article[other][:rank]][-DISCUSSION:]
                genuine = _row(comment.text, text[article_id], comment.parent_text, said, 1)
                misplaced = _row(comment.text, text[other], None, elsewhere, 0)
                files["swap"] += [_row(comment.text, text[article_id], None, said, 1), misplaced]
                files["site"] += [genuine, misplaced]
                own += [genuine, misplaced]
            for other in commented:
                if other != article_id:
                    history += list(_genuine(other, by_article, text))
        for name in files:
            if not name.startswith("history"):
                files[name] += background
        built[variant] = files
    return built


def _genuine(
    article_id: str,
    by_article: dict[str, list[Any]],
    text: dict[str, tuple[str, str]],
) -> Iterator[dict[str, Any]]:
    for rank, comment in enumerate(by_article[article_id]):
        said = [c.text for c in by_article[article_id][:rank]][-DISCUSSION:]
        yield _row(comment.text, text[article_id], comment.parent_text, said, None)


def _text(article: Any, variant: str) -> tuple[str, str]:
    return thin(article) if variant == "thin" else (article.title, article.body)


def _row(
    text: str, article: tuple[str, str], parent: str | None, said: list[str], label: int | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "text": text,
        "article": {"title": article[0], "body": article[1]},
        "parent": parent,
        "discussion": said,
    }
    if label is not None:
        row["labels"] = {"on_topic": label}
    return row


def write(built: dict[str, dict[str, list[dict[str, Any]]]], out: Path) -> dict[str, Path]:
    """Every file, as JSON lines; returns their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for variant, files in built.items():
        for name, rows in files.items():
            path = paths[f"{variant}_{name}"] = out / f"{variant}_{name}.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return paths


def after(paths: dict[str, Path], embedder: Any) -> dict[str, Any]:
    """The figures with the current code: built-in line and learned lines."""
    from benchmarks.bench_topic_measure import measure_variant

    return {v: measure_variant(paths, v, embedder) for v in VARIANTS}


def before(out: Path, embedder: Any) -> dict[str, Any]:
    """AUC, flag and catch rates at the policy's line, through the evaluation functions the
    code before issue 12 has too (it learns no line and reads no discussion)."""
    from benchmarks.bench_relevance import scorer_with
    from moderation.learning.evaluation import (
        prepare_relevance,
        read_examples,
        report,
        score_examples,
    )
    from moderation.policy.reader import load

    found: dict[str, Any] = {}
    for variant in VARIANTS:
        for name in ("swap", "site"):
            examples = read_examples(out / f"{variant}_{name}.jsonl")
            scorer = scorer_with(embedder)
            prepare_relevance(scorer, examples)
            signals = score_examples(examples, [scorer])
            figures = report(examples, signals, load())
            found[f"{variant}_{name}"] = {
                "auc": figures["auc"]["on_topic"]["relevance"],
                "flagged": figures["off_topic"]["on_topic_flagged"],
                "flagged_top_level": _top_level_flagged(examples, signals),
                "caught": figures["off_topic"]["off_topic_caught"],
            }
    return found


def _top_level_flagged(examples: list[Any], signals: list[Any]) -> float:
    """Share of genuine comments without a parent that the policy flags off-topic."""
    from moderation.policy.reader import load
    from moderation.policy.rules import decide

    flagged = [
        any(r.code == "off_topic" for r in decide(s, load()).reasons)
        for e, s in zip(examples, signals, strict=True)
        if e.labels.get("on_topic") == 1 and e.parent is None
    ]
    return round(sum(flagged) / len(flagged), 4)


def main() -> None:
    """Build the files, measure, print the figures."""
    from moderation.signals.relevance.embeddings import load_embedder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "modq-site")
    parser.add_argument("--before", action="store_true", help="measure existing files only")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    embedder = load_embedder()
    if args.before:
        results = before(args.out, embedder)
    else:
        results = after(write(build(args.data, embedder), args.out), embedder)
    show(results, args.json)


if __name__ == "__main__":
    main()
