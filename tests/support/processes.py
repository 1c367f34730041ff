"""Real worker and beat processes for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from moderation.config import Settings, to_environment
from workers.roles import celery_argv

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process load exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODQ_")}
    return (
        env
        | to_environment(settings)
        | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    )


def wait_for(check: Callable[[], T | None], timeout: float = 60, every: float = 0.2) -> T:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise TimeoutError(f"nothing after {timeout}s: {check}")


@contextmanager
def celery_process(
    kind: str, env: Mapping[str, str], log: Path, *extra: str, printed: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A workers.app worker|beat`, stopped (warmly, then hard) at the end. Its log
    (standard error) goes to `log`, and so does its standard output unless `printed` names
    another file (Celery prints a few lines there, such as its banner)."""
    # Without its start-up banner in JSON mode, so that every line of the log is JSON.
    argv = celery_argv(kind, *extra, quiet=env.get("MODQ_LOG_FORMAT") == "json")
    with log.open("ab") as errors, (printed or log).open("ab") as output:
        process = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=REPO,
            stdout=output if printed else errors,
            stderr=errors,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """SIGTERM the process group, then SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def scoring_processes(worker: int) -> list[int]:
    """The processes that run a Celery worker's tasks: its pool processes, or the worker
    itself when its pool is threads (the scoring role's)."""
    return children_of(worker) or [worker]


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def status_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory figure of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0
