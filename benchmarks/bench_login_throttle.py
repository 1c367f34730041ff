"""How much the login throttle slows a password guesser down.

    python -m benchmarks.bench_login_throttle [--seconds 20] [--guesses 550]

1. Real time: the web app on a fresh SQLite file (the `make run` default), one moderator, and
   a guesser sending wrong passwords from one address as fast as it can for `--seconds`, then
   the right one. Reports requests, passwords actually checked, refusals (429) and the time
   each kind of answer took.
2. A set clock: how long `--guesses` wrong passwords take against one username when the
   guesser always waits exactly as long as it is told (the default settings).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from moderation import accounts
from moderation.config import load_settings
from moderation.db import make_engine, make_session_factory, upgrade
from moderation.logins import throttle
from moderation.logins.throttle import ThrottleRules
from web import create_app

PASSWORD = "correct horse battery"


def hammer(folder: Path, seconds: float) -> dict[str, object]:
    """Wrong passwords for `seconds`, then the right one; what the app answered."""
    settings = load_settings(
        {}, var_dir=folder, database_url=f"sqlite:///{folder / 'modq.db'}", secret_key="bench"
    )
    upgrade(settings.database_url)
    app = create_app(settings, {"WTF_CSRF_ENABLED": False})
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "alice", PASSWORD)
    client = app.test_client()
    timings: dict[int, list[float]] = {}
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        status = client.post("/login", data={"username": "alice", "password": "guess"}).status_code
        timings.setdefault(status, []).append(time.perf_counter() - start)
    right = client.post("/login", data={"username": "alice", "password": PASSWORD})
    return {
        "requests": sum(len(t) for t in timings.values()),
        "checked (401)": len(timings.get(401, [])),
        "refused (429)": len(timings.get(429, [])),
        "ms per 401, p50": round(1000 * statistics.median(timings.get(401, [0])), 1),
        "ms per 429, p50": round(1000 * statistics.median(timings.get(429, [0])), 1),
        "right password then": right.status_code,
    }


def simulated(guesses: int) -> timedelta:
    """Time `guesses` wrong passwords take with a patient guesser and the default rules."""
    rules = ThrottleRules()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/simulated.db"
        upgrade(url)
        engine = make_engine(url)
        now = start = datetime(2026, 1, 1, tzinfo=UTC)
        with make_session_factory(engine)() as session:
            keys = throttle.keys_for("alice", "one-address", rules)
            for _ in range(guesses):
                while seconds := throttle.wait(session, keys, rules, now):
                    now += timedelta(seconds=seconds)
                throttle.record_failure(session, keys, rules, now)
                session.commit()
        engine.dispose()
    return now - start


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--guesses", type=int, default=550)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, value in hammer(Path(folder), args.seconds).items():
            print(f"{name:22} {value}")
    took = simulated(args.guesses)
    print(
        f"{args.guesses} guesses, patient guesser: {took} ({took.total_seconds() / 86400:.1f} days)"
    )


if __name__ == "__main__":
    main()
