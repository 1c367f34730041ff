"""What the intake's guards cost per comment: the API key check and the Redis rate limiter.

    python -m benchmarks.bench_intake_guards [--redis URL] [--comments N] [--json FILE]

Posts N comments (distinct authors and addresses, no key limit: nothing is refused) through
the Flask test client to an app on a fresh SQLite file, with the rate limiter on a real Redis
and with it off (pointed at a closed port: after its first failure it skips Redis), and times
`RateLimiter.count` alone. Prints p50 / p99 in milliseconds. Nothing is queued (the app's
queue is a list), so this is intake alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.results import show
from moderation import sites
from moderation.config import load_settings
from moderation.db import upgrade
from moderation.kinds import RateScope
from moderation.ratelimit import Quota, RateLimiter


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p99 of samples in seconds, as milliseconds."""
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 3), "p99_ms": round(cuts[98] * 1000, 3)}


def timed(call: Callable[[int], Any], count: int) -> list[float]:
    """Durations of call(0) ... call(count - 1)."""
    samples = []
    for n in range(count):
        started = time.perf_counter()
        call(n)
        samples.append(time.perf_counter() - started)
    return samples


def post_comments(redis_url: str, count: int, limiter_on: bool, workdir: Path) -> list[float]:
    """Durations of `count` POSTs with a site key, the limiter on or off."""
    from web import create_app

    settings = load_settings(
        {},
        database_url=f"sqlite:///{workdir / f'intake-{limiter_on}.db'}",
        redis_url=redis_url,
        var_dir=workdir,
        secret_key="bench",
        rate_limit_per_key=0,  # counted, never refused: this measures the cost, not refusals
    )
    upgrade(settings.database_url)
    app = create_app(settings)
    url = redis_url if limiter_on else "redis://127.0.0.1:1/0"
    limiter = RateLimiter(url, 60, "bench", f"bench:{uuid.uuid4().hex}", pause_seconds=3600)
    app.extensions["modq"] = dataclasses.replace(
        app.extensions["modq"], enqueue=lambda _: None, limiter=limiter
    )
    with app.extensions["modq"].session_factory() as session:
        token = sites.create_site(session, "bench")[1]
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    article = {"title": "T", "url": "https://e.org/a", "body": "Energy and shipping."}
    client.put("/api/v1/articles/a1", json=article)

    def post(n: int) -> None:
        payload = {
            "article_id": "a1",
            "author": {"id": f"u{n}", "name": "Reader"},
            "body": f"Comment {n} on energy and shipping.",
            "client_ip": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
        }
        response = client.post("/api/v1/comments", json=payload)
        assert response.status_code == 202, response.get_data(as_text=True)

    samples = timed(post, count)
    app.extensions["modq"].engine.dispose()
    return samples


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    limiter = RateLimiter(args.redis, 60, "bench", f"bench:{uuid.uuid4().hex}")
    quotas = [Quota(RateScope.KEY, "k", 0), Quota(RateScope.AUTHOR, "a", 0)]
    figures: dict[str, Any] = {
        "limiter_count": percentiles(timed(lambda n: limiter.count(quotas), args.comments))
    }
    with tempfile.TemporaryDirectory() as folder:
        for on in (False, True):
            samples = post_comments(args.redis, args.comments, on, Path(folder))
            figures[f"post_comment_limiter_{'on' if on else 'off'}"] = percentiles(samples)
    show(figures, args.json)


if __name__ == "__main__":
    main()
