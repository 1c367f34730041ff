"""What the on-topic scorer costs a worker, on comments posted in their threads.

    python -m benchmarks.bench_relevance_cost DATA_DIR [--comments 256] [--batch 32] [--runs 3]
        [--torch-threads N]

The earliest comments of gm-threads are posted through the intake service (as replies to their
own parents: three in five are replies) into a SQLite database, then scored by the worker's
relevance scorer (built by `default_scorers`, as a worker builds it) in batches, each batch
published before the next, as a worker would see them. Reports, per run, the seconds scoring
and the CPU seconds this process spent in them (the fastest run stands out: the machine is
shared), the seconds inside the embedding model, how many texts it embedded and how many tokens
went through it: with padding, and without. The script only uses functions the code before
issue 12 has too, so it measures both (see README, Measurements).
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
    data: Path, count: int, batch: int, workdir: Path, embedded: dict[str, float]
) -> dict[str, float]:
    """One run on a fresh database: seconds scoring (wall, CPU, in the model), texts embedded
    (article passages too) and tokens through the model."""
    from sqlalchemy import update

    from moderation.comments.intake import submit_comment, upsert_article
    from moderation.comments.validation import ArticleData, CommentSubmission
    from moderation.config import load_settings
    from moderation.db import make_engine, make_session_factory, upgrade, utcnow
    from moderation.decisions.pending import pending
    from moderation.models import Comment
    from moderation.policy.reader import load as load_policy
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
            article_data = ArticleData(title, f"https://e.org/{key}", body, None)
            upsert_article(session, site.id, key, article_data)
        for i, (key, article, parent, text) in enumerate(workload.comments):
            posted = CommentSubmission(article, ids.get(parent or ""), f"u{i}", "U", text)
            ids[key] = submit_comment(session, site.id, posted, lambda _: None)[0].id
    scorer = default_scorers(settings, sessions, None, load_policy).relevance
    scorer.warm_up()
    assert scorer.model is not None
    hook = counting_tokens(scorer.model.model, embedded)
    embedded |= dict.fromkeys(embedded, 0)
    order, seconds, cpu = list(ids.values()), 0.0, 0.0
    for start in range(0, len(order), batch):
        chosen = order[start : start + batch]
        with sessions() as session:
            inputs = [p.input for p in pending(session, chosen)]
            started, started_cpu = time.perf_counter(), time.process_time()
            scorer.score_batch(inputs)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            published = update(Comment).where(Comment.id.in_(chosen))
            session.execute(published.values(status="published", decided_at=utcnow()))
            session.commit()
    hook.remove()
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)} | {
        key: round(value, 2) for key, value in embedded.items()
    }


def counting_texts() -> dict[str, float]:
    """Count the texts every embedder of this process encodes from now on, and the seconds
    it takes."""
    from moderation.signals.relevance.embeddings import Embedder as cls

    counted = dict.fromkeys(("texts_embedded", "model_seconds", "tokens", "padded_tokens"), 0.0)
    encode = cls.encode

    def counting(self: Any, texts: Any) -> Any:
        counted["texts_embedded"] += len(texts)
        started = time.perf_counter()
        try:
            return encode(self, texts)
        finally:
            counted["model_seconds"] += time.perf_counter() - started

    cls.encode = counting  # type: ignore[method-assign]
    return counted


def counting_tokens(embedder: Any, counted: dict[str, float]) -> Any:
    """Count the tokens each forward pass of the embedder's transformer reads, with and without
    padding; returns the hook (`.remove()` it)."""

    def count(module: Any, args: Any) -> None:
        mask = args[0]["attention_mask"]
        counted["tokens"] += int(mask.sum())
        counted["padded_tokens"] += mask.numel()

    return embedder.model[0].register_forward_pre_hook(count)


def main() -> None:
    """Several runs; print the fastest and the count of embedded texts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--comments", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=0, help="0: torch's choice")
    args = parser.parse_args()
    if args.torch_threads:  # not lanes.set_torch_threads: this also runs against old code
        import torch

        torch.set_num_threads(args.torch_threads)
    found, embedded = [], counting_texts()
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            found.append(run(args.data, args.comments, args.batch, Path(tmp), embedded))
    best = min(found, key=lambda r: r["seconds"])
    print(json.dumps({"runs": found, "fastest": best, "batch": args.batch}, indent=2))


if __name__ == "__main__":
    main()
