"""Chaos run: the whole service on PostgreSQL and Redis of its own (spare ports), two scoring
workers (the first with one pool process, the second with the scoring role's two threads) and
beat on the test-built Detoxify checkpoint, a steady stream of comments with
Idempotency-Keys and retries, and on a schedule: pool processes and whole workers killed, Redis
restarted with and without its data, its connections cut, PostgreSQL restarted. Then it waits
for the queue to drain and checks that every accepted comment has exactly one decision, none is
pending, and the audit log agrees.

    python -m benchmarks.chaos [--comments 2400] [--rate 12] [--api-key KEY]

Prints what it did, the counts, the drain time and submit-to-decision p50/p99; exits 1 if a
check failed. The test suite runs a short version (tests/end_to_end/test_chaos.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.chaos_checks import Outcome, check
from benchmarks.chaos_load import Client, put_article, submit_all, write_headers
from benchmarks.chaos_stack import Stack
from tests.support.detoxify_checkpoint import TinyDetoxify, build
from tests.support.processes import wait_for


@dataclass(frozen=True)
class Fault:
    """A fault injected when `at` (a fraction) of the comments have been submitted."""

    at: float
    name: str
    inject: Callable[[Stack], str]


FULL_SCHEDULE = [
    Fault(0.08, "kill a pool process", lambda s: s.kill_pool_child(0)),
    Fault(0.16, "cut the broker connections", lambda s: s.kill_broker_connections()),
    Fault(0.24, "restart Redis with its data", lambda s: s.restart_redis(keep_data=True)),
    Fault(0.32, "kill a whole worker", lambda s: s.kill_worker(1)),
    Fault(0.40, "restart PostgreSQL", lambda s: s.restart_postgres()),
    Fault(0.48, "kill a pool process", lambda s: s.kill_pool_child(0)),
    Fault(0.56, "restart Redis without its data", lambda s: s.restart_redis(keep_data=False)),
    Fault(0.64, "kill a whole worker", lambda s: s.kill_worker(0)),
    Fault(0.72, "kill a pool process", lambda s: s.kill_pool_child(0)),
    Fault(0.80, "cut the broker connections", lambda s: s.kill_broker_connections()),
    Fault(0.88, "kill a whole worker", lambda s: s.kill_worker(1)),
]
SHORT_SCHEDULE = [
    Fault(0.25, "kill a pool process", lambda s: s.kill_pool_child(0)),
    Fault(0.50, "restart Redis with its data", lambda s: s.restart_redis(keep_data=True)),
    Fault(0.75, "cut the broker connections", lambda s: s.kill_broker_connections()),
]


@dataclass
class Plan:
    """How much load, which faults, how fast stale comments are requeued."""

    comments: int = 2400
    rate: float = 12.0
    faults: list[Fault] = field(default_factory=lambda: list(FULL_SCHEDULE))
    api_key: str | None = None  # None: a random one, set as the service's MODQ_API_KEY
    requeue_after: int = 20
    requeue_interval: int = 5
    drain_timeout: float = 900

    @classmethod
    def short(cls, api_key: str | None = None) -> Plan:
        """The version the test suite runs: 200 comments, three faults."""
        return cls(comments=200, rate=10.0, faults=list(SHORT_SCHEDULE), api_key=api_key)


@dataclass
class Report:
    """What happened: the faults, the outcome, the timings."""

    events: list[str]
    outcome: Outcome
    submit_seconds: float
    drain_seconds: float
    latencies: list[float]

    def lines(self) -> list[str]:
        """The report as printed."""
        p50, p99 = _percentiles(self.latencies)
        return [
            *self.events,
            *self.outcome.lines(),
            f"submitted in {self.submit_seconds:.0f} s; queue drained "
            f"{self.drain_seconds:.0f} s after the last submission",
            f"submit -> decision: p50 {p50:.2f} s, p99 {p99:.2f} s "
            f"(max {max(self.latencies, default=0):.1f} s)",
            "OK" if not self.outcome.problems else "FAILED",
        ]


def _percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100)
    return statistics.median(values), cuts[98]


def run(plan: Plan, folder: Path, detoxify: TinyDetoxify) -> Report:
    """Start the stack, run the load and the faults, wait for the drain, check, stop."""
    # worker1 with one pool process (its pool-process kills), worker2 as the scoring role runs
    stack = Stack(folder, detoxify, plan.requeue_after, plan.requeue_interval, prefork_workers=1)
    if plan.api_key:
        stack.api_key = plan.api_key
    try:
        stack.start()
        client = Client(stack.base_url, write_headers(stack.api_key))
        put_article(client)
        started = time.monotonic()
        submissions, submitter = submit_all(client, plan.comments, plan.rate)
        events = _inject(stack, plan, submissions)
        submitter.join()
        wait_for(lambda: all(s.comment_id or s.error for s in submissions), timeout=300)
        submitted = time.monotonic()
        drained = _drain(stack, plan.drain_timeout)
        outcome = check(stack.settings.database_url, submissions, stack.folder)
        return Report(events, outcome, submitted - started, drained - submitted, outcome.latencies)
    finally:
        stack.stop()


def _inject(stack: Stack, plan: Plan, submissions: list[object]) -> list[str]:
    events, started = [], time.monotonic()
    for fault in sorted(plan.faults, key=lambda f: f.at):
        wait_for(lambda f=fault: len(submissions) >= f.at * plan.comments, timeout=3600)
        events.append(f"{time.monotonic() - started:6.1f} s  {fault.inject(stack)}")
    return events


def _drain(stack: Stack, timeout: float) -> float:
    """Wait until no comment is pending; returns when."""
    import sqlalchemy as sa

    engine = sa.create_engine(stack.settings.database_url)
    query = sa.text("SELECT count(*) FROM comments WHERE status = 'pending'")

    def drained() -> bool:
        try:
            with engine.connect() as connection:
                return connection.execute(query).scalar() == 0
        except sa.exc.DBAPIError:
            return False

    try:
        wait_for(drained, timeout=timeout, every=1)
    finally:
        engine.dispose()
    return time.monotonic()


def main() -> int:
    """Run the full schedule and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=2400)
    parser.add_argument("--rate", type=float, default=12.0)
    parser.add_argument("--api-key", default=None, help="the key writes send (default: random)")
    parser.add_argument("--folder", type=Path, default=None, help="keep logs here")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="modq-chaos-"))
    print(f"logs in {folder}; building the test Detoxify checkpoint...", flush=True)
    detoxify = build(folder / "detoxify")
    plan = Plan(comments=args.comments, rate=args.rate, api_key=args.api_key)
    report = run(plan, folder / "run", detoxify)
    print("\n".join(report.lines()))
    return 1 if report.outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
