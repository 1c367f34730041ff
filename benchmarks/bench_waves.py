"""The cost of a comment joining a burst: new accounts' comments on one article, sent to review.

    python -m benchmarks.bench_waves [--waiting 10,1000,5000] [--joins 40]

For each size, a throw-away database on its own PostgreSQL cluster (spare port) gets that many
comments from new accounts waiting in review on one article, in one wave; then `--joins` more
comments from new accounts join it one by one, each as the pipeline does when it sends one to
review (`waves.join`, then committed). Prints the median and p95 milliseconds of a join, and
the rows its queries returned to Python: what a scoring worker pays per comment while a
brigade goes on, in the serial phase where it records a batch's decisions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.db import make_engine, make_session_factory, upgrade
from moderation.decisions import waves
from moderation.kinds import CommentStatus
from moderation.models import Comment
from tests.support import factories
from tests.support.recording import rows_returned
from tests.support.services import PostgresCluster


@contextmanager
def burst_of(cluster: PostgresCluster, waiting: int) -> Iterator[tuple[Session, sa.Engine]]:
    """A session on a fresh database where `waiting` new accounts' comments wait in a wave."""
    url = cluster.create_database(f"waves_{waiting}")
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        factories.article(session, "a1")
        ids = [
            factories.comment(session, f"Vote them out {n}", "a1", author_id=f"new{n}").id
            for n in range(waiting)
        ]
        wave = sa.update(Comment).where(Comment.id.in_(ids))
        session.execute(wave.values(status=CommentStatus.REVIEW, wave_id=ids[0]))
        session.commit()
        yield session, engine
    engine.dispose()


def measure(session: Session, engine: sa.Engine, joins: int) -> dict[str, float]:
    """Milliseconds per join (median, p95) and rows returned to Python per join."""
    rows: list[int] = []
    times = []
    for n in range(joins):
        comment = factories.comment(session, f"Vote them out, late {n}", "a1", author_id=f"l{n}")
        with rows_returned(engine) as returned:
            started = time.perf_counter()
            lead = waves.join(session, comment, {})
            times.append(1000 * (time.perf_counter() - started))
        rows += returned
        comment.status, comment.wave_id = CommentStatus.REVIEW, lead
        session.commit()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(statistics.quantiles(times, n=20)[18], 2),
        "rows_returned_per_join": round(sum(rows) / joins, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Measure each size and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", default="10,1000,5000")
    parser.add_argument("--joins", type=int, default=40)
    args = parser.parse_args(argv)
    if args.joins < 2:
        parser.error("--joins: at least 2 (a p95 needs them)")
    cluster = PostgresCluster().start()
    try:
        for waiting in (int(n) for n in args.waiting.split(",")):
            with burst_of(cluster, waiting) as (session, engine):
                print(f"{waiting} waiting: {measure(session, engine, args.joins)}", flush=True)
    finally:
        cluster.destroy()


if __name__ == "__main__":
    main()
