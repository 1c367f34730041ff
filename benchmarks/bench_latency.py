"""Submit -> decision latency through a real worker, at a steady rate, with explanations on.

    python -m benchmarks.bench_latency [--burst 200] [--seconds 60] [--share 0.5]

Starts its own PostgreSQL and Redis (spare ports), the web app under gunicorn (2 workers) and
one scoring worker (one pool process) on the test-built Detoxify checkpoint, with
explanations on (MODQ_EXPLAIN_BUDGET_MS at its default; `--explain-budget-ms 0` turns them
off, for comparison). Then:
1. the scoring capacity: a burst of comments queued at once, decided per second while the
   queue was never empty;
2. a steady load at `--share` of that capacity for `--seconds`, one comment in twenty abusive
   (above the publish line, so it is explained), and prints submit -> decision p50/p95 and
   when the explanations were all stored.
Latency is the database's decided_at minus the moment the submission was first tried.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from benchmarks.chaos_load import Client, Submission, put_article, submit_one, write_headers
from benchmarks.chaos_stack import Stack
from moderation.config import Settings
from tests.support import detoxify_checkpoint
from tests.support.processes import wait_for

NO_LIMITS = {"rate_limit_per_key": 0, "rate_limit_per_author": 0, "rate_limit_per_address": 0}


class LatencyStack(Stack):
    """The chaos run's stack, without intake rate limits (the load is the point here)."""

    explain_budget_ms = 2000

    def _settings(self, database_url: str) -> Settings:
        import dataclasses

        settings = super()._settings(database_url)
        return dataclasses.replace(settings, explain_budget_ms=self.explain_budget_ms, **NO_LIMITS)


def submit(client: Client, first: int, count: int, rate: float) -> list[Submission]:
    """Submit comments first..first+count-1 at `rate` per second; returns when all answered."""
    submissions = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for n in range(first, first + count):
            time.sleep(max(0.0, started + (n - first) / rate - time.monotonic()))
            submissions.append(Submission(n, time.time()))
            pool.submit(submit_one, client, submissions[-1], 60)
    return submissions


def decided_at(engine: sa.Engine, submissions: list[Submission]) -> dict[str, float]:
    """Each submitted comment's decision time, once every one of them is decided."""
    ids = [s.comment_id for s in submissions if s.comment_id]
    query = sa.text("SELECT id, decided_at FROM comments WHERE id = ANY(:ids)")

    def all_decided() -> dict[str, float] | None:
        with engine.connect() as connection:
            rows = connection.execute(query, {"ids": ids}).all()
        done = {r.id: r.decided_at.timestamp() for r in rows if r.decided_at is not None}
        return done if len(done) == len(ids) else None

    return wait_for(all_decided, timeout=600, every=0.5)


def explanations_pending(engine: sa.Engine) -> int:
    """Detoxify signals still waiting for their spans."""
    query = "SELECT count(*) FROM signals WHERE details ->> 'explanation' = 'pending'"
    with engine.connect() as connection:
        return int(connection.execute(sa.text(query)).scalar_one())


def capacity(client: Client, engine: sa.Engine, burst: int) -> float:
    """Comments decided per second while a queued burst drained."""
    times = sorted(decided_at(engine, submit(client, 0, burst, rate=500)).values())
    return (len(times) - 1) / (times[-1] - times[0])


def steady(client: Client, engine: sa.Engine, rate: float, seconds: float) -> dict[str, float]:
    """p50 and p95 of submit -> decision at `rate` comments per second."""
    submissions = submit(client, 100_000, int(rate * seconds), rate)
    done = decided_at(engine, submissions)
    latencies = [done[s.comment_id] - s.first_try for s in submissions if s.comment_id]
    finished = time.monotonic()
    wait_for(lambda: explanations_pending(engine) == 0, timeout=600, every=0.5)
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "comments": len(latencies),
        "p50_s": round(statistics.median(latencies), 3),
        "p95_s": round(cuts[94], 3),
        "max_s": round(max(latencies), 3),
        "explanations_done_after_last_decision_s": round(time.monotonic() - finished, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--share", type=float, default=0.5)
    parser.add_argument("--explain-budget-ms", type=int, default=2000, help="0: explanations off")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="modq-latency-") as folder:
        detoxify = detoxify_checkpoint.build(Path(folder) / "detoxify")
        stack = LatencyStack(Path(folder) / "stack", detoxify, 30, 10, workers=1)
        stack.explain_budget_ms = args.explain_budget_ms
        try:
            stack.start()
            client = Client(stack.base_url, write_headers(stack.api_key))
            put_article(client)
            engine = sa.create_engine(stack.settings.database_url)
            per_second = capacity(client, engine, args.burst)
            print(f"scoring capacity: {per_second:.1f} comments/s (burst of {args.burst})")
            result = steady(client, engine, per_second * args.share, args.seconds)
            print(f"steady load at {per_second * args.share:.1f} comments/s: {result}")
            engine.dispose()
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
