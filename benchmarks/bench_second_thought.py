"""What the second thought costs a reader: the cheap checks run in the request, and a whole
post from the embed's form.

    python -m benchmarks.bench_second_thought [--runs 300]

1. `CheapCheck.check` (the lexical model and a 300-entry watched-word list) on the demo
   comments and on 5,000-character comments made of them, after the model has loaded.
   Budget: 50 ms per check.
2. A POST of the embed's form through the Flask test client on SQLite (token check, CSRF,
   validation, the checks, the rate limiter on Redis when it answers, storage; the queue is a
   list), from the POST to the 303.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from moderation.comments.demo import DEMO_ARTICLE, DEMO_COMMENTS
from moderation.config import load_settings
from moderation.db import upgrade
from moderation.policy.reader import load
from moderation.readers.second_thought import CheapCheck
from moderation.signals.words.matcher import WatchedWord, WordMatcher


def percentiles(timings: list[float]) -> str:
    """p50 / p95 / max in milliseconds."""
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms"


def timed(action: Callable[..., object], runs: int) -> list[float]:
    """Milliseconds per call, `runs` calls."""
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        found.append((time.perf_counter() - started) * 1000)
    return found


def bench_checks(runs: int) -> None:
    """The cheap checks alone."""
    words = WordMatcher(tuple(WatchedWord(f"watched{n}*", "review") for n in range(300)))
    checker = CheapCheck(lambda: words)
    started = time.perf_counter()
    checker.warm_up()
    print(f"lexical model loaded in {time.perf_counter() - started:.2f} s (once per process)")
    rules = load().readers
    texts = [c.body for c in DEMO_COMMENTS]
    long_text = (" ".join(texts) * 20)[:5000]
    for label, text in (("demo comments", None), ("5,000 characters", long_text)):
        pool = [text] if text else texts
        times = timed(lambda pool=pool: [checker.check(t, rules) for t in pool], runs)
        per = [t / len(pool) for t in times]
        print(f"check, {label}: {percentiles(per)}")


def bench_post(runs: int) -> None:
    """A post from the embed's form, end to end in the app."""
    from tests.support.readers import form_fields
    from web import create_app

    folder = Path(tempfile.mkdtemp())
    settings = load_settings(
        {}, database_url=f"sqlite:///{folder / 'modq.db'}", secret_key="bench", var_dir=folder
    )
    upgrade(settings.database_url)
    app = create_app(settings)
    queued: list[str] = []
    runtime = app.extensions["modq"]
    app.extensions["modq"] = dataclasses.replace(runtime, enqueue=lambda e: queued.append(e))
    app.extensions["modq"] = dataclasses.replace(
        app.extensions["modq"],
        settings=dataclasses.replace(
            settings, rate_limit_per_author=0, rate_limit_per_address=0, rate_limit_per_key=0
        ),
    )
    from moderation import sites
    from moderation.readers.tokens import sign_token

    with runtime.session_factory() as session:
        site, key = sites.create_site(session, "bench")
        token = sign_token(site, "reader-1", "Reader")
    client = app.test_client()
    client.put("/api/v1/articles/b1", json=DEMO_ARTICLE, headers={"Authorization": f"Bearer {key}"})
    html = client.get("/embed/articles/b1", query_string={"token": token}).get_data(as_text=True)
    fields = form_fields(html)
    texts = [c.body for c in DEMO_COMMENTS]

    def post() -> None:
        data = {
            **fields,
            "body": texts[len(queued) % len(texts)],
            "submission_id": str(len(queued)),
        }
        response = client.post("/embed/articles/b1/comments", data=data)
        assert response.status_code in (200, 303), response.status_code

    post()  # loads the lexical model (in the background) and warms everything up
    time.sleep(3)
    print(f"embed POST (SQLite): {percentiles(timed(post, runs))}")


def main() -> None:
    """Run both measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    bench_checks(args.runs)
    bench_post(max(50, args.runs // 3))


if __name__ == "__main__":
    main()
