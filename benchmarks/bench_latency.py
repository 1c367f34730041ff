"""Submit -> decision latency through a real worker, at a steady rate, with explanations on.

    python -m benchmarks.bench_latency [--burst 200] [--seconds 60] [--share 0.5]
        [--bert DATA [--quantize]] [--workers 1] [--torch-threads 0] [--scorer-lanes 0]
        [--rate R] [--batch-wait-ms 0]

Starts its own PostgreSQL and Redis (spare ports), the web app under gunicorn (2 workers) and
`--workers` scoring workers (one pool process each) and the background worker that explains
(`workers/roles.py`: nice 10, one torch thread) on the test-built Detoxify checkpoint,
or with `--bert DATA` on a full-size random BERT-base Detoxify (`benchmarks/random_detoxify.py`,
int8 with `--quantize`) fed gm-threads' news comments from DATA, with explanations on
(MODQ_EXPLAIN_BUDGET_MS at its default; `--explain-budget-ms 0` turns them off). A random
model scores every text alike, above the built-in publish lines, so with `--bert` the lines are
put where one comment in twenty scores above them (reviewed, then explained), as on a site
where most comments are published. Then:
1. the scoring capacity: a burst of comments queued at once, decided per second while the
   queue was never empty;
2. a steady load at `--share` of that capacity (or `--rate` comments/s, to compare settings
   at one load) for `--seconds`, one comment in twenty abusive (with the test-built
   checkpoint, above the publish line, so it is explained), and prints submit -> decision
   p50/p95 and when the explanations were all stored.
Latency is the database's decided_at minus the moment the submission was first tried. Also
prints each worker's peak resident memory (its pool process; the background worker's last)
and the load average.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from benchmarks import datasets
from benchmarks.chaos_load import (
    ABUSIVE,
    Client,
    Submission,
    put_article,
    submit_one,
    write_headers,
)
from benchmarks.chaos_stack import Stack
from moderation.config import Settings
from tests.support import detoxify_checkpoint
from tests.support.detoxify_checkpoint import TinyDetoxify
from tests.support.processes import scoring_processes, status_mb, wait_for


class LatencyStack(Stack):
    """The chaos run's stack, without intake rate limits (the load is the point here)."""

    explain_budget_ms = 2000
    detoxify_model = "unbiased"
    quantize = False
    torch_threads = 0
    scorer_lanes = 0
    batch_wait_ms = 0  # 0: the setting's default
    policy_file: Path | None = None  # None: the built-in policy

    def _settings(self, database_url: str) -> Settings:
        settings = super()._settings(database_url)
        return dataclasses.replace(
            settings,
            explain_budget_ms=self.explain_budget_ms,
            detoxify_model=self.detoxify_model,
            detoxify_quantize=self.quantize,
            torch_threads=self.torch_threads,
            scorer_lanes=self.scorer_lanes,
            batch_wait_ms=self.batch_wait_ms or settings.batch_wait_ms,
            policy_file=self.policy_file,
            rate_limit_per_key=0,
            rate_limit_per_author=0,
            rate_limit_per_address=0,
        )

    def peak_rss_mb(self) -> list[float]:
        """Each worker's scoring process (the background worker's last): its peak RSS so far,
        in MB."""
        workers = (*self.scoring, self.background)
        return [status_mb(pid, "VmHWM") for w in workers for pid in scoring_processes(w.pid)]


TEXTS: list[str] = []  # gm-threads comments with --bert; the chaos run's sentences otherwise


def text_of(n: int) -> str | None:
    """Comment n's body: one in twenty abusive (so explained), the rest news comments."""
    if not TEXTS:
        return None
    return ABUSIVE if n % 20 == 7 else TEXTS[n % len(TEXTS)]


def submit(client: Client, first: int, count: int, rate: float) -> list[Submission]:
    """Submit comments first..first+count-1 at `rate` per second; returns when all answered."""
    submissions = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for n in range(first, first + count):
            time.sleep(max(0.0, started + (n - first) / rate - time.monotonic()))
            submissions.append(Submission(n, time.time(), text=text_of(n)))
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
    parser.add_argument("--bert", type=Path, metavar="DATA", help="random BERT-base, gm-threads")
    parser.add_argument("--quantize", action="store_true", help="int8 (with --bert)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--torch-threads", type=int, default=0, help="per worker; 0: torch's")
    parser.add_argument("--scorer-lanes", type=int, default=0, help="0: the worker's default")
    parser.add_argument("--rate", type=float, help="comments/s instead of --share of capacity")
    parser.add_argument("--batch-wait-ms", type=int, default=0, help="0: the setting's")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="modq-latency-") as folder:
        detoxify = _detoxify(Path(folder), args.bert)
        stack = LatencyStack(Path(folder) / "stack", detoxify, 30, 10, workers=args.workers)
        stack.explain_budget_ms = args.explain_budget_ms
        stack.detoxify_model = "original" if args.bert else "unbiased"
        stack.quantize = args.quantize
        stack.torch_threads = args.torch_threads
        stack.scorer_lanes = args.scorer_lanes
        stack.batch_wait_ms = args.batch_wait_ms
        if args.bert:
            stack.policy_file = realistic_lines(Path(folder), detoxify, args.quantize)
        try:
            stack.start()
            client = Client(stack.base_url, write_headers(stack.api_key))
            put_article(client)
            engine = sa.create_engine(stack.settings.database_url)
            per_second = capacity(client, engine, args.burst)
            print(f"scoring capacity: {per_second:.1f} comments/s (burst of {args.burst})")
            rate = args.rate or per_second * args.share
            result = steady(client, engine, rate, args.seconds)
            print(f"steady load at {rate:.1f} comments/s: {result}")
            print(f"worker peak RSS (MB): {stack.peak_rss_mb()}; load {_load()}")
            engine.dispose()
        finally:
            stack.stop()
    return 0


def _detoxify(folder: Path, data: Path | None) -> TinyDetoxify:
    """The test-built checkpoint, or a full-size random BERT-base with gm-threads' texts."""
    if data is None:
        return detoxify_checkpoint.build(folder / "detoxify")
    from benchmarks.random_detoxify import build

    TEXTS.extend(c.text for c in datasets.news_comments(data))
    model = build(folder / "bert", "original", TEXTS + [t for t, _ in datasets.davidson(data)])
    return TinyDetoxify(model.checkpoint, model.local_checkpoint, model.hf_config)


# A random model scores every text alike (about 0.57 on every label), above the built-in
# publish lines, so every comment would be reviewed and explained. On a news site most comments
# are published: the lines are put where this share of the random model's scores lies above.
ABOVE_THE_LINE = 0.05


def realistic_lines(folder: Path, detoxify: TinyDetoxify, quantize: bool) -> Path:
    """A policy file whose publish lines leave ABOVE_THE_LINE of the comments the benchmark
    submits (as the workers will score them) at or above them: that many are reviewed and
    explained."""
    from moderation.signals.detoxify.inference import predict
    from moderation.signals.detoxify.model import DetoxifyOptions, load_detoxify

    options = DetoxifyOptions("original", detoxify.hub_layout, detoxify.hf_config)
    loaded = load_detoxify(dataclasses.replace(options, quantize=quantize))
    submitted = [text_of(n) or "" for n in range(400)]  # the mix as submitted, ABUSIVE too
    tops = sorted(max(p.scores.values()) for p in predict(loaded, submitted))
    line = tops[int(len(tops) * (1 - ABOVE_THE_LINE))]
    bands = f"{{publish_below: {line:.6f}, reject_above: 0.9999}}"
    path = folder / "policy.yaml"
    labels = ("default", "threat", "identity_attack")  # the built-in document's own lines
    path.write_text("labels:\n" + "".join(f"  {label}: {bands}\n" for label in labels))
    print(f"publish lines at {line} ({ABOVE_THE_LINE:.0%} of the random model's scores above)")
    return path


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    sys.exit(main())
