"""The whole service on servers of its own, for the chaos run: PostgreSQL and Redis on spare
ports, the web app under gunicorn, scoring workers and beat, each restartable or killable."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

from moderation import sites
from moderation.config import Settings, load_settings
from moderation.db import make_engine, make_session_factory, upgrade
from tests.support.detoxify_checkpoint import TinyDetoxify
from tests.support.processes import REPO, children_of, settings_env, stop, wait_for
from tests.support.services import PostgresCluster, RedisServer, free_port
from workers.roles import (
    BACKGROUND,
    ONE_POOL_PROCESS,
    SCORING,
    WorkerRole,
    celery_argv,
    start_in_session,
)


@dataclass
class Process:
    """One child process, restartable; its output appended to `log`."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    role: WorkerRole | None = None  # whose CPU priority it runs at
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it in its own session (and process group)."""
        with self.log.open("ab") as output:
            options = {"env": self.env, "cwd": REPO, "stdout": output, "stderr": output}
            self.popen = start_in_session(self.argv, self.role, **options)

    @property
    def pid(self) -> int:
        """The running process's id."""
        assert self.popen is not None, f"{self.name} is not running"
        return self.popen.pid

    def kill_group(self) -> None:
        """SIGKILL it and its children at once: nobody acknowledges or restores anything."""
        os.killpg(self.pid, signal.SIGKILL)
        assert self.popen is not None
        self.popen.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.popen is not None:
            stop(self.popen)


@dataclass
class Stack:
    """PostgreSQL, Redis, web, workers and beat, started by `start` and stopped by `stop`."""

    folder: Path
    detoxify: TinyDetoxify
    requeue_after: int
    requeue_interval: int
    api_key: str = ""  # the chaos site's key, created at start unless given
    workers: int = 2
    # The first this many scoring workers run one pool process (Celery's prefork pool) instead
    # of the scoring role's threads: both layouts meet the faults, and a pool process can be
    # killed alone.
    prefork_workers: int = 0
    postgres: PostgresCluster = field(init=False)
    redis: RedisServer = field(init=False)
    settings: Settings = field(init=False)
    web: Process = field(init=False)
    scoring: list[Process] = field(init=False)
    background: Process = field(init=False)
    beat: Process = field(init=False)
    port: int = field(init=False)

    @property
    def base_url(self) -> str:
        """The web app's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start everything and wait until the web app answers and the workers have loaded
        their models."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.postgres = PostgresCluster().start()
        self.redis = RedisServer(self.folder / "redis").start()
        self.settings = self._settings(self.postgres.create_database("modq"))
        upgrade(self.settings.database_url)
        self.api_key = self.api_key or self._site_key()
        env = settings_env(self.settings)
        self.port = free_port()
        self.web = Process("web", self._gunicorn(), env, self.folder / "web.log")
        self.scoring = [
            Process(
                f"worker{n}",
                self._scoring_role(n).argv(f"w{n}@%h", quiet=True),
                env,
                self._log(f"worker{n}"),
            )
            for n in range(1, self.workers + 1)
        ]
        # As `modq up` and Compose run it: explanations and webhooks never hold a scorer.
        self.background = Process(
            "background",
            BACKGROUND.argv(quiet=True),
            BACKGROUND.env(env),
            self._log("background"),
            BACKGROUND,
        )
        self.beat = Process("beat", celery_argv("beat", quiet=True), env, self.folder / "beat.log")
        for process in (self.web, *self.scoring, self.background, self.beat):
            process.start()
        wait_for(self._web_answers, timeout=60)
        wait_for(self._workers_ready, timeout=300, every=1)

    def _scoring_role(self, n: int) -> WorkerRole:
        """How scoring worker n (from 1) runs."""
        return replace(SCORING, pool=ONE_POOL_PROCESS) if n <= self.prefork_workers else SCORING

    def _settings(self, database_url: str) -> Settings:
        return load_settings(
            {},
            database_url=database_url,
            redis_url=self.redis.url(),
            secret_key=secrets.token_urlsafe(32),
            var_dir=self.folder / "var",
            detoxify_checkpoint=self.detoxify.hub_layout,
            detoxify_hf_config=self.detoxify.hf_config,
            requeue_after_seconds=self.requeue_after,
            requeue_interval_seconds=self.requeue_interval,
            log_format="json",
        )

    def _site_key(self) -> str:
        """A new site `chaos` and its key: every write needs one."""
        engine = make_engine(self.settings.database_url)
        with make_session_factory(engine)() as session:
            _, key = sites.create_site(session, "chaos")
        engine.dispose()
        return key

    def _log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def _gunicorn(self) -> list[str]:
        return [
            *(sys.executable, "-m", "gunicorn", "--config", "python:web.gunicorn_conf"),
            *("--workers", "2", "--bind", f"127.0.0.1:{self.port}"),
            *("--access-logfile", str(self.folder / "access.log"), "web.wsgi:app"),
        ]

    def _web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def _workers_ready(self) -> bool:
        """Every scoring worker has loaded Detoxify, as its warm-up logs (the scorer's status
        row would say only that one of them has: a burst then met a worker still loading)."""
        return all("loaded Detoxify" in worker.log.read_text() for worker in self.scoring)

    # ---- faults ----------------------------------------------------------------------------

    def kill_pool_child(self, n: int) -> str:
        """SIGKILL worker n's pool process mid-work (a prefork worker: see prefork_workers);
        the worker starts another."""
        children = children_of(self.scoring[n].pid)
        assert children, f"worker{n + 1} has no pool process: its pool is threads"
        for child in children:
            os.kill(child, signal.SIGKILL)
        return f"killed {len(children)} pool process(es) of worker{n + 1}"

    def kill_worker(self, n: int, down_for: float = 3.0) -> str:
        """SIGKILL worker n whole (main and pool), then start it again, as a supervisor would."""
        self.scoring[n].kill_group()
        time.sleep(down_for)
        self.scoring[n].start()
        return f"killed worker{n + 1} (main process and pool) and started it again"

    def restart_redis(self, keep_data: bool, down_for: float = 3.0) -> str:
        """Stop Redis (saving its data, or killed with its files deleted), then start it."""
        self.redis.stop(keep_data)
        time.sleep(down_for)
        self.redis.start()
        return "restarted Redis " + ("with its data" if keep_data else "without its data")

    def restart_postgres(self, down_for: float = 3.0) -> str:
        """Stop PostgreSQL (fast: sessions are cut), then start it."""
        self.postgres.stop("fast")
        time.sleep(down_for)
        self.postgres.start()
        return "restarted PostgreSQL"

    def kill_broker_connections(self) -> str:
        """Close every client connection of Redis."""
        return f"killed {self.redis.kill_connections()} broker connections"

    def stop(self) -> None:
        """Stop everything that was started."""
        processes = (getattr(self, "beat", None), getattr(self, "background", None))
        for process in (*processes, *getattr(self, "scoring", [])):
            if process is not None:
                process.stop()
        if hasattr(self, "web"):
            self.web.stop()
        if hasattr(self, "redis"):
            self.redis.stop(keep_data=False)
        if hasattr(self, "postgres"):
            self.postgres.destroy()
