"""Intake latency while the broker is away: POST /api/v1/comments on PostgreSQL with Redis up,
then stopped, then back (each on servers of its own, on spare ports).

    python -m benchmarks.bench_intake_broker_down [--requests 300]

The app runs in this process (Flask's test client), so the figures are the server's own time per
request: validation, the committed row, and the publish (or the skipped publish).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient

from moderation.config import load_settings
from moderation.db import upgrade
from tests.support.services import PostgresCluster, RedisServer
from web import create_app

ARTICLE = {"title": "Harbour strike", "url": "https://example.org/s", "body": "Dock workers."}


def timed_posts(client: FlaskClient, count: int, tag: str) -> list[float]:
    """Milliseconds per accepted comment."""
    took = []
    for n in range(count):
        body = {"article_id": "a1", "author": {"id": f"{tag}{n}", "name": "R"}, "body": "Pay up."}
        started = time.perf_counter()
        response = client.post("/api/v1/comments", json=body)
        took.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 202, response.get_data(as_text=True)
    return took


def summary(name: str, took: list[float]) -> str:
    """One line: median, p99, mean."""
    p99 = statistics.quantiles(took, n=100)[98]
    return (
        f"{name:<22} p50 {statistics.median(took):6.2f} ms   p99 {p99:6.2f} ms   "
        f"mean {statistics.fmean(took):6.2f} ms"
    )


def main() -> None:
    """Run the three phases and print their latencies."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
    folder = Path(tempfile.mkdtemp(prefix="modq-bench-"))
    cluster, broker = PostgresCluster().start(), RedisServer(folder / "redis").start()
    try:
        url = cluster.create_database("bench")
        upgrade(url)
        settings = load_settings({}, database_url=url, redis_url=broker.url(), var_dir=folder)
        app = create_app(settings)
        client = app.test_client()
        client.put("/api/v1/articles/a1", json=ARTICLE)
        timed_posts(client, 20, "warm")
        print(summary("Redis up", timed_posts(client, count, "up")))
        broker.stop(keep_data=False)
        print(summary("Redis down", timed_posts(client, count, "down")))
        broker.start()
        time.sleep(6)  # longer than the publish breaker's pause, so publishing resumes
        print(summary("Redis back", timed_posts(client, count, "back")))
        print(f"messages queued after Redis came back: {broker.client().llen('celery')}")
        app.extensions["modq"].engine.dispose()
    finally:
        broker.stop(keep_data=False)
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
