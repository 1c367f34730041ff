"""A scoring worker's memory over a flood: RSS after warm-up, after 1,000 comments, 10,000.

    python -m benchmarks.bench_memory DATA [--steps 1000,10000] [--bert [--torch-threads 1]]
        [--worker-env NAME=VALUE ...]

Starts its own PostgreSQL and Redis (spare ports) and one real scoring worker, as the scoring
role runs it (`workers/roles.py`: two batches at once, in threads). Without `--bert` it has no
Detoxify weights (the checkpoint path does not exist, so only the relevance model and the cheap
scorers load, and Detoxify's signal fails as it would); with `--bert` it scores with a full-size
random BERT-base Detoxify in fp32 (`benchmarks/random_detoxify.py`; explanations off). It queues
comments made from gm-threads' news comments (sentences of two comments recombined, so every
text is new, on the 57 articles) and prints the resident memory of the process that scores (the
worker itself, its pool being threads; the "pool" columns), its peak so far (VmHWM), how much of
it is anonymous (heap, tensors) and file-backed (libraries), and the worker's main process's,
once the models are warm and each time the decided count reaches a step. Targets: RSS at the
last step within 10% of RSS at the first; with `--bert`, a peak of 1.2 GB or less.
`--worker-env MALLOC_ARENA_MAX=2` tries allocator settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import datasets
from benchmarks.random_detoxify import build
from moderation import sites
from moderation.comments.intake import QueueEntry, submit_comment, upsert_article
from moderation.comments.validation import ArticleData, CommentSubmission
from moderation.config import Settings, load_settings
from moderation.db import make_engine, make_session_factory, upgrade
from moderation.decisions.health import scorer_health
from moderation.kinds import ScorerName, ScorerState
from tests.support.processes import scoring_processes, settings_env, status_mb, stop, wait_for
from tests.support.services import PostgresCluster, RedisServer
from workers.celery_app import create_celery, send_for_scoring
from workers.roles import SCORING, celery_argv

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def texts(data: Path) -> Iterator[tuple[str, str]]:
    """(article id, text) without end: halves of two news comments joined, numbered."""
    comments = [c.text for c in datasets.news_comments(data)]
    article_ids = sorted(datasets.articles(data))
    rng = random.Random(14)
    for n in range(10**9):
        first, second = (_SENTENCE.split(rng.choice(comments)) for _ in range(2))
        body = " ".join(first[: max(1, len(first) // 2)] + second[len(second) // 2 :])
        yield rng.choice(article_ids), f"{body} ({n})"


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU time a process has used in user and in system mode (page faults, mmap, munmap)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return {"user_s": int(fields[11]) / tick, "sys_s": int(fields[12]) / tick}


def memory_row(worker: int) -> dict[str, float]:
    """The scoring process's memory now and at its peak, its CPU time, the main process's RSS
    (the same process where the pool is threads)."""
    [pool] = scoring_processes(worker)
    fields = {"rss": "VmRSS", "peak": "VmHWM", "anon": "RssAnon", "file": "RssFile"}
    row = {f"pool_{name}_mb": status_mb(pool, field) for name, field in fields.items()}
    row |= {f"pool_{name}": value for name, value in cpu_seconds(pool).items()}
    return row | {"main_rss_mb": status_mb(worker)}


class Flood:
    """The servers, the worker and the comments it is fed."""

    def __init__(self, data: Path, folder: Path, worker_env: dict[str, str]) -> None:
        self.folder, self.worker_env = folder, worker_env
        self.postgres = PostgresCluster().start()
        self.redis = RedisServer(folder / "redis").start()
        self.settings = self._settings(self.postgres.create_database("modq"))
        upgrade(self.settings.database_url)
        self.sessions = make_session_factory(make_engine(self.settings.database_url))
        self.celery = create_celery(self.settings)
        self.texts = texts(data)
        with self.sessions() as session:
            self.site_id = sites.create_site(session, "flood")[0].id
            for article in datasets.articles(data).values():
                url = f"https://example.org/{article.article_id}"
                info = ArticleData(article.title, url, article.body, None)
                upsert_article(session, self.site_id, article.article_id, info)
        self.submitted = 0

    def _settings(self, database_url: str) -> Settings:
        return load_settings(
            {},
            database_url=database_url,
            redis_url=self.redis.url(),
            secret_key="bench",
            var_dir=self.folder / "var",
            detoxify_checkpoint=self.folder / "no-weights.ckpt",
            log_format="json",
        )

    def use_bert(self, data: Path, torch_threads: int) -> None:
        """Score with a full-size random BERT-base Detoxify in fp32, explanations off."""
        corpus = [c.text for c in datasets.news_comments(data)]
        model = build(self.folder / "bert", "original", corpus)
        self.settings = dataclasses.replace(
            self.settings,
            detoxify_model="original",
            detoxify_checkpoint=model.checkpoint,
            detoxify_hf_config=model.hf_config,
            explain_budget_ms=0,
            torch_threads=torch_threads,
        )

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One scoring worker, as the scoring role runs it."""
        argv = celery_argv("worker", *SCORING.pool, quiet=True)
        env = settings_env(self.settings) | self.worker_env
        with (self.folder / "worker.log").open("ab") as log:
            return subprocess.Popen(argv, env=env, stdout=log, stderr=log, start_new_session=True)

    def submit(self, count: int) -> None:
        """Store and queue `count` more comments."""
        with self.sessions() as session:
            for _ in range(count):
                article_id, body = next(self.texts)
                n = self.submitted = self.submitted + 1
                submission = CommentSubmission(article_id, None, f"reader{n}", "Reader", body)
                submit_comment(session, self.site_id, submission, self._enqueue)

    def _enqueue(self, entry: QueueEntry) -> None:
        send_for_scoring(self.celery, entry)

    def stop(self) -> None:
        """Stop the servers."""
        self.redis.stop(keep_data=False)
        self.postgres.destroy()

    def warm(self) -> bool:
        """Whether the worker has loaded its models (or found Detoxify unavailable)."""
        with self.sessions() as session:
            health = scorer_health(session).get(ScorerName.DETOXIFY)
        return health is not None and health.state != ScorerState.NOT_LOADED

    def decided(self) -> int:
        """Comments no longer pending."""
        import sqlalchemy as sa

        with self.sessions() as session:
            query = "SELECT count(*) FROM comments WHERE status <> 'pending'"
            return int(session.execute(sa.text(query)).scalar_one())


def measure(flood: Flood, steps: list[int]) -> list[dict[str, float]]:
    """The worker's memory once warm (0 comments), then each time the decided count reaches a
    step."""
    worker = flood.start_worker()
    rows = []
    try:
        started = time.monotonic()
        wait_for(flood.warm, timeout=600, every=1)
        rows.append(_row(0, worker.pid, started))
        for step in steps:
            started = time.monotonic()
            flood.submit(step - flood.submitted)
            wait_for(lambda: flood.decided() >= step, timeout=7200, every=2)  # noqa: B023
            rows.append(_row(step, worker.pid, started))
    finally:
        stop(worker)
    return rows


def _row(comments: int, worker: int, started: float) -> dict[str, float]:
    row = {"comments": comments} | memory_row(worker)
    row["seconds"] = round(time.monotonic() - started, 1)
    row["load_1min"] = float(Path("/proc/loadavg").read_text().split()[0])
    print(row, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    """Run the flood and print the memory after each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder holding gm-threads/")
    parser.add_argument("--steps", default="1000,10000")
    parser.add_argument("--bert", action="store_true", help="full-size random BERT-base, fp32")
    parser.add_argument("--torch-threads", type=int, default=0, help="with --bert; 0: torch's")
    parser.add_argument("--worker-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    env = dict(pair.split("=", 1) for pair in args.worker_env)
    with tempfile.TemporaryDirectory(prefix="modq-memory-") as folder:
        flood = Flood(args.data, Path(folder), env)
        try:
            if args.bert:
                flood.use_bert(args.data, args.torch_threads)
            rows = measure(flood, steps)
        finally:
            flood.stop()
    first, last = rows[1]["pool_rss_mb"], rows[-1]["pool_rss_mb"]
    print(f"pool RSS {first} MB -> {last} MB: {100 * (last - first) / first:+.1f}% (target 10%)")
    print(f"pool peak {rows[-1]['pool_peak_mb']} MB; after warm-up {rows[0]['pool_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
