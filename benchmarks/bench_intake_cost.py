"""What an intake call costs the web app's CPU, counted in instructions (valgrind's callgrind),
for `POST /api/v1/comments` and for the bare endpoint of `benchmarks/bare_intake.py`.

    python -m benchmarks.bench_intake_cost [--requests 200]

Requests/s and CPU seconds swing with whatever else a shared 2-core machine runs; instructions
do not, so this is the figure to compare code with code. Starts its own PostgreSQL and Redis;
each app runs in a child process under callgrind that posts comments through Flask's test
client (no HTTP server: what is counted is the app, its database and broker clients, and the
test client, which both apps pay alike). A child posting N and one posting 3N give the cost
of 2N requests without the start-up. Needs valgrind.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_intake import Bench
from tests.support.processes import REPO, settings_env

APPS = {"modq": "web.wsgi:app", "bare": "benchmarks.bare_intake:app"}
WARM_UP = 50


def post_comments(app_path: str, key: str, first: int, count: int) -> None:
    """Post `count` new comments to the app at `app_path` ("module:attribute")."""
    module, _, name = app_path.partition(":")
    app = getattr(__import__(module, fromlist=[name]), name)
    client = app.test_client()
    for n in range(first, first + count):
        body = {
            "article_id": "a1",
            "author": {"id": f"u{n}", "name": "Reader"},
            "body": f"The minister's plan for energy prices will not help families ({n:07d})",
            "client_ip": f"10.0.{n // 256 % 256}.{n % 256}",
        }
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"cost-{n:09d}"}
        response = client.post("/api/v1/comments", json=body, headers=headers)
        if response.status_code != 202:
            raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)}")


def instructions(bench: Bench, app: str, first: int, count: int) -> int:
    """Instructions a child process executed posting WARM_UP + `count` comments."""
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    argv += ["-m", "benchmarks.bench_intake_cost", "--child", app]
    argv += ["--first", str(first), "--requests", str(count)]
    env = settings_env(bench.settings) | {"MODQ_BENCH_KEY": bench.key}
    done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))  # type: ignore[union-attr]


def per_request(bench: Bench, app: str, requests: int, first: int) -> float:
    """Instructions per request: posting `requests` comments, then three times as many."""
    few = instructions(bench, app, first, requests)
    many = instructions(bench, app, first + 10 * requests, 3 * requests)
    return (many - few) / (2 * requests)


def main(argv: list[str] | None = None) -> int:
    """Count both apps and print instructions per request and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", choices=sorted(APPS), help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # inside valgrind
        key = os.environ["MODQ_BENCH_KEY"]
        post_comments(APPS[args.child], key, 10**8 + args.first, WARM_UP)
        post_comments(APPS[args.child], key, args.first, args.requests)
        return 0
    with tempfile.TemporaryDirectory(prefix="modq-intake-cost-") as folder:
        bench = Bench(Path(folder))
        try:
            cost = {
                app: per_request(bench, app, args.requests, 10**6 * i)
                for i, app in enumerate(APPS, start=1)
            }
        finally:
            bench.stop()
    for app, value in cost.items():
        print(f"{app}: {value / 1e6:.2f} M instructions per request")
    print(f"bare / modq: {cost['bare'] / cost['modq']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
