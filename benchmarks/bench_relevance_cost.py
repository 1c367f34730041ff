"""What the on-topic scorer costs a worker, on comments posted in their threads.

    python -m benchmarks.bench_relevance_cost DATA_DIR [--comments 256] [--batch 32] [--runs 3]

The earliest comments of gm-threads are posted through the intake service (as replies to their
own parents: three in five are replies) into a SQLite database, then scored by the worker's
relevance scorer (built by `default_scorers`, as a worker builds it) in batches, each batch
published before the next, as a worker would see them. Reports the seconds per run (the fastest
of --runs: the machine is shared) and how many texts the model embedded. The script only uses
functions the code before issue 12 has too, so it measures both (see README, Measurements).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.workloads import threaded_workload


def run(
    data: Path, count: int, batch: int, workdir: Path, embedded: dict[str, int]
) -> dict[str, float]:
    """One run on a fresh database: seconds scoring, texts embedded (article passages too)."""
    from sqlalchemy import update

    from moderation.comments.intake import submit_comment, upsert_article
    from moderation.comments.validation import ArticleData, CommentSubmission
    from moderation.config import load_settings
    from moderation.db import make_engine, make_session_factory, upgrade, utcnow
    from moderation.decisions.pending import pending
    from moderation.models import Comment
    from moderation.sites import create_site
    from moderation.wiring import default_scorers

    settings = load_settings({}, database_url=f"sqlite:///{workdir / 'cost.db'}", var_dir=workdir)
    upgrade(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    workload = threaded_workload(data, count)
    ids: dict[str, str] = {}
    with sessions() as session:
        site, _ = create_site(session, "bench")
        for key, (title, body) in workload.articles.items():
            data = ArticleData(title, f"https://e.org/{key}", body, None)
            upsert_article(session, site.id, key, data)
        for i, (key, article, parent, text) in enumerate(workload.comments):
            posted = CommentSubmission(article, ids.get(parent or ""), f"u{i}", "U", text)
            ids[key] = submit_comment(session, site.id, posted, lambda _: None)[0].id
    scorer = default_scorers(settings, sessions, None, lambda: None).relevance
    scorer.warm_up()
    embedded["texts"], order, seconds = 0, list(ids.values()), 0.0
    for start in range(0, len(order), batch):
        chosen = order[start : start + batch]
        with sessions() as session:
            inputs = [p.input for p in pending(session, chosen)]
            started = time.perf_counter()
            scorer.score_batch(inputs)
            seconds += time.perf_counter() - started
            published = update(Comment).where(Comment.id.in_(chosen))
            session.execute(published.values(status="published", decided_at=utcnow()))
            session.commit()
    return {"seconds": round(seconds, 2), "texts_embedded": embedded["texts"]}


def counting_texts() -> dict[str, int]:
    """Count the texts every embedder of this process encodes from now on."""
    from moderation.signals.relevance.embeddings import Embedder as cls

    counted = {"texts": 0}
    encode = cls.encode

    def counting(self: Any, texts: Any) -> Any:
        counted["texts"] += len(texts)
        return encode(self, texts)

    cls.encode = counting  # type: ignore[method-assign]
    return counted


def main() -> None:
    """Several runs; print the fastest and the count of embedded texts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--comments", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    found, embedded = [], counting_texts()
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            found.append(run(args.data, args.comments, args.batch, Path(tmp), embedded))
    best = min(found, key=lambda r: r["seconds"])
    print(json.dumps({"runs": found, "fastest": best, "batch": args.batch}, indent=2))


if __name__ == "__main__":
    main()
