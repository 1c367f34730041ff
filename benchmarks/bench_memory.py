"""A scoring worker's memory over a flood: RSS after 1,000 comments and after 10,000.

    python -m benchmarks.bench_memory DATA [--steps 1000,10000] [--worker-env NAME=VALUE ...]

Starts its own PostgreSQL and Redis (spare ports) and one real scoring worker (one pool
process), without Detoxify weights (the checkpoint path does not exist, so only the relevance
model and the cheap scorers load, and Detoxify's signal fails as it would), queues comments made
from gm-threads' news comments (sentences of two comments recombined, so every text is new, on
the 57 articles) and prints the resident memory of the pool process (the one that scores) and
of the worker's main process each time the decided count reaches a step. The target: RSS at
10,000 within 10% of RSS at 1,000. `--worker-env MALLOC_ARENA_MAX=2` tries allocator settings.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import datasets
from moderation import sites
from moderation.comments.intake import QueueEntry, submit_comment, upsert_article
from moderation.comments.validation import ArticleData, CommentSubmission
from moderation.config import Settings, load_settings
from moderation.db import make_engine, make_session_factory, upgrade
from tests.support.processes import children_of, settings_env, stop, wait_for
from tests.support.services import PostgresCluster, RedisServer
from workers.celery_app import create_celery, send_for_scoring

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


def rss_mb(pid: int) -> float:
    """Resident memory of a process now, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


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

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One scoring worker with one pool process."""
        argv = [sys.executable, "-m", "celery", "-A", "workers.app", "--quiet", "worker"]
        argv += ["--loglevel", "INFO", "--concurrency", "1"]
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

    def decided(self) -> int:
        """Comments no longer pending."""
        import sqlalchemy as sa

        with self.sessions() as session:
            query = "SELECT count(*) FROM comments WHERE status <> 'pending'"
            return int(session.execute(sa.text(query)).scalar_one())


def measure(flood: Flood, steps: list[int]) -> list[dict[str, float]]:
    """RSS of the worker's pool and main processes each time the decided count reaches a step."""
    worker = flood.start_worker()
    rows = []
    try:
        for step in steps:
            started = time.monotonic()
            flood.submit(step - flood.submitted)
            wait_for(lambda: flood.decided() >= step, timeout=7200, every=2)  # noqa: B023
            pool = children_of(worker.pid)
            rows.append(
                {
                    "comments": step,
                    "pool_rss_mb": rss_mb(pool[0]) if pool else 0.0,
                    "main_rss_mb": rss_mb(worker.pid),
                    "seconds": round(time.monotonic() - started, 1),
                    "load_1min": float(Path("/proc/loadavg").read_text().split()[0]),
                }
            )
            print(rows[-1], flush=True)
    finally:
        stop(worker)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the flood and print the memory after each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder holding gm-threads/")
    parser.add_argument("--steps", default="1000,10000")
    parser.add_argument("--worker-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    env = dict(pair.split("=", 1) for pair in args.worker_env)
    with tempfile.TemporaryDirectory(prefix="modq-memory-") as folder:
        flood = Flood(args.data, Path(folder), env)
        try:
            rows = measure(flood, steps)
        finally:
            flood.stop()
    first, last = rows[0]["pool_rss_mb"], rows[-1]["pool_rss_mb"]
    print(f"pool RSS {first} MB -> {last} MB: {100 * (last - first) / first:+.1f}% (target 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
