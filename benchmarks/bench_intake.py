"""Intake speed: `POST /api/v1/comments` under gunicorn, against a bare endpoint, with wrk.

    python -m benchmarks.bench_intake [--seconds 15] [--connections 4] [--runs 1] [--threads 4]

Starts its own PostgreSQL and Redis (spare ports), then, one after the other, gunicorn with 2
workers of `--threads` threads (by default as many as web/gunicorn_conf.py gives them; 1: sync
workers) serving (1) the real app (site key, rate limits counted but never refusing, the
Idempotency-Key, the row committed, then the Celery task published) and (2) the bare app of
`benchmarks/bare_intake.py` (validate the JSON, publish the task). Each is loaded by
`wrk --latency` on 127.0.0.1 with `benchmarks/intake_load.lua` (every request a new comment with
its own Idempotency-Key). Prints requests/s, p50 and p99 for both, the ratio, the CPU the two
gunicorn workers used per request, and the 1-minute load average (the machine is shared:
compare figures of the same run).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from moderation import sites
from moderation.comments.intake import upsert_article
from moderation.comments.validation import ArticleData
from moderation.config import Settings, load_settings
from moderation.db import make_engine, make_session_factory, upgrade
from tests.support.processes import REPO, children_of, settings_env, stop, wait_for
from tests.support.services import PostgresCluster, RedisServer, free_port
from web import gunicorn_conf

LUA = Path(__file__).with_name("intake_load.lua")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_figures(output: str) -> dict[str, float]:
    """requests/s, p50 and p99 in milliseconds, and non-2xx answers from wrk's output."""

    def latency(cut: str) -> float:
        value, unit = re.search(rf"^\s+{cut}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()  # type: ignore[union-attr]
        return round(float(value) * _UNITS[unit], 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"non-2xx/3xx: (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "requests": float(total.group(1)) if total else 0.0,
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def cpu_seconds(pids: list[int], reaped: bool = False) -> float:
    """User and system CPU these processes have used so far (a process gone counts none);
    with `reaped`, also that of their children that have exited."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    """The 1-minute load average now."""
    return float(Path("/proc/loadavg").read_text().split()[0])


class Bench:
    """PostgreSQL, Redis and the two apps, served by gunicorn in turn."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.postgres = PostgresCluster().start()
        self.redis = RedisServer(folder / "redis").start()
        self.settings = self._settings(self.postgres.create_database("modq"))
        upgrade(self.settings.database_url)
        engine = make_engine(self.settings.database_url)
        with make_session_factory(engine)() as session:
            site, self.key = sites.create_site(session, "bench")
            article = ArticleData("Energy", "https://example.org/a1", "Energy and shipping.", None)
            upsert_article(session, site.id, "a1", article)
        engine.dispose()

    def _settings(self, database_url: str) -> Settings:
        settings = load_settings(
            {},
            database_url=database_url,
            redis_url=self.redis.url(),
            secret_key="bench",
            var_dir=self.folder / "var",
        )
        # Counted, never refused: this measures what the limits cost, not refusals.
        return dataclasses.replace(
            settings, rate_limit_per_key=0, rate_limit_per_author=0, rate_limit_per_address=0
        )

    def serve(self, wsgi_app: str, threads: int) -> tuple[subprocess.Popen[bytes], str]:
        """gunicorn with 2 workers (of `threads` threads) serving `wsgi_app`; its base URL once
        it answers."""
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        argv += ["--threads", str(threads)]
        with (self.folder / "gunicorn.log").open("ab") as log:
            server = subprocess.Popen(
                [*argv, wsgi_app],
                env=settings_env(self.settings),
                cwd=REPO,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url), timeout=60)
        return server, url

    def load(
        self, wsgi_app: str, seconds: float, connections: int, threads: int = 1
    ) -> dict[str, float]:
        """wrk's figures for `wsgi_app` (after a short warm-up run)."""
        server, url = self.serve(wsgi_app, threads)
        try:
            self._wrk(url, 2, connections)
            time.sleep(1)
            workers = children_of(server.pid)
            before = cpu_seconds(workers), self._services_cpu()
            figures = wrk_figures(self._wrk(url, seconds, connections))
            # The web processes' own CPU per request: steadier than requests/s on a busy machine.
            used = cpu_seconds(workers) - before[0], self._services_cpu() - before[1]
        finally:
            stop(server)
        requests = max(1.0, figures["requests"])
        return figures | {
            "web_cpu_ms_per_request": round(1000 * used[0] / requests, 2),
            # PostgreSQL's and Redis's share of the same cores (the bare endpoint's is Redis's)
            "services_cpu_ms_per_request": round(1000 * used[1] / requests, 2),
            "load_1min": load_average(),
        }

    def _services_cpu(self) -> float:
        """CPU used so far by PostgreSQL (the postmaster, its backends and the ones that have
        exited, such as autovacuum workers) and Redis."""
        postmaster = int((self.postgres.data / "postmaster.pid").read_text().split()[0])
        assert self.redis.process is not None
        backends = cpu_seconds(children_of(postmaster))
        return (
            cpu_seconds([postmaster], reaped=True)
            + backends
            + cpu_seconds([self.redis.process.pid])
        )

    def _wrk(self, url: str, seconds: float, connections: int) -> str:
        argv = ["wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{round(seconds)}s"]
        argv += ["-s", str(LUA), f"{url}/api/v1/comments"]
        env = {"MODQ_BENCH_KEY": self.key, "PATH": "/usr/bin:/bin"}
        return subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout

    def stop(self) -> None:
        """Stop the servers."""
        self.redis.stop(keep_data=False)
        self.postgres.destroy()


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/api/v1/comments", timeout=2)
    except urllib.error.HTTPError:
        return True  # GET on a POST route: 405, but it answers
    except OSError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Load both apps and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--threads",
        type=int,
        default=gunicorn_conf.threads,
        help="per gunicorn worker (1: sync workers; default: as web/gunicorn_conf.py)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="modq-intake-") as folder:
        bench = Bench(Path(folder))
        try:
            for run in range(1, args.runs + 1):
                modq = bench.load("web.wsgi:app", args.seconds, args.connections, args.threads)
                bare = bench.load(
                    "benchmarks.bare_intake:app", args.seconds, args.connections, args.threads
                )
                ratio = modq["requests_per_s"] / bare["requests_per_s"]
                print(f"run {run}: modq {modq}\n       bare {bare}\n       ratio {ratio:.2f}")
        finally:
            bench.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
