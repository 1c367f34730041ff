"""`modq up`, as `make run` starts it: its own Redis, migrations, web, worker and beat, a
first moderator, and everything stopped on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.detoxify_checkpoint import TinyDetoxify
from tests.support.processes import REPO, children_of, wait_for

MODQ = str(Path(sys.executable).parent / "modq")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(
    url: str, method: str = "GET", body: dict[str, Any] | None = None, key: str | None = None
) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        result: dict[str, Any] = json.load(response)
        return result


def modq_env(tmp_path: Path, redis_port: int, tiny: TinyDetoxify) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODQ_")}
    return env | {
        "MODQ_VAR_DIR": str(tmp_path / "var"),
        "MODQ_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'modq.db'}",
        "MODQ_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "MODQ_DETOXIFY_CHECKPOINT": str(tiny.hub_layout),
        "MODQ_DETOXIFY_HF_CONFIG": str(tiny.hf_config),
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def worker_processes(pids: list[int]) -> dict[str, int]:
    """The Celery workers among `pids`, by the name in their --hostname."""
    found = {}
    for pid in pids:
        argv = cmdline(pid).split()
        if "worker" in argv:
            found[argv[argv.index("--hostname") + 1].split("@")[0]] = pid
    return found


def queues_of(pid: int) -> set[str]:
    argv = cmdline(pid).split()
    return set(argv[argv.index("-Q") + 1].split(","))


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def test_modq_up_runs_the_whole_service_and_ctrl_c_stops_it(
    tmp_path: Path, tiny_detoxify: TinyDetoxify
) -> None:
    port, redis_port = free_port(), free_port()
    log = tmp_path / "modq-up.log"
    with log.open("wb") as output:
        up = subprocess.Popen(
            [MODQ, "up", "--port", str(port)],
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=modq_env(tmp_path, redis_port, tiny_detoxify),
        )
    try:
        wait_for(lambda: "modq is running" in log.read_text(), timeout=120)
        printed = log.read_text()
        assert f"starting redis-server on port {redis_port}" in printed
        assert "Log in as 'admin' with the one-time password" in printed
        children = children_of(up.pid)
        assert len(children) == 5, printed  # redis, web, scoring and background workers, beat
        workers = worker_processes(children)
        # No scoring process ever holds an explanation or a webhook call, and the background
        # worker yields the CPU to scoring.
        assert queues_of(workers["scoring"]) == {"celery", "modq.backlog"}
        assert queues_of(workers["background"]) == {
            "modq.webhooks",
            "modq.maintenance",
            "modq.explain",
        }
        assert niceness(workers["background"]) == niceness(workers["scoring"]) + 10
        key_file = tmp_path / "var" / "dev-api-key"
        key = key_file.read_text().strip()
        assert f"API key of the site 'dev' (also in {key_file}): {key}" in printed
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

        base = f"http://127.0.0.1:{port}"
        call(
            f"{base}/api/v1/articles/a1",
            "PUT",
            {
                "title": "Energy talks in Athens",
                "url": "https://news.example.org/a",
                "body": "Ministers discussed energy cooperation and shipping trade.",
            },
            key,
        )
        accepted = call(
            f"{base}/api/v1/comments",
            "POST",
            {
                "article_id": "a1",
                "author": {"id": "u1", "name": "Reader"},
                "body": "Energy cooperation and shipping trade with Athens make sense.",
            },
            key,
        )
        result = wait_for(
            lambda: (s := call(accepted["status_url"]))["status"] != "pending" and s, timeout=90
        )
        assert result["status"] == "published"
        assert call(f"{base}/readyz")["status"] == "ok"
        web_workers = [p for c in children for p in children_of(c) if "gunicorn" in cmdline(p)]
        assert web_workers and all(threads(p) > 1 for p in web_workers), "threaded workers"
        # The quick start: the demo posts with the key `modq up` wrote.
        demo = subprocess.run(
            [MODQ, "demo", "load", "--base-url", base],
            cwd=REPO,
            env=modq_env(tmp_path, redis_port, tiny_detoxify),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert f"{base}/api/v1/comments/" in demo.stdout

        up.send_signal(signal.SIGINT)
        assert up.wait(60) == 0
        time.sleep(0.5)
        assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()


def test_modq_up_names_the_install_command_when_redis_is_missing(
    tmp_path: Path, tiny_detoxify: TinyDetoxify
) -> None:
    env = modq_env(tmp_path, free_port(), tiny_detoxify)
    env["PATH"] = str(Path(sys.executable).parent)  # no redis-server on this PATH
    result = subprocess.run(
        [MODQ, "up", "--port", str(free_port())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "redis-server is not installed" in result.stderr
    assert "sudo apt-get install redis-server" in result.stderr


# A child that, on SIGTERM, takes `delay` seconds to finish, then notes its name and the time.
FINISHING = """
import signal, sys, time
name, delay, notes = sys.argv[1], float(sys.argv[2]), sys.argv[3]
def finish(*_):
    time.sleep(delay)
    with open(notes, "a") as out:
        out.write(f"{name} {time.monotonic()}\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, finish)
open(notes + "." + name, "w").close()  # ready: its handler is set
time.sleep(60)
"""


def test_modq_up_stops_redis_after_the_workers_that_need_it(tmp_path: Path) -> None:
    # A worker finishing its task on Ctrl-C must still reach Redis to acknowledge it: with
    # everything stopped at once, Redis went first, the worker could not ack and retried the
    # broker until it was killed.
    from web.cli.devserver import Children

    notes = tmp_path / "stopped"
    children = Children()

    def start(name: str, delay: float, needed: bool = False) -> None:
        argv = [sys.executable, "-c", FINISHING, name, str(delay), str(notes)]
        children.start(name, argv, dict(os.environ), needed=needed)

    start("redis", 0.0, needed=True)
    start("worker", 1.0)
    start("beat", 0.0)
    wait_for(lambda: all(Path(f"{notes}.{n}").exists() for n in ("redis", "worker", "beat")))
    children.stop_all(grace=10)
    stopped = [line.split()[0] for line in notes.read_text().splitlines()]
    assert stopped[-1] == "redis" and sorted(stopped) == ["beat", "redis", "worker"]
    assert all(proc.poll() is not None for _, proc in children.running)
