"""Throwaway Redis and PostgreSQL servers on spare ports, for tests and scripts that restart,
kill or empty them (never the shared ones)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import redis

from tests.support.processes import wait_for


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of our own, with its files in `folder` (append-only file on, so a
    graceful restart keeps the queue, as a production Redis would)."""

    def __init__(self, folder: Path, port: int | None = None, password: str = "") -> None:
        self.folder, self.port, self.password = folder, port or free_port(), password
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def url(self, db: int = 0) -> str:
        """The URL clients use."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        """A client of database 0."""
        return redis.Redis.from_url(self.url(), socket_timeout=5)

    def start(self) -> RedisServer:
        """Start the server and wait until it answers."""
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--dir", str(self.folder), "--appendonly", "yes", "--save", ""]
        argv += ["--requirepass", self.password] if self.password else []
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
        log.close()
        wait_for(self._answers, timeout=20, every=0.05)
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:  # say why now, not after the timeout
            last = (self.folder / "redis.log").read_text().strip().splitlines()[-1:]
            raise RuntimeError(f"redis-server exited ({self.process.returncode}): {last}")
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self, keep_data: bool = True) -> None:
        """Stop it: SIGTERM (it writes its data), or SIGKILL and delete its files."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM if keep_data else signal.SIGKILL)
        self.process.wait(20)
        self.process = None
        if not keep_data:
            for path in self.folder.iterdir():
                if path.name != "redis.log":
                    shutil.rmtree(path) if path.is_dir() else path.unlink()

    def restart(self, keep_data: bool = True) -> None:
        """Stop and start again on the same port."""
        self.stop(keep_data)
        self.start()

    def kill_connections(self) -> int:
        """Close every client connection (`CLIENT KILL TYPE normal`), as a network fault would."""
        return int(self.client().execute_command("CLIENT", "KILL", "TYPE", "normal"))


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")), None)
    if found is None:
        raise RuntimeError(f"{name} not found: install the PostgreSQL server package")
    return found


class PostgresCluster:
    """A PostgreSQL cluster of our own (initdb into a temporary folder, trust authentication),
    run as the postgres user when we are root, since PostgreSQL refuses to run as root."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="modq-pg-"))
        self.data, self.sockets = self.folder / "data", self.folder / "sockets"
        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._as_owner(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL of `database` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True, timeout=120)

    def _ctl(self, *args: str) -> None:
        self._as_owner(_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> PostgresCluster:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
        self._ctl("-l", str(self.folder / "server.log"), "-o", options, "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast` ends sessions cleanly, `immediate` is a crash)."""
        self._ctl("-m", mode, "stop")

    def create_database(self, name: str) -> str:
        """Create `name` and return its URL."""
        import sqlalchemy as sa

        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server if it runs, and delete its files."""
        with contextlib.suppress(subprocess.CalledProcessError):  # it was not running
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
