"""Property-based fuzzing of the v1 API from its OpenAPI document, at volume.

    python -m benchmarks.fuzz_api [--requests 10000] [--database-url URL]
                                  [--header 'Authorization: Bearer KEY'] [--json FILE]

Generates requests with schemathesis (positive and negative cases for every operation, a part
aimed at seeded articles and comments) and sends them to the app in process, through WSGI:
no network, the queue replaced by nothing. Every answer is checked: no 5xx, a documented
status and content type, a body matching its schema, and a 4xx for anything the document
calls invalid. Rounds repeat with new random cases until at least --requests were sent.
Prints the requests sent, the answers by status, and every distinct failure (exit 1 if any).
The database is a fresh SQLite file unless --database-url names an empty one (it is migrated).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.results import show
from moderation.config import load_settings
from moderation.db import upgrade
from tests.support.fuzzing import FuzzReport, fuzz, seed
from web import create_app

EXAMPLES_PER_ROUND = 400  # per operation and mode; small input spaces stop sooner


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzing, print the counts."""
    args = _arguments(argv)
    headers = dict(_header(h) for h in args.header)
    with tempfile.TemporaryDirectory() as scratch:
        database = args.database_url or f"sqlite:///{Path(scratch) / 'fuzz.db'}"
        settings = load_settings(
            {}, database_url=database, var_dir=Path(scratch), secret_key="fuzz", log_level="ERROR"
        )
        upgrade(settings.database_url)
        app = create_app(settings, {"TESTING": True})
        app.extensions["modq"] = dataclasses.replace(
            app.extensions["modq"], enqueue=lambda _id: None
        )
        started = time.perf_counter()
        report, rounds = _fuzz_until(app, args.requests, headers)
        elapsed = time.perf_counter() - started
    figures = _figures(report, rounds, elapsed)
    show(figures, args.json)
    return 1 if report.failures or report.server_errors else 0


def _fuzz_until(app: Any, target: int, headers: dict[str, str]) -> tuple[FuzzReport, int]:
    seeds = seed(app, headers)
    report, rounds = FuzzReport(), 0
    while report.requests < target:
        rounds += 1
        fuzz(app, seeds, EXAMPLES_PER_ROUND, headers=headers, report=report)
        print(f"round {rounds}: {report.requests} requests", file=sys.stderr)
    return report, rounds


def _figures(report: FuzzReport, rounds: int, elapsed: float) -> dict[str, Any]:
    return {
        "requests": report.requests,
        "rounds": rounds,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(report.requests / elapsed, 1),
        "by_status": {str(k): v for k, v in sorted(report.by_status.items())},
        "server_errors": report.server_errors,
        "failures": report.failures,
    }


def _header(text: str) -> tuple[str, str]:
    name, _, value = text.partition(":")
    if not value:
        raise SystemExit(f"--header wants 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="at least this many")
    parser.add_argument(
        "--database-url", help="an empty database, migrated here (default: a fresh SQLite file)"
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        help="sent with every request, e.g. 'Authorization: Bearer KEY' (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
