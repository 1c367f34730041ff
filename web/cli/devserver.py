"""`modq up`: run the whole service on one machine, and stop all of it on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import click
import redis

from moderation import accounts, sites
from moderation import db as database
from moderation.config import Settings, dev_secret_key
from moderation.masking import mask_credentials
from moderation.redis_client import fail_fast
from workers.roles import BACKGROUND, SCORING, WorkerRole, celery_argv, start_in_session

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
INSTALL_REDIS = (
    "Install it with `sudo apt-get install redis-server` (Debian/Ubuntu), "
    "`sudo dnf install redis` (Fedora) or `brew install redis` (macOS), "
    "or point MODQ_REDIS_URL at a running Redis."
)


@dataclass
class Children:
    """The processes `modq up` started: on the way out the services stop first, then what they
    need (Redis), so that a worker finishing its task can still acknowledge it."""

    running: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    needed: set[str] = field(default_factory=set)  # names stopped after all the others

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        role: WorkerRole | None = None,
        needed: bool = False,
    ) -> None:
        """Start a process in its own session, so Ctrl-C reaches only us and we stop it, at
        `role`'s CPU priority; a `needed` one is stopped last."""
        process = start_in_session(argv, role, env=env)
        self.running.append((name, process))
        if needed:
            self.needed.add(name)

    def first_exited(self) -> str | None:
        """The name of a child that has stopped, if any."""
        return next((name for name, proc in self.running if proc.poll() is not None), None)

    def stop_all(self, grace: float = 15.0) -> None:
        """The services, then what they need: SIGTERM (workers finish their task), SIGKILL
        what is left after `grace`, and wait for each, so nothing outlives `modq up`."""
        services = [(n, p) for n, p in reversed(self.running) if n not in self.needed]
        needed = [(n, p) for n, p in reversed(self.running) if n in self.needed]
        for group in (services, needed):
            _stop(group, grace)


def _stop(processes: list[tuple[str, subprocess.Popen[bytes]]], grace: float) -> None:
    for _, proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for name, proc in processes:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            click.echo(f"modq: {name} did not stop within {grace:g} s; killing it", err=True)
            proc.kill()
            proc.wait()


def run_all(settings: Settings, host: str, port: int) -> int:
    """Start Redis (if needed), migrate, create a first moderator, run web, a scoring worker,
    a background worker (webhooks, maintenance, explanations) and beat."""
    children = Children()
    _stop_on_signals()
    try:
        if not ensure_redis(settings, children):
            return 1
        database.upgrade(settings.database_url)
        hints = [first_moderator(settings), *dev_site(settings)]
        env = child_env(settings)
        _start_services(children, env, host, port)
        if not wait_for_http(f"http://{host}:{port}/healthz", children):
            click.echo("modq: the web server did not start; see the messages above.", err=True)
            return 1
        _banner(host, port, hints)
        return _wait(children)
    finally:
        children.stop_all()


def _start_services(children: Children, env: dict[str, str], host: str, port: int) -> None:
    python = sys.executable
    children.start(
        "web",
        [
            python,
            "-m",
            "gunicorn",
            "--config",
            "python:web.gunicorn_conf",
            "--workers",
            "2",
            "--bind",
            f"{host}:{port}",
            "--access-logfile",
            "-",
            "web.wsgi:app",
        ],
        env,
    )
    for role in (SCORING, BACKGROUND):
        children.start(role.name, role.argv(), role.env(env), role)
    children.start("beat", celery_argv("beat"), env)


def ensure_redis(settings: Settings, children: Children) -> bool:
    """Use the configured Redis, or start a local redis-server when none answers."""
    if redis_answers(settings.redis_url):
        return True
    parts = urlsplit(settings.redis_url)
    if parts.hostname not in LOCAL_HOSTS:
        click.echo(
            f"modq: Redis at {mask_credentials(settings.redis_url)} does not answer.", err=True
        )
        return False
    server = shutil.which("redis-server")
    if server is None:
        click.echo(
            f"modq: no Redis answers at {mask_credentials(settings.redis_url)} and "
            f"redis-server is not installed. {INSTALL_REDIS}",
            err=True,
        )
        return False
    click.echo(f"modq: starting redis-server on port {parts.port or 6379}")
    argv = redis_server_argv(server, parts.port or 6379)
    children.start("redis", argv, dict(os.environ), needed=True)
    return _poll(lambda: redis_answers(settings.redis_url), children, timeout=10)


def redis_server_argv(server: str, port: int) -> list[str]:
    """A throwaway local redis-server: loopback only, nothing saved to disk."""
    return [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


def redis_answers(url: str) -> bool:
    """True when a Redis server answers PING at `url`."""
    try:
        return bool(fail_fast(url).ping())
    except redis.RedisError:
        return False


def first_moderator(settings: Settings) -> str:
    """Create the first moderator if needed; return how to log in."""
    engine = database.make_engine(settings.database_url)
    try:
        with database.make_session_factory(engine)() as session:
            username, one_time = accounts.ensure_first_moderator(
                session, settings.admin_username, settings.admin_password
            )
    except accounts.AccountError as exc:  # e.g. a MODQ_ADMIN_PASSWORD the rules refuse
        raise click.ClickException(f"MODQ_ADMIN_USERNAME/MODQ_ADMIN_PASSWORD: {exc}") from None
    finally:
        engine.dispose()
    if one_time:
        return (
            f"Log in as '{username}' with the one-time password {one_time} "
            "(you will choose your own at first login)."
        )
    if username:
        return f"Log in as '{username}' with MODQ_ADMIN_PASSWORD."
    return "Log in with your moderator account (add one: modq moderator create NAME)."


def dev_site(settings: Settings) -> list[str]:
    """Make sure the `dev` site has a key in MODQ_VAR_DIR/dev-api-key; say where it is, and
    warn about any site that takes comments without a key."""
    engine = database.make_engine(settings.database_url)
    with database.make_session_factory(engine)() as session:
        new_key = sites.ensure_dev_key(session, settings.var_dir)
        warnings = [sites.open_intake_warning(site) for site in sites.open_sites(session)]
    engine.dispose()
    path = settings.var_dir / sites.DEV_KEY_FILE
    told = (
        [f"API key of the site 'dev' (also in {path}): {new_key}"]
        if new_key
        else [f"The site 'dev' has its API key in {path}."]
    )
    return told + [f"WARNING: {warning}" for warning in warnings]


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of the children: ours, plus a development secret if none is set."""
    env = dict(os.environ)
    env.setdefault("MODQ_SECRET_KEY", settings.secret_key or dev_secret_key(settings.var_dir))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def wait_for_http(url: str, children: Children, timeout: float = 30) -> bool:
    """Poll `url` until it answers 200, a child dies, or `timeout` passes."""

    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    return _poll(answers, children, timeout)


def _poll(check: Callable[[], bool], children: Children, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and children.first_exited() is None:
        if check():
            return True
        time.sleep(0.25)
    return False


def _banner(host: str, port: int, hints: list[str]) -> None:
    click.echo(
        "\n".join(
            [
                "",
                f"modq is running: http://{host}:{port}",
                f"  review queue  http://{host}:{port}/review/",
                f"  demo article  http://{host}:{port}/demo  (after modq demo load)",
                f"  intake API    http://{host}:{port}/api/v1/comments",
                f"  readiness     http://{host}:{port}/readyz",
                *(f"  {hint}" for hint in hints),
                "  Load demo comments from another terminal: .venv/bin/modq demo load",
                "  Press Ctrl-C to stop everything.",
                "",
            ]
        )
    )


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop everything, even where SIGINT was inherited as ignored
    (a shell starts background jobs that way)."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _wait(children: Children) -> int:
    try:
        while (stopped := children.first_exited()) is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("\nmodq: stopping…")
        return 0
    click.echo(f"modq: {stopped} stopped unexpectedly; stopping the rest.", err=True)
    return 1
